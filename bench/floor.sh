#!/usr/bin/env bash
# Workload C beside curl doing the same work: curl's row in ../shared/bench/run.sh sends
# 1000 GETs with no assertion; C sends 500 x (POST /authenticate with a JSON body, GET
# with the captured token). This runs, back to back against the same nginx (127.0.0.1:18080,
# ../shared/bench/server/nginx.conf): baton on C, curl's 1000 GETs, and curl sending C's
# exact 1000 requests (500 x POST + GET, one connection, `--next`).
#
#   OURS_BIN=target/release/baton bench/floor.sh      # from the project root; RUNS (default 20)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OURS=$(realpath "${OURS_BIN:?set OURS_BIN to the baton binary}")
RUNS=${RUNS:-20}
BASE=http://127.0.0.1:18080
TOKEN=eyJhbGciOiJIUzI1NiJ9.YmVuY2g.c2lnbmF0dXJl   # what the bench nginx hands out
for t in hyperfine nginx curl; do
  command -v "$t" >/dev/null || { echo "missing: $t (run ../shared/bench/install-peers.sh)" >&2; exit 2; }
done
if curl -s -o /dev/null --max-time 1 "$BASE/"; then
  echo "something already listens on $BASE; stop it first" >&2; exit 2
fi
RUNDIR=$(mktemp -d /tmp/floor-nginx.XXXXXX)
mkdir -p "$RUNDIR/logs" "$RUNDIR/tmp"
nginx -p "$RUNDIR/" -c "$HERE/../../shared/bench/server/nginx.conf"
trap 'kill "$(cat "$RUNDIR/logs/nginx.pid")" 2>/dev/null; sleep 0.2; rm -rf "$RUNDIR"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null --max-time 1 "$BASE/" && break; sleep 0.1; done

# curl's arguments for C's 1000 requests, one per line (read with mapfile: no quoting).
ARGS=$RUNDIR/mix.args
{
  for i in $(seq 500); do
    [ "$i" -gt 1 ] && echo --next
    printf '%s\n' -s -X POST -H 'Content-Type: application/json' \
      -d '{"username":"admin","password":"secret"}' "$BASE/api/v1/authenticate" --next \
      -s -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/endpoint"
  done
} > "$ARGS"
MIX=$RUNDIR/mix.sh
printf '#!/usr/bin/env bash\nmapfile -t A < %q\nexec curl "${A[@]}"\n' "$ARGS" > "$MIX"
chmod +x "$MIX"

# As ../shared/bench/run.sh runs curl: bodies to stdout, which hyperfine discards. Medians
# are in $RESULTS (hyperfine's JSON), printed at the end.
RESULTS=${RESULTS:-$RUNDIR/floor.json}
hyperfine -N -w 3 -r "$RUNS" --export-json "$RESULTS" \
  -n "baton, C" "$OURS run $HERE/collections/C.yaml" \
  -n "curl, 1000 GET" "curl -s -H 'Authorization: Bearer $TOKEN' '$BASE/api/v1/endpoint?i=[1-1000]'" \
  -n "curl, C's 500 x (POST, GET)" "$MIX"
python3 - "$RESULTS" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
ours = rs[0]["median"]
print("| command | median wall s | user s | system s | baton's C divided by it |")
print("|---|---|---|---|---|")
for r in rs:
    print(f"| {r['command']} | {r['median']:.3f} | {r['user']:.3f} | {r['system']:.3f} | {ours / r['median']:.2f} |")
PY
