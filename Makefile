# pagewash: `make demo` runs the main job on built-in examples; `make test` installs
# everything it needs (venv, Python deps, Debian packages) and runs the tests.
VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PKGS := tesseract-ocr tesseract-ocr-eng redis-server docker-compose chromium ghostscript pngquant \
	fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf fonts-urw-base35 \
	fonts-crosextra-carlito fonts-crosextra-caladea fonts-open-sans fonts-roboto-unhinted fonts-lato \
	fonts-ebgaramond fonts-linuxlibertine fonts-texgyre fonts-noto-core fonts-cantarell \
	fonts-inconsolata fonts-go fonts-courier-prime fonts-croscore

.PHONY: install apt demo serve test test-slow bench bench-real bench-structure bench-cost bench-fidelity load lint train quantize train-article clean

install: apt $(VENV)/.installed

apt:
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip >/dev/null
	@$(PY) -m pip install -q -e '.[server,train,dev]'
	@touch $@

demo: install
	$(BIN)/pagewash demo -o demo-out

serve: install  # Redis (started if none answers), one worker and the gateway, for a local try
	BIN=$(BIN) deploy/serve-local.sh

test: install
	$(BIN)/pytest -q -n auto --dist loadfile -m "not slow"

test-slow: install
	$(BIN)/pytest -q -m slow

bench: install  # quality (evaluate, text size, low resolution) and speed (bench, with a local gateway + worker) -> benchmarks/
	BIN=$(BIN) benchmarks/bench.sh

REALVAL ?= ../shared/realval/funsd-train
bench-real: install  # the real low-resolution forms in REALVAL (validation only, never trained on) -> benchmarks/benchmark-realval, pdf-realval
	$(BIN)/pagewash benchmark $(REALVAL) -o benchmarks/benchmark-realval \
		--methods raw,raw@2x,default+verify,default@2x,upscale,auto,auto+verify
	$(BIN)/pagewash benchmark $(REALVAL) -o benchmarks/pdf-realval --pdf 20 --dpi 100

bench-structure: install  # deskew and orientation accuracy, and REALVAL's word recall with and without each structure step -> benchmarks/structure*
	$(BIN)/pagewash synth bench-out/chain-gen --n 40 --seed 710000
	$(BIN)/python -m pagewash.bench.structure --funsd $(REALVAL) --degraded bench-out/chain-gen
	$(BIN)/pagewash benchmark $(REALVAL) -o benchmarks/structure-realval --methods raw,ocr-structure,ocr
	$(BIN)/pagewash benchmark $(REALVAL) -o benchmarks/structure-realval-turned --methods raw,ocr --turn

bench-fidelity: install  # ink fidelity (dark pixels, edge/ink/paper RMSE) and specks gone / dots kept, on generator, paper and dust pages -> benchmarks/fidelity*
	$(BIN)/python -m pagewash.bench.fidelity -o benchmarks

bench-cost: install  # the OCR chain's time against plain Tesseract and --no-clean, and what verify's re-reads buy -> benchmarks/chain-cost*
	BIN=$(BIN) benchmarks/chain-cost.sh

load: install  # 500 jobs from 32 clients against a gateway and 2 workers -> benchmarks/load.json
	BIN=$(BIN) benchmarks/load.sh

lint: install  # ruff, and the import layers (pyproject's importlinter contracts)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

train: install  # the shipped pagenet: stage 1, the stage-2, 3 and 4 fine-tunes, the 2x upscaler (from stage 4b), then stage 5, into pagewash/weights; then their int8 graphs
	$(BIN)/pagewash -v train --config training/configs/pagenet.toml
	$(BIN)/pagewash -v train --config training/configs/pagenet-finetune.toml
	$(BIN)/pagewash -v train --config training/configs/pagenet-showthrough.toml
	$(BIN)/pagewash bank runs/bank-train --n 150 --seed 910000 --split train
	$(BIN)/pagewash bank runs/bank-train --n 150 --seed 920000 --split train
	$(BIN)/pagewash -v train --config training/configs/pagenet-v3.toml
	$(BIN)/pagewash -v train --config training/configs/pagenet-v3b.toml --export pagewash/weights/pagenet.pt
	$(BIN)/pagewash -v train --config training/configs/pagenet-x2.toml --export pagewash/weights/pagenet-x2.pt
	$(BIN)/pagewash -v train --config training/configs/pagenet-v5.toml --export pagewash/weights/pagenet.pt
	$(MAKE) quantize

quantize: install  # the shipped cleaner and upscaler in int8 for ONNX Runtime (CPUs without native bf16), beside their weights (about 15 s)
	$(PY) -m training.quantize pagewash/weights/pagenet.pt pagewash/weights/pagenet-x2.pt

train-article: install
	for a in dense1 dense conv; do $(BIN)/pagewash -v train --config training/configs/$$a.toml || exit 1; done

clean:
	rm -rf demo-out bench-out .pytest_cache .ruff_cache
