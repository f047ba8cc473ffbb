#!/bin/sh
# `make bench-cost` (and part of `make bench`): the OCR chain's time against plain Tesseract and
# `pagewash ocr --no-clean`, its reads and its word recall, per page on held-out generator
# pages (300 dpi and low resolution) and on REALVAL's real forms; then whole `pagewash ocr`
# commands on 12 of those pages (4 of each set). -> benchmarks/chain-cost.{json,md,png}
set -eu
BIN=${BIN:-.venv/bin}
"$BIN/pagewash" synth bench-out/chain-gen --n 40 --seed 710000
"$BIN/pagewash" synth bench-out/chain-lowres --n 20 --seed 720000 --scale 2
"$BIN/python" -m pagewash.bench.chaincost --set generator=bench-out/chain-gen \
    --set generator-lowres=bench-out/chain-lowres \
    --set funsd-train="${REALVAL:-../shared/realval/funsd-train}" --cli 4
