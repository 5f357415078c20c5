#!/usr/bin/env bash
# Builds the jwtward wheel with maturin, installs it into a fresh virtual environment and
# runs it both ways (`jwtward` on PATH and `python -m jwtward`). Called by scripts/test.sh.
# The wheel is built with the dev profile so it reuses the test build; releases use the
# `dist` profile (pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv_python=${JWTWARD_TEST_PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$venv_python" -m maturin build --profile dev --out "$work/dist" >"$work/build.log" 2>&1 || {
  cat "$work/build.log"; echo "wheel: maturin build failed"; exit 1; }
# After `cargo test --workspace` (scripts/test.sh sets JWTWARD_WHEEL_REUSE=1) the wheel
# reuses the test build: only the jwtward crate itself may compile again (see the feature
# unification note in crates/jwtward/Cargo.toml).
recompiled=$(grep -E '^\s*Compiling ' "$work/build.log" | grep -v 'Compiling jwtward v' || true)
if [ -n "$recompiled" ]; then
  echo "wheel: the maturin build recompiled $(echo "$recompiled" | wc -l) dependencies of the test build:"
  echo "$recompiled" | head -20
  [ "${JWTWARD_WHEEL_REUSE:-0}" = 1 ] && exit 1
fi
wheel=$(ls "$work"/dist/jwtward-*.whl)
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$wheel"
v1=$("$work/venv/bin/jwtward" --version)
v2=$("$work/venv/bin/python" -m jwtward --version)
[ "$v1" = "$v2" ] || { echo "wheel: '$v1' != '$v2'"; exit 1; }
# The installed binary does real work: scanning the example finds something (exit 1).
set +e
"$work/venv/bin/python" -m jwtward scan examples/notes_api --format json >"$work/scan.json"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "wheel: scan of the example exited $rc, expected 1"; exit 1; }
grep -q '"findings"' "$work/scan.json" || { echo "wheel: no JSON report"; exit 1; }
echo "wheel: $(basename "$wheel") installs and runs ($v1)"
