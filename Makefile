# Two commands on a fresh machine: `make demo` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
CLI    := $(VENV)/bin/lssinvoice
STAMP  := $(VENV)/.installed

.PHONY: setup artefacts services test fuzz demo bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,jvm]'
	touch $@

setup: $(STAMP) artefacts

artefacts: $(STAMP)
	$(CLI) schemas install

# The tests start a real PostgreSQL server, look at the finance report in a real browser
# (Debian's chromium, headless), read the PDF copies back (poppler-utils: pdftotext,
# pdftoppm) and run the rules on the JVM engine too (Debian's libsaxonhe-java and a Java
# runtime): install what is missing (as root).
services:
	@missing=""; \
	if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then \
		missing="postgresql"; fi; \
	if ! command -v chromium >/dev/null 2>&1; then missing="$$missing chromium"; fi; \
	if ! command -v pdftoppm >/dev/null 2>&1; then missing="$$missing poppler-utils"; fi; \
	if [ ! -f /usr/share/java/Saxon-HE.jar ]; then missing="$$missing libsaxonhe-java"; fi; \
	if ! command -v java >/dev/null 2>&1; then missing="$$missing default-jre-headless"; fi; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "missing Debian packages: $$missing (install them)" >&2; exit 1; \
		fi; \
	fi

test: setup services
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The property-based tests (tests/test_properties.py) at length: thousands of generated and
# mutated documents, no deadline, failures kept in .hypothesis/ and replayed first next time.
# `make test` runs the same file with the short, derandomized "ci" profile.
# FUZZ_SCALE=N multiplies the example counts (about 25 minutes at 1 on two cores).
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_properties.py --hypothesis-show-statistics $(PYTEST_ARGS)

demo: setup
	$(CLI) demo

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
