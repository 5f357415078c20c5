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

# The fuzz smoke pass: JWTWARD_FUZZ_SMOKE=SECONDS runs every cargo-fuzz target of fuzz/
# that long when the nightly toolchain is installed (cargo-fuzz is installed if it is
# missing), and fails on a crash. .ci/run sets 5; a plain scripts/test.sh skips it, since
# the nightly sanitizer build of the workspace it needs first takes 7 min on the 2-core
# machine (15-16 min under load). The seed corpora of every target run on stable in every
# run anyway (crates/jwtward/tests/fuzz_corpus.rs, through the same target code).
smoke=${JWTWARD_FUZZ_SMOKE:-0}
if [ "$smoke" != 0 ]; then
  if rustup run nightly rustc --version >/dev/null 2>&1; then
    if ! cargo fuzz --version >/dev/null 2>&1; then
      echo "==> installing cargo-fuzz"
      cargo install --locked cargo-fuzz </dev/null
    fi
    echo "==> fuzz smoke pass ($smoke s per target)"
    scripts/fuzz.sh "$smoke"
  else
    echo "==> fuzz smoke pass skipped: no nightly toolchain (rustup toolchain install nightly)"
  fi
fi
