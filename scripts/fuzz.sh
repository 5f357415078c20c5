#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ in turn, SECONDS each (default 600), at the lowest
# CPU priority, on a scratch copy of the committed seed corpus (fuzz/corpus/TARGET), and
# prints executions and crashes per target. Crashes land in fuzz/artifacts/TARGET/; each
# one must become a regression test in the crate it crashed.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Exits 1 when a target crashed in this run (the CI smoke pass of scripts/test.sh runs it
# with a few seconds per target). Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`).
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(scan token keys crack_input config openapi)
fi
nice -n 19 cargo +nightly fuzz build
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%-12s %12s %8s\n' target execs crashes
new_crashes=0
count_crashes() {
    find "fuzz/artifacts/$1" -type f \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l
}
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "fuzz/artifacts/$t"
    before="$(count_crashes "$t")"
    cp -r "fuzz/corpus/$t/." "$work/$t/"
    log="$work/$t.log"
    # -rss_limit_mb: a hostile input must not take the machine; -timeout: nor hang it.
    nice -n 19 cargo +nightly fuzz run "$t" "$work/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=4096 -timeout=30 -max_len=16384 \
        -print_final_stats=1 >"$log" 2>&1 || true
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    crashes=$(($(count_crashes "$t") - before))
    new_crashes=$((new_crashes + crashes))
    printf '%-12s %12s %8s\n' "$t" "$execs" "$crashes"
done
if [ "$new_crashes" -gt 0 ]; then
    echo "fuzz: $new_crashes new crash(es) in fuzz/artifacts/: each must become a regression test" >&2
    exit 1
fi
