# Two commands for a newcomer: `make translate` (install + translate the bundled sample)
# and `make test` (install with test extras + run the whole suite, as CI does).
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: install translate test test-fast clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

translate: $(STAMP)
	$(VENV)/bin/zh2en translate

test: $(STAMP)
	$(VENV)/bin/python -m pytest

# Everything but the real-model tests: a quick loop while developing.
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -m "not model"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
