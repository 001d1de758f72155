#!/usr/bin/env bash
# Requests per second of `templatetrack serve` on loopback, measured with wrk (Debian's package):
# the overview and a change page of the demo's history. Usage: web-benchmark.sh PATH/TO/templatetrack
set -euo pipefail
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$work" && "$bin" demo --db "$work/history.sqlite" > /dev/null)
"$bin" serve --db "$work/history.sqlite" --listen 127.0.0.1:0 > "$work/url" 2> "$work/serve.log" &
server=$!
for _ in $(seq 200); do [ -s "$work/url" ] && break; sleep 0.05; done
base="$(head -n 1 "$work/url")"
change="$(curl -s "${base}api/diff?workspace=5001" | python3 -c 'import json, sys; d = json.load(sys.stdin); print("changes/5001-%d-%d.html" % (d["from"], d["to"]))')"

echo "templatetrack serve on $base ($(nproc) cores); wrk -t2 -c16 -d10s"
for page in "" "$change"; do
    echo
    echo "## GET /$page"
    wrk -t2 -c16 -d10s --latency "${base}${page}"
done
