# Two commands: `make run` starts the app on the bundled demo data, `make test` runs the suite.
# Both create .venv from requirements.txt on first use and install the front-end assets.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
ASSETS := static/vendor/.assets-installed
PORT ?= 8501

.PHONY: run test lint bench demo-data clean

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "无法创建虚拟环境：请先安装 python3-venv (apt-get install python3-venv)"; \
	  echo "Cannot create a virtual environment: install python3-venv first."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

# Leaflet and its plugins come from npm and are served by the app itself (offline maps).
$(ASSETS): package.json package-lock.json
	@command -v npm >/dev/null || { \
	  echo "找不到 npm：请先安装 Node.js (apt-get install nodejs npm)"; \
	  echo "npm not found: install Node.js first."; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf static/vendor
	mkdir -p static/vendor
	cp -r node_modules/leaflet/dist static/vendor/leaflet
	cp -r node_modules/leaflet-draw/dist static/vendor/leaflet-draw
	cp -r node_modules/protomaps-leaflet/dist static/vendor/protomaps-leaflet
	@touch $(ASSETS)

run: $(STAMP) $(ASSETS)
	$(PY) -m ui.serve --server.port $(PORT)

test: $(STAMP) $(ASSETS)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP) $(ASSETS)
	$(PY) benchmarks/contiguity.py --n 100000
	$(PY) benchmarks/capacity.py --n 100000
	$(PY) benchmarks/colocation.py --n 100000
	$(PY) benchmarks/app_map.py --parcels 20000
	$(PY) benchmarks/matching.py
	$(PY) benchmarks/massing.py
	$(PY) benchmarks/report.py
	$(PY) benchmarks/ogc.py --parcels 100000

demo-data: $(STAMP)
	$(PY) data/build_demo.py

clean:
	rm -rf $(VENV) static/vendor node_modules
