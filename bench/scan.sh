#!/usr/bin/env bash
# Static-scan benchmark: jwtward scan, `ruff check --select S` and semgrep (with the JWT rule
# file bench/scan/jwt.yml) side by side on the same corpus: the CPython standard library of
# the machine's python3 plus the site-packages of the project's .venv. Prints lines/s for each
# tool and the ratios. Each tool runs RUNS times (default 3); the best time counts.
#
#   bench/scan.sh                  # full corpus
#   CORPUS=stdlib bench/scan.sh    # standard library only
#   NO_SEMGREP=1 bench/scan.sh     # skip semgrep (the slowest by far)
#   RUNS=5 bench/scan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
RUNS=${RUNS:-3}
CORPUS=${CORPUS:-full}
RUFF_VERSION=0.17.5
SEMGREP_VERSION=1.185.0
work=${BENCH_DIR:-/tmp/jwtward-bench}/scan
mkdir -p "$work"

echo "==> building jwtward (release)"
cargo build --release --locked -p jwtward >/dev/null
bin=${CARGO_TARGET_DIR:-$root/target}/release/jwtward

venv=$root/bench/.venv
if [ ! -x "$venv/bin/ruff" ] || [ ! -x "$venv/bin/semgrep" ] \
  || ! "$venv/bin/ruff" --version | grep -q " $RUFF_VERSION\$" \
  || ! "$venv/bin/semgrep" --version --disable-version-check 2>/dev/null | grep -q "^$SEMGREP_VERSION\$"; then
  echo "==> installing ruff $RUFF_VERSION and semgrep $SEMGREP_VERSION into bench/.venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "ruff==$RUFF_VERSION" "semgrep==$SEMGREP_VERSION"
fi

# The corpus is copied outside the repository (whose .gitignore would hide it) into
# directories whose names no tool skips by default (no "site-packages", no "test" rules).
stdlib=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
site=$("$root/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' 2>/dev/null || true)
corpus=$work/corpus-$CORPUS
if [ ! -d "$corpus" ]; then
  echo "==> copying the corpus to $corpus"
  mkdir -p "$corpus/stdlib"
  (cd "$stdlib" && find . -name '*.py' -not -path './site-packages/*' -print0 \
    | tar --null -cf - -T -) | tar -xf - -C "$corpus/stdlib"
  if [ "$CORPUS" = full ]; then
    [ -n "$site" ] && [ -d "$site" ] || { echo "no $root/.venv: run scripts/test.sh first" >&2; exit 2; }
    mkdir -p "$corpus/sitepkgs"
    (cd "$site" && find . -name '*.py' -print0 | tar --null -cf - -T -) | tar -xf - -C "$corpus/sitepkgs"
  fi
  : > "$corpus/.semgrepignore"
fi
files=$(find "$corpus" -name '*.py' | wc -l)
lines=$(find "$corpus" -name '*.py' -print0 | xargs -0 cat | wc -l)
bytes=$(find "$corpus" -name '*.py' -print0 | xargs -0 cat | wc -c)
echo "==> corpus: $files files, $lines lines, $((bytes / 1024 / 1024)) MiB ($CORPUS), $(nproc) cores"

# best_of CMD...: prints "WALL CPU" (seconds) of the run with the best wall time over RUNS runs.
# CPU is user+system time: on a shared machine it shows the work done when wall time is noisy.
best_of() {
  local best="" best_cpu=""
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S" -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
    read -r wall user sys < <(tail -1 "$work/time.txt")
    if [ -z "$best" ] || [ "$(echo "$wall < $best" | bc -l)" = 1 ]; then
      best=$wall
      best_cpu=$(echo "$user + $sys" | bc -l)
    fi
  done
  echo "$best $best_cpu"
}

echo "==> jwtward scan"
read -r t_jw c_jw < <(best_of "$bin" scan "$corpus" --format json)
"$bin" scan "$corpus" --format json > "$work/jwtward.json" || true
echo "==> ruff check --select S"
read -r t_ruff c_ruff < <(best_of "$venv/bin/ruff" check --isolated --no-cache --select S --exit-zero "$corpus")
t_sg=""
if [ -z "${NO_SEMGREP:-}" ]; then
  echo "==> semgrep (bench/scan/jwt.yml)"
  runs_saved=$RUNS
  RUNS=1
  read -r t_sg c_sg < <(best_of "$venv/bin/semgrep" scan --config "$root/bench/scan/jwt.yml" --metrics=off \
    --disable-version-check --no-git-ignore --max-target-bytes 0 --quiet --json \
    --output "$work/semgrep.json" "$corpus")
  RUNS=$runs_saved
fi

rate() { echo "$lines / $1" | bc -l | xargs printf '%.0f'; }
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (other work on the machine slows wall time)"
printf '%-24s %9s %9s %14s %18s\n' tool wall_s cpu_s lines/s lines/cpu-second
printf '%-24s %9.3f %9.3f %14s %18s\n' "jwtward scan" "$t_jw" "$c_jw" "$(rate "$t_jw")" "$(rate "$c_jw")"
printf '%-24s %9.3f %9.3f %14s %18s\n' "ruff check --select S" "$t_ruff" "$c_ruff" "$(rate "$t_ruff")" "$(rate "$c_ruff")"
[ -n "$t_sg" ] && printf '%-24s %9.3f %9.3f %14s %18s\n' "semgrep (jwt.yml)" "$t_sg" "$c_sg" "$(rate "$t_sg")" "$(rate "$c_sg")"
echo
printf 'jwtward vs ruff:    %.2fx faster (wall), %.2fx less CPU\n' "$(echo "$t_ruff / $t_jw" | bc -l)" "$(echo "$c_ruff / $c_jw" | bc -l)"
[ -n "$t_sg" ] && printf 'jwtward vs semgrep: %.1fx faster (wall), %.1fx less CPU\n' "$(echo "$t_sg / $t_jw" | bc -l)" "$(echo "$c_sg / $c_jw" | bc -l)"
summary=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print("%s files, %s lines, %s findings, %s errors" % (s["files"], s["lines"], s["findings"], s["errors"]))' "$work/jwtward.json")
echo "jwtward summary: $summary"
