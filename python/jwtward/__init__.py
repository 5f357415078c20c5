"""jwtward: find and prove JWT authentication bypass in FastAPI applications.

The package ships the ``jwtward`` binary; :func:`find_jwtward_bin` locates it.
"""

from __future__ import annotations

import os
import sys
import sysconfig

__all__ = ["find_jwtward_bin"]


def find_jwtward_bin() -> str:
    """Return the path of the installed ``jwtward`` executable."""
    exe = "jwtward" + (sysconfig.get_config_var("EXE") or "")
    candidates = [sysconfig.get_path("scripts")]
    user_scheme = {"nt": "nt_user", "posix": "posix_user"}.get(os.name)
    if user_scheme and user_scheme in sysconfig.get_scheme_names():
        candidates.append(sysconfig.get_path("scripts", scheme=user_scheme))
    # A venv without the scripts directory on PATH, or pip --target installs.
    candidates.append(os.path.join(os.path.dirname(sys.executable)))
    for directory in candidates:
        if directory:
            path = os.path.join(directory, exe)
            if os.path.isfile(path):
                return path
    raise FileNotFoundError(f"the {exe} executable is not installed next to this Python ({sys.executable})")
