#!/usr/bin/env bash
# HMAC secret search benchmark: jwtward (each engine), its `hmac`-crate reference engine and
# hashcat mode 16500, side by side on the same token and generated wordlist. Prints keys/s and
# ratios. The key is not in the list, so every tool runs the whole list.
#
#   bench/crack.sh                 # HS256, 209-byte signing input, 20M words
#   WORDS=5000000 bench/crack.sh   # smaller list
#   INPUT_LEN=260 bench/crack.sh   # another signing-input length
#   ALG=HS512 bench/crack.sh       # HS384/HS512
#   NO_HASHCAT=1 bench/crack.sh    # skip hashcat (it is installed with apt-get when missing)
#   JWTWARD_BIN=path bench/crack.sh  # use this binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
WORDS=${WORDS:-20000000}
HASHCAT_WORDS=${HASHCAT_WORDS:-16000000}
INPUT_LEN=${INPUT_LEN:-209}
ALG=${ALG:-HS256}
work=${BENCH_DIR:-/tmp/jwtward-bench}
mkdir -p "$work"

if [ -n "${JWTWARD_BIN:-}" ]; then
  bin=$JWTWARD_BIN # an already built binary
else
  echo "==> building jwtward (release)"
  cargo build --release --locked -p jwtward >/dev/null
  bin=${CARGO_TARGET_DIR:-$root/target}/release/jwtward
fi

# A token whose signing input is exactly INPUT_LEN bytes, signed with a key not in the list.
token=$(python3 - "$INPUT_LEN" "$ALG" <<'PY'
import base64, hashlib, hmac, json, sys
n, alg = int(sys.argv[1]), sys.argv[2]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
h = b64(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
for pad in range(0, 4 * n):
    p = b64(json.dumps({"sub": "1234567890", "name": "bench", "iat": 1700000000,
                        "x": "A" * pad}, separators=(",", ":")).encode())
    if len(h) + 1 + len(p) == n:
        break
else:
    sys.exit(f"cannot make a {n}-byte signing input")
si = f"{h}.{p}".encode()
digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
sig = hmac.new(b"bench-key-not-in-the-list-9f8e7d", si, digest).digest()
print(f"{h}.{p}.{b64(sig)}")
PY
)
echo "token: $ALG, signing input $INPUT_LEN bytes"

list=$work/words-$WORDS.txt
if [ ! -s "$list" ]; then
  echo "==> generating $list"
  seq -f "w%09g" 1 "$WORDS" > "$list"
fi
small=$work/words-$HASHCAT_WORDS.txt
if [ ! -s "$small" ]; then
  head -n "$HASHCAT_WORDS" "$list" > "$small"
fi
echo "wordlist: $WORDS words, $(du -h "$list" | cut -f1)"
cat "$list" > /dev/null # page cache warm for every tool

rate_of() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["keys_per_s"]))'; }

declare -A rate
run_jwtward() { # engine words-file
  local out
  out=$("$bin" crack "$token" --no-builtin -w "$2" --engine "$1" --format json || true)
  echo "$out" | rate_of
}
for engine in auto avx512 sha-ni compress avx2 portable reference; do
  words=$list
  if [ "$engine" = reference ] || [ "$engine" = portable ] || [ "$engine" = compress ]; then words=$small; fi
  r=$(run_jwtward "$engine" "$words" 2>/dev/null) || { echo "jwtward --engine $engine: not available here"; continue; }
  rate[$engine]=$r
  printf 'jwtward --engine %-10s %8.2f M keys/s   (%s words)\n' "$engine" "$(echo "$r/1000000" | bc -l)" "$(wc -l < "$words")"
done

# Is the wordlist read the bottleneck? Compare with a mask of 10M candidates (generated in
# registers, no input at all): the same rate means the list is not what limits the search.
mask_out=$("$bin" crack "$token" --no-builtin -m 'w?d?d?d?d?d?d?d' --format json || true)
rate[mask]=$(echo "$mask_out" | rate_of)
printf 'jwtward auto, mask (10M)  %8.2f M keys/s   (wordlist/mask: %.2f)\n' \
  "$(echo "${rate[mask]}/1000000" | bc -l)" "$(echo "${rate[auto]}/${rate[mask]}" | bc -l)"

if [ -z "${NO_HASHCAT:-}" ]; then
  if ! command -v hashcat >/dev/null; then
    echo "==> installing hashcat + pocl (CPU OpenCL)"
    (apt-get install -y hashcat pocl-opencl-icd >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y hashcat pocl-opencl-icd >/dev/null)) || echo "hashcat: install failed"
  fi
  if command -v hashcat >/dev/null; then
    echo "$token" > "$work/token.txt"
    hc() { # words-file -> seconds; hashcat's own status lines go to $work/hashcat.log
      local t0 t1
      t0=$(date +%s.%N)
      hashcat -m 16500 -a 0 --potfile-disable --quiet --force -w 3 --status --status-json \
        --status-timer=2 "$work/token.txt" "$1" >"$work/hashcat.log" 2>&1 || true
      t1=$(date +%s.%N)
      echo "$t1 - $t0" | bc -l
    }
    # hashcat's own figure: the median device speed over its status lines while running.
    hc_status() {
      python3 - "$work/hashcat.log" <<'PY'
import json, statistics, sys
speeds = []
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("{"):
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("status") == 3:  # running
            speeds.append(sum(dev.get("speed", 0) for dev in d.get("devices", [])))
print(round(statistics.median(speeds)) if speeds else 0)
PY
    }
    half=$work/words-$((HASHCAT_WORDS / 2)).txt
    [ -s "$half" ] || head -n $((HASHCAT_WORDS / 2)) "$list" > "$half"
    hc "$half" >/dev/null # warm-up: kernel build and cache
    t_half=$(hc "$half")
    t_full=$(hc "$small")
    own=$(hc_status)
    # The difference between two list sizes removes start-up time from the rate.
    r=$(echo "($HASHCAT_WORDS - $HASHCAT_WORDS / 2) / ($t_full - $t_half)" | bc -l)
    if [ "$(echo "$t_full > $t_half" | bc)" = 1 ]; then
      printf 'hashcat -m 16500 (CPU)    %8.2f M keys/s   (%.1fs for %s words, %.1fs for half)\n' \
        "$(echo "$r/1000000" | bc -l)" "$t_full" "$HASHCAT_WORDS" "$t_half"
      printf 'hashcat, its own status   %8.2f M keys/s   (median speed while running)\n' \
        "$(echo "$own/1000000" | bc -l)"
      # The ratio is taken against the faster of the two figures.
      rate[hashcat]=${r%.*}
      if [ "$own" -gt "${rate[hashcat]}" ]; then rate[hashcat]=$own; fi
    else
      echo "hashcat: no usable timing; last log:"; tail -n 20 "$work/hashcat.log"
    fi
  fi
fi

echo
best=${rate[auto]:-0}
for peer in reference hashcat; do
  if [ -n "${rate[$peer]:-}" ] && [ "${rate[$peer]}" -gt 0 ]; then
    printf 'jwtward auto / %-10s %6.2fx\n' "$peer" "$(echo "$best/${rate[$peer]}" | bc -l)"
  fi
done
