# 党建慕课 — two commands: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
WEB_WORKERS ?= 2
WEB_THREADS ?= 8
FLASK := $(BIN)/flask --app mooc
PYTEST_ARGS ?= -n 2
export PYTHONPATH := $(CURDIR)

.PHONY: run test test-postgres setup venv venv-dev translations migrate demo index bench bench-quick crash-test fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes. Production needs requirements.txt
# only (make run); the test and benchmark tools come from requirements-dev.txt (make test).
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

venv-dev: $(VENV)/.installed-dev

translations: venv
	$(BIN)/pybabel compile -f -d mooc/translations

migrate: venv
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load

index: migrate
	$(FLASK) search rebuild

setup: venv translations migrate demo index

run: setup
	@echo ""
	@echo "  党建慕课 → http://127.0.0.1:$(PORT)   （演示账号见 README，密码 demo1234）"
	@echo "  admin 管理员 · teacher 讲师 · lead 支部书记（第一党总支）· member 党员 · probation 预备党员"
	@echo ""
	@trap 'kill 0' INT TERM EXIT; \
	$(FLASK) worker & \
	PORT=$(PORT) WEB_WORKERS=$(WEB_WORKERS) WEB_THREADS=$(WEB_THREADS) \
	$(BIN)/gunicorn -c python:mooc.gunicorn_conf 'mooc:create_app()'

test: venv-dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The same suite on PostgreSQL: every pytest worker gets its own throwaway schema there.
test-postgres: venv-dev translations
	MOOC_TEST_DB=postgres \
	TEST_DATABASE_URL="$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}" \
	$(BIN)/python -m pytest $(PYTEST_ARGS)

fuzz: venv-dev translations
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -m fuzz $(PYTEST_ARGS)

# Generated data, a load run against the real server, search/media figures → bench/results.md.
# Uses its own database under bench/work/ (never instance/); BENCH_ARGS="--quick" for a smoke run.
bench: venv-dev translations
	$(BIN)/python -m bench $(BENCH_ARGS)

# kill -9 the real server 20 times under quiz and heartbeat load → bench/crash-results.md.
crash-test: venv-dev translations
	$(BIN)/python -m bench.crash_test $(CRASH_ARGS)

clean:
	rm -rf $(VENV) instance search_index/* media/*

# Refresh the translation catalogue after adding UI text (then translate mooc/translations/en/…/messages.po).
i18n: venv
	$(BIN)/pybabel extract -F mooc/babel.cfg -k _l -o mooc/translations/messages.pot .
	$(BIN)/pybabel update -i mooc/translations/messages.pot -d mooc/translations
