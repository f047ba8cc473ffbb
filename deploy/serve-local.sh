#!/bin/sh
# `make serve`: a local try of the service on this machine. Starts redis-server when nothing
# answers at PAGEWASH_REDIS_URL (default redis://127.0.0.1:6379/0), then one worker and the
# gateway; Ctrl-C stops both (and the Redis it started).
set -eu
BIN=${BIN:-.venv/bin}
URL=${PAGEWASH_REDIS_URL:-redis://127.0.0.1:6379/0}
started_redis=""
if ! "$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()" "$URL" 2>/dev/null; then
    port=$("$BIN/python" -c "import sys; from urllib.parse import urlsplit; print(urlsplit(sys.argv[1]).port or 6379)" "$URL")
    echo "no Redis at $URL: starting redis-server on port $port"
    redis-server --port "$port" --save "" --appendonly no --daemonize yes --pidfile "/tmp/pagewash-redis-$port.pid"
    started_redis="/tmp/pagewash-redis-$port.pid"
    sleep 0.5
fi
"$BIN/pagewash" worker &
worker=$!
cleanup() {
    kill "$worker" 2>/dev/null || true
    wait "$worker" 2>/dev/null || true
    if [ -n "$started_redis" ]; then kill "$(cat "$started_redis")" 2>/dev/null || true; fi
}
trap cleanup EXIT INT TERM
echo "gateway on http://${PAGEWASH_HOST:-127.0.0.1}:${PAGEWASH_PORT:-8000} (API docs at /docs); Ctrl-C to stop"
"$BIN/pagewash" serve
