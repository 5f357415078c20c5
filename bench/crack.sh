#!/usr/bin/env bash
# HMAC secret search benchmark: jwtward (each engine), its `hmac`-crate reference engine and
# hashcat mode 16500, side by side on the same token and generated wordlist. Prints keys/s and
# ratios. The key is not in the list, so every tool runs the whole list.
#
#   bench/crack.sh                 # HS256, 209-byte signing input, 20M words
#   WORDS=5000000 bench/crack.sh   # smaller list
#   INPUT_LEN=260 bench/crack.sh   # another signing-input length
#   ALG=HS512 bench/crack.sh       # HS384/HS512
#   RUNS=5 bench/crack.sh          # jwtward runs per engine (best counts; default 3)
#   NO_HASHCAT=1 bench/crack.sh    # skip hashcat (it is installed with apt-get when missing)
#   JWTWARD_BIN=path bench/crack.sh  # use this binary instead of building one
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
WORDS=${WORDS:-20000000}
HASHCAT_WORDS=${HASHCAT_WORDS:-16000000}
INPUT_LEN=${INPUT_LEN:-209}
RUNS=${RUNS:-3} # jwtward runs per engine; the best counts
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
# Keys per CPU-second (user + system time of the whole process): on a virtual machine whose
# host steals CPU time, wall-clock rates of every tool swing with it; CPU time does not count
# the stolen time.
run_jwtward() { # engine words-file -> "keys/s keys/cpu-s", the best of RUNS runs each
  local out r c best=0 cpu_best=0 n
  n=$(wc -l < "$2")
  for _ in $(seq "$RUNS"); do
    out=$(/usr/bin/time -f '%U %S' -o "$work/time.txt" \
      "$bin" crack "$token" --no-builtin -w "$2" --engine "$1" --format json || true)
    r=$(echo "$out" | rate_of) || return 1
    if [ "$r" -gt "$best" ]; then best=$r; fi
    c=$(tail -n 1 "$work/time.txt" | awk -v n="$n" '{ printf "%d", n / ($1 + $2) }')
    if [ "$c" -gt "$cpu_best" ]; then cpu_best=$c; fi
  done
  echo "$best $cpu_best"
}
for engine in auto avx512 sha-ni compress avx2 portable reference; do
  words=$list
  if [ "$engine" = reference ] || [ "$engine" = portable ] || [ "$engine" = compress ]; then words=$small; fi
  out=$(run_jwtward "$engine" "$words" 2>/dev/null) || { echo "jwtward --engine $engine: not available here"; continue; }
  read -r r c <<<"$out"
  if [ "$engine" = auto ]; then rate[auto_cpu]=$c; fi
  rate[$engine]=$r
  printf 'jwtward --engine %-10s %8.2f M keys/s   (%s words)\n' "$engine" "$(echo "$r/1000000" | bc -l)" "$(wc -l < "$words")"
done

# Is the wordlist read the bottleneck? Compare with a mask of 10M candidates (generated in
# registers, no input at all): the same rate means the list is not what limits the search.
rate[mask]=0
for _ in $(seq "$RUNS"); do
  mask_out=$("$bin" crack "$token" --no-builtin -m 'w?d?d?d?d?d?d?d' --format json || true)
  r=$(echo "$mask_out" | rate_of)
  if [ "$r" -gt "${rate[mask]}" ]; then rate[mask]=$r; fi
done
printf 'jwtward auto, mask (10M)  %8.2f M keys/s   (wordlist/mask: %.2f)\n' \
  "$(echo "${rate[mask]}/1000000" | bc -l)" "$(echo "${rate[auto]}/${rate[mask]}" | bc -l)"

if [ -z "${NO_HASHCAT:-}" ]; then
  if ! command -v hashcat >/dev/null; then
    echo "==> installing hashcat + pocl (CPU OpenCL)"
    (apt-get install -y hashcat pocl-opencl-icd >/dev/null 2>&1 || (apt-get update >/dev/null && apt-get install -y hashcat pocl-opencl-icd >/dev/null)) || echo "hashcat: install failed"
  fi
  if command -v hashcat >/dev/null; then
    echo "$token" > "$work/token.txt"
    hc() { # words-file -> "wall-seconds cpu-seconds"; its status lines go to $work/hashcat.log
      /usr/bin/time -f '%e %U %S' -o "$work/time.txt" \
        hashcat -m 16500 -a 0 --potfile-disable --quiet --force -w 3 --status --status-json \
        --status-timer=2 "$work/token.txt" "$1" >"$work/hashcat.log" 2>&1 || true
      tail -n 1 "$work/time.txt" | awk '{ print $1, $2 + $3 }'
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
    read -r t_half c_half <<<"$(hc "$half")"
    read -r t_full c_full <<<"$(hc "$small")"
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
      if [ "$(echo "$c_full > $c_half" | bc)" = 1 ]; then
        rate[hashcat_cpu]=$(echo "($HASHCAT_WORDS - $HASHCAT_WORDS / 2) / ($c_full - $c_half)" | bc)
      fi
    else
      echo "hashcat: no usable timing; last log:"; tail -n 20 "$work/hashcat.log"
    fi
  fi
fi

echo
if [ -n "${rate[auto_cpu]:-}" ] && [ -n "${rate[hashcat_cpu]:-}" ]; then
  printf 'per CPU-second: jwtward auto %.2f M, hashcat %.2f M keys: %.2fx\n' \
    "$(echo "${rate[auto_cpu]}/1000000" | bc -l)" "$(echo "${rate[hashcat_cpu]}/1000000" | bc -l)" \
    "$(echo "${rate[auto_cpu]}/${rate[hashcat_cpu]}" | bc -l)"
fi
best=${rate[auto]:-0}
for peer in reference hashcat; do
  if [ -n "${rate[$peer]:-}" ] && [ "${rate[$peer]}" -gt 0 ]; then
    printf 'jwtward auto / %-10s %6.2fx\n' "$peer" "$(echo "$best/${rate[$peer]}" | bc -l)"
  fi
done
