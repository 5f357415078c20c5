"""``python -m jwtward``: run the jwtward binary with the same arguments."""

from __future__ import annotations

import os
import subprocess
import sys

from jwtward import find_jwtward_bin


def main() -> int:
    binary = find_jwtward_bin()
    if sys.platform == "win32":
        return subprocess.run([binary, *sys.argv[1:]]).returncode
    os.execvp(binary, [binary, *sys.argv[1:]])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
