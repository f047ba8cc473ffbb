#!/bin/sh
# `make bench`: quality on the held-out split (pagewash evaluate), then speed (pagewash bench),
# the service overhead measured against a gateway and one worker started here on this
# machine's Redis (database 8, flushed). Results land in benchmarks/.
set -eu
BIN=${BIN:-.venv/bin}
export PAGEWASH_REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/8}
PORT=${BENCH_PORT:-8766}
if [ -z "${SKIP_EVALUATE:-}" ]; then  # SKIP_EVALUATE=1: speed only
    "$BIN/pagewash" evaluate -o benchmarks --text-band
    # ink fidelity and specks: generator, paper and dust pages (held-out seeds and fonts)
    "$BIN/python" -m pagewash.bench.fidelity -o benchmarks
    # low-resolution pages (half-resolution scans, faxes, resizes, photos; held-out fonts and seeds)
    "$BIN/pagewash" synth bench-out/lowres --scale 2 --n 40 --seed 600000
    "$BIN/pagewash" benchmark bench-out/lowres -o benchmarks/benchmark-lowres \
        --methods raw,raw@2x,default,default@2x,upscale,auto,auto+verify
    # a 10-page scanned PDF of held-out pages: raw Tesseract, plain OCRmyPDF, the plugin, pagewash ocr
    "$BIN/pagewash" synth bench-out/pdfpages --n 10 --seed 700000
    "$BIN/pagewash" benchmark bench-out/pdfpages -o benchmarks/pdf-synth --pdf 10
    # skew and orientation accuracy (generator pages; real forms turned, where REALVAL is here)
    "$BIN/python" -m pagewash.bench.structure --funsd "${REALVAL:-../shared/realval/funsd-train}"
    # what the OCR chain costs against plain Tesseract and --no-clean, and what verify's re-reads buy
    BIN="$BIN" benchmarks/chain-cost.sh
fi
"$BIN/pagewash" bench -o benchmarks --parts cpu,degraded,throughput  # on a quiet machine first
"$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$PAGEWASH_REDIS_URL"
logs=$(mktemp -d)
"$BIN/pagewash" serve --port "$PORT" --log-level warning >"$logs/gateway.log" 2>&1 &
g=$!
"$BIN/pagewash" worker --log-level warning >"$logs/worker.log" 2>&1 &
w=$!
trap 'kill $g $w 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break
    sleep 0.5
done
"$BIN/pagewash" bench -o benchmarks --parts service --server "http://127.0.0.1:$PORT" --merge
