#!/usr/bin/env bash
# Times `dic import --auto-map` of a file on the running local stack (`make
# up`) and prints what it cost: wall time, rows/s, the host's AWS requests
# per 1,000 rows by service and call (from the request counter `dic dev`
# logs every 5 s), and the peak memory (VmHWM) of the emulators and of `dic
# dev` so far.
#
#   scripts/bench-import.sh FILE [ENTITY]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh
set -a
# shellcheck disable=SC1091
source .local/dev.ready
set +a

file=$1
entity=${2:-employees}
log=.local/dev.log
last_counts() {
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -o 'by_call=.*' | tail -n 1 | sed 's/^by_call=//' || true
}

sleep 6
before="$(last_counts)"
start=$(date +%s.%N)
status=0
target/release/dic import "$file" --entity "$entity" --auto-map --json >.local/bench.json || status=$?
end=$(date +%s.%N)
sleep 6
after="$(last_counts)"

python3 - "$start" "$end" "$status" "$before" "$after" <<'PY'
import json, sys
start, end, status, before, after = sys.argv[1:]
result = json.load(open(".local/bench.json"))
counts = result["counts"]
rows = counts["total"]
wall = float(end) - float(start)
def parse(s):
    out = {}
    for part in s.split():
        k, v = part.rsplit("=", 1)
        out[k] = int(v)
    return out
b, a = parse(before), parse(after)
delta = {k: a[k] - b.get(k, 0) for k in a if a[k] - b.get(k, 0)}
total = sum(delta.values())
print(f"{result['status']} (exit {status}): {rows} rows ({counts}) in {wall:.1f} s, {rows / wall:,.0f} rows/s")
print(f"AWS requests: {total}, {1000 * total / rows:.1f} per 1,000 rows")
for k, v in sorted(delta.items(), key=lambda kv: -kv[1]):
    print(f"  {k:40} {v:7}  {1000 * v / rows:6.1f} per 1,000 rows")
PY
for name in moto:moto.pid dynamodb-local:dynamodb.pid dic-dev:dev.pid; do
    pid="$(cat ".local/${name#*:}" 2>/dev/null || true)"
    [[ -n $pid ]] || continue
    echo "peak RSS ${name%%:*}: $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' "/proc/$pid/status" 2>/dev/null)"
done
