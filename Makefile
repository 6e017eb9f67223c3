# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test ocr-deps run test test-unit test-integration test-e2e typecheck lint eval clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Everything comes from the package registry at install time; nothing downloads at run time.
install: $(BIN)/python ocr-deps
	$(BIN)/pip install --quiet -e .

# Debian packages for OCR of scans: Tesseract, its Vietnamese and orientation (OSD) models, the fonts the OCR tests render in.
OCR_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd fonts-dejavu-core
ocr-deps:
	@tesseract --list-langs 2>/dev/null | grep -qx vie && test -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf \
		|| { apt-get update -qq && apt-get install -y -qq $(OCR_PACKAGES) >/dev/null; } \
		|| echo "ocr-deps: could not install $(OCR_PACKAGES) (run as root); scans will be refused"

install-test: $(BIN)/python ocr-deps
	$(BIN)/pip install --quiet -e ".[test]"

run: install
	$(BIN)/cchc serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/ruff check assistant ingest tests bench
	$(BIN)/python -m pytest -q

# The tiers are folders: tests/unit, tests/integration, tests/e2e (markers: tests/conftest.py).
# The fast loop: tests/unit, no index, no network, no subprocess; `-m unit` leaves out the few
# tests there that use the real index. It reinstalls only when pyproject.toml changed since the
# last install (the install is editable).
$(VENV)/.installed-test: pyproject.toml
	$(MAKE) install-test
	@touch $@

test-unit: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m unit tests/unit

# The other two tiers: the real sample index, Chroma and the platform fakes; real servers and
# browsers. By marker over the whole tree: a test may lift itself to a heavier tier than its folder.
test-integration: install-test
	$(BIN)/python -m pytest -q -m integration tests

test-e2e: install-test
	$(BIN)/python -m pytest -q -m e2e tests

# Type-checked: assistant/ and ingest/, but the files pyproject.toml's [tool.mypy] exclude lists.
MYPY_PACKAGES := assistant ingest

# CI runs the type check (.ci/run); lint adds the format check of the files already formatted
# (pyproject.toml's [tool.ruff.format] exclude lists the others). .pre-commit-config.yaml: the same.
typecheck: install-test
	$(BIN)/python -m mypy $(MYPY_PACKAGES)

lint: typecheck
	$(BIN)/ruff check assistant ingest tests bench
	$(BIN)/ruff format --check assistant ingest tests bench

# Domain evaluation (needs ../shared): reform_dev with 1,000 distractors.
eval: install
	$(BIN)/cchc eval --qa ../shared/eval/reform_dev.jsonl --docs ../shared/corpus/reform.jsonl \
		--distractors ../shared/corpus/general.jsonl --n 1000

clean:
	rm -rf $(VENV) .cchc .pytest_cache .ruff_cache .mypy_cache *.egg-info
