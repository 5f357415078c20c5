#!/usr/bin/env bash
# Benchmark of `jwtward probe`: a generated FastAPI app with 100 protected endpoints
# (PyJWT, the FastAPI tutorial pattern) under uvicorn on loopback; the full catalog is run
# and the script prints wall time, requests sent and requests per endpoint.
# Targets: under 10 s and under 60 requests per endpoint.
#
# Peers: jwt_tool is not on PyPI or Debian, and no other installable tool runs a
# comparable JWT attack catalog against a whole OpenAPI surface, so jwtward runs alone.
#
# Usage: bench/probe.sh [ENDPOINTS]   (JWTWARD=path/to/jwtward to skip the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
n=${1:-100}
work=$root/bench/.work/probe
python=${JWTWARD_TEST_PYTHON:-$root/.venv/bin/python}
[ -x "$python" ] || { echo "no python venv at $python: run scripts/test.sh first" >&2; exit 2; }
jwtward=${JWTWARD:-}
if [ -z "$jwtward" ]; then
  cargo build --release --locked -p jwtward >&2
  jwtward=$root/target/release/jwtward
fi

rm -rf "$work"; mkdir -p "$work"
"$python" bench/probe/gen_app.py "$work" "$n"
"$python" -m uvicorn bench_app:app --app-dir "$work" --host 127.0.0.1 --port 0 \
  --no-access-log --log-level info 2> "$work/uvicorn.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
port=
for _ in $(seq 1 200); do
  port=$(grep -o '127.0.0.1:[0-9]*' "$work/uvicorn.log" | head -1 | cut -d: -f2 || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/uvicorn.log" >&2; exit 2; }
token=$("$python" "$work/mint.py")

start=$(date +%s.%N)
set +e
TIMEFORMAT='%U %S'
{ time "$jwtward" probe "http://127.0.0.1:$port" --token "$token" --format json \
    > "$work/report.json" 2> "$work/stderr.txt"; } 2> "$work/cpu.txt"
code=$?
set -e
end=$(date +%s.%N)
[ "$code" -le 1 ] || { cat "$work/stderr.txt" >&2; echo "jwtward probe failed (exit $code)" >&2; exit 2; }

"$python" - "$work/report.json" "$start" "$end" "$work/cpu.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
cpu = sum(float(x) for x in open(sys.argv[4]).read().split())
s = r["summary"]
req, eps = s["requests"], s["endpoints"]
print(f"endpoints             {eps}")
print(f"wall time             {wall:.2f} s   (target < 10 s)")
print(f"requests sent         {req}")
print(f"requests per endpoint {req / max(eps, 1):.1f}   (target < 60)")
print(f"requests per second   {req / wall:.0f}")
print(f"jwtward CPU time      {cpu:.2f} s   (user + sys; the rest is the server)")
print(f"findings              {len(r['findings'])}  {sorted({f['rule'] for f in r['findings']})}")
PY
