#!/bin/sh
# `make load`: a gateway and 2 CPU workers on this machine's Redis (database 8, flushed), then
# `pagewash loadtest` with 500 jobs from 32 concurrent clients; the report goes to
# benchmarks/load.json. Set LOAD_JOBS / LOAD_CLIENTS / LOAD_SIZE to change the load.
set -eu
BIN=${BIN:-.venv/bin}
export PAGEWASH_REDIS_URL=${LOAD_REDIS_URL:-redis://127.0.0.1:6379/8}
PORT=${LOAD_PORT:-8765}
"$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$PAGEWASH_REDIS_URL"
logs=$(mktemp -d)
"$BIN/pagewash" serve --port "$PORT" --log-level warning >"$logs/gateway.log" 2>&1 &
g=$!
"$BIN/pagewash" worker --concurrency 1 --log-level warning >"$logs/w1.log" 2>&1 &
w1=$!
"$BIN/pagewash" worker --concurrency 1 --log-level warning >"$logs/w2.log" 2>&1 &
w2=$!
trap 'kill $g $w1 $w2 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/readyz" | grep -q '"pid"' && [ "$(curl -s "http://127.0.0.1:$PORT/readyz" | grep -o '"pid"' | wc -l)" -ge 2 ] && break
    sleep 0.5
done
"$BIN/pagewash" loadtest "http://127.0.0.1:$PORT" --jobs "${LOAD_JOBS:-500}" --clients "${LOAD_CLIENTS:-32}" \
    --size "${LOAD_SIZE:-320x240}" -o benchmarks/load.json
