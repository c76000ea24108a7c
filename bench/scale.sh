#!/usr/bin/env bash
# Scale workloads beside Hurl (bench/README.md, "Scale workloads"): a large JSON body (L),
# `check` of big collections (K, baton only), many secrets on a 10 MB body at -vv (S).
#
#   OURS_BIN=target/release/baton bench/scale.sh          # from the project root
#
# Environment: OURS_BIN (required), HURL_BIN (default: the one install-peers.sh built),
# BENCH_OUT (default $TMPDIR/baton-scale), RUNS (timed runs per case, default 5),
# RSS_RUNS (runs under /usr/bin/time, default 3; median peak reported),
# CASES (subset of "L K S", default all). Serves the bodies with nginx on 127.0.0.1:18081.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PEERS=${PEERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/baton-bench-peers}
HURL=${HURL_BIN:-$PEERS/hurl/bin/hurl}
OURS=$(realpath "${OURS_BIN:?set OURS_BIN to the baton binary}")
SCRATCH=${BENCH_OUT:-${TMPDIR:-/tmp}/baton-scale}
RUNS=${RUNS:-5}; RSS_RUNS=${RSS_RUNS:-3}
WANT=${CASES:-"L K S"}
BASE=http://127.0.0.1:18081
for t in hyperfine nginx python3 curl /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "missing: $t (run ../shared/bench/install-peers.sh)" >&2; exit 2; }
done
[ -x "$HURL" ] || { echo "Hurl not found at $HURL: its rows are skipped" >&2; HURL=; }

W=$SCRATCH/workloads
OUT=$SCRATCH/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT/json" "$OUT/rss" "$OUT/logs"
[ -f "$W/.done" ] && [ "$W/.done" -nt "$HERE/gen_scale.py" ] || {
  python3 "$HERE/gen_scale.py" --out "$W" --base "$BASE" && touch "$W/.done"; }

if curl -s -o /dev/null --max-time 1 "$BASE/"; then
  echo "something already listens on $BASE; stop it first" >&2; exit 2
fi
RUNDIR=$(mktemp -d /tmp/scale-nginx.XXXXXX)
mkdir -p "$RUNDIR/logs" "$RUNDIR/tmp"
chmod 755 "$RUNDIR"   # the worker (nobody) reads www/ through it
ln -s "$W/www" "$RUNDIR/www"
nginx -p "$RUNDIR/" -c "$HERE/server/scale-nginx.conf"
stop_server() {
  [ -s "$RUNDIR/logs/nginx.pid" ] && kill "$(cat "$RUNDIR/logs/nginx.pid")" 2>/dev/null || true
  sleep 0.2; rm -rf "$RUNDIR"
}
trap stop_server EXIT
for _ in $(seq 50); do curl -s -o /dev/null --max-time 1 "$BASE/big.json" && break; sleep 0.1; done

# case id | tool | command
CASES=()
add() { [[ " $WANT " == *" ${1:0:1} "* ]] && CASES+=("$1|$2|$3") || true; }
add L ours "$OURS run $W/ours/L.yaml"
[ -n "$HURL" ] && add L hurl "$HURL --test $W/hurl/L.hurl"
add L curl "curl -s -o /dev/null $BASE/big.json"
for k in 10k 100k 200k; do add "K$k" ours "$OURS check $W/ours/K$k.yaml"; done
for n in 0 200 500; do
  add "S$n" ours "$OURS run -vv --env-file $W/ours/S$n.env --report json=$OUT/S$n.json $W/ours/S$n.yaml"
  [ -n "$HURL" ] && add "S$n" hurl "$HURL --test --very-verbose --report-json $OUT/hurl-S$n $(tr '\n' ' ' < "$W/hurl/S$n.args") $W/hurl/S.hurl"
done

: > "$OUT/status.tsv"
for c in "${CASES[@]}"; do
  IFS='|' read -r id tool cmd <<<"$c"
  key="$id-$tool"
  echo "== $key" >&2
  if ! bash -c "exec $cmd" > "$OUT/logs/$key.out" 2>&1; then
    printf '%s\t%s\tFAIL\n' "$id" "$tool" >> "$OUT/status.tsv"
    echo "   FAIL (see $OUT/logs/$key.out)" >&2; continue
  fi
  hyperfine -N --warmup 1 --runs "$RUNS" --style none --export-json "$OUT/json/$key.json" "$cmd" >/dev/null 2>&1 \
    || { printf '%s\t%s\tFAIL during timing\n' "$id" "$tool" >> "$OUT/status.tsv"; continue; }
  for _ in $(seq "$RSS_RUNS"); do
    /usr/bin/time -f '%M' -a -o "$OUT/rss/$key.kb" bash -c "exec $cmd" >/dev/null 2>&1 || true
  done
  printf '%s\t%s\tok\n' "$id" "$tool" >> "$OUT/status.tsv"
done

python3 - "$OUT" <<'PY' | tee "$OUT/table.md"
import json, os, statistics, sys
out = sys.argv[1]
rows, med = [], {}
for line in open(os.path.join(out, "status.tsv")):
    cid, tool, status = line.rstrip("\n").split("\t")[:3]
    if status != "ok":
        rows.append((cid, tool, status, "", "", "")); continue
    r = json.load(open(os.path.join(out, "json", f"{cid}-{tool}.json")))["results"][0]
    med[(cid, tool)] = r["median"]
    kb = [int(x) for x in open(os.path.join(out, "rss", f"{cid}-{tool}.kb")).read().split() if x.isdigit()]
    rows.append((cid, tool, f"{r['median']:.3f}", f"{r['user'] + r['system']:.3f}",
                 f"{statistics.median(kb) / 1024:.0f}" if kb else "?", ""))
print("| case | tool | median wall s | CPU s | peak RSS MiB | x hurl |")
print("|---|---|---|---|---|---|")
for cid, tool, m, cpu, rss, _ in rows:
    x = f"{med[(cid, tool)] / med[(cid, 'hurl')]:.2f}" if (cid, tool) in med and (cid, "hurl") in med else ""
    print(f"| {cid} | {tool} | {m} | {cpu} | {rss} | {x} |")
PY
echo "results: $OUT" >&2
