#!/usr/bin/env bash
# Runs every jwtward test. On a fresh machine it first creates the Python virtual
# environment the tests need (.venv, from tests/requirements.txt), so this one command
# is all CI and a new contributor have to run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

python=${PYTHON:-python3}
venv=$root/.venv
stamp=$venv/.requirements.sha256
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> creating $venv from tests/requirements.txt"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
  echo "$want" > "$stamp"
fi
export JWTWARD_TEST_PYTHON=$venv/bin/python

# The HTML report is tested in a real headless browser.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "==> installing chromium (Debian package) for the HTML report test"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "error: the HTML report test needs chromium; install the Debian package 'chromium'" >&2
    exit 2
  fi
fi
export JWTWARD_TEST_CHROMIUM=${JWTWARD_TEST_CHROMIUM:-$(command -v chromium)}

echo "==> cargo test"
cargo test --workspace --locked "$@"

echo "==> wheel"
JWTWARD_WHEEL_REUSE=1 scripts/test-wheel.sh
