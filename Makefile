# Mentorscope: `make run` serves the dashboard, `make test` runs the suite.
# Both install what they need first: Debian packages (only when missing),
# then a virtualenv in .venv/ with the pinned Python dependencies.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
ADDRESS ?=
# chromium: browser tests and chart images in the PDF report; poppler-utils:
# PDF checks; pango: WeasyPrint's PDF layout; fonts: readable PDFs.
APT_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core

.PHONY: install system-deps run test fuzz bench clean-db

install: system-deps $(VENV)/.installed

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

# Without users in .streamlit/secrets.toml the dashboard has no sign-in, so it listens
# on 127.0.0.1 only; `make run ADDRESS=0.0.0.0` then needs users, or open access asked
# for by name: MENTORSCOPE_ALLOW_UNAUTHENTICATED_NETWORK=1 (README, Sign-in and roles).
run: install
	@address="$$($(PY) -m analytics serve-address --address '$(ADDRESS)')" || exit 1; \
	echo "Serving on $${address:-every interface}, port $(PORT)"; \
	$(PY) -m streamlit run dashboard.py --server.port $(PORT) --server.headless true \
	  --browser.gatherUsageStats false $${address:+--server.address $$address}

# Three workers on two cores: the browser tests (started first) mostly wait on a server and a
# browser, so the workers run short tests beside them. A module whose fixture takes seconds runs
# whole on one worker (tests/conftest.py, ONE_WORKER).
#
# Each of the suite's Python processes (its workers, and the servers and command lines it starts) would compile
# the project's modules and rewrite the tests' assertions anew where the environment asks Python to keep no
# bytecode (PYTHONDONTWRITEBYTECODE): the suite keeps it, in the __pycache__ folders git ignores.
test: export PYTHONDONTWRITEBYTECODE :=
test: install
	$(PY) -m pytest -n 3 -q

fuzz: install
	FUZZ_EXAMPLES=10000 $(PY) -m pytest -q tests/test_fuzz.py

bench: install
	$(PY) -m benchmarks

clean-db:
	rm -f data/mentorscope.duckdb data/mentorscope.duckdb.wal
