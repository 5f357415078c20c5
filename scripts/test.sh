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

echo "==> cargo test"
cargo test --workspace --locked "$@"
