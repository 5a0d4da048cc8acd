# The two commands of the README: `make run` and `make test`. Each builds .venv/ itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := node_modules/.installed-stamp
# checkov pins libraries the project pins differently (boto3, pydantic, ...): it gets a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-stamp
# template.yaml as CloudFormation receives it after the AWS::Serverless transform (docs/deploy.md).
EXPANDED := .aws-sam/expanded-template.json
# The console's browser tests run Debian's chromium (Playwright's own browser download cannot run here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
ADMIN ?= admin@example.nhs.net
# updates.csv marks one of Southbank's (RY2) few accounts as a leaver, over the 10% that one
# administrator may retire alone: RY2's other administrator approves it (docs/approval-and-plan.md#approval).
APPROVER ?= community.lead@example.nhs.net
OUT ?= out

.PHONY: run test bench clean

$(STAMP): pyproject.toml layers/roster/requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r layers/roster/requirements.txt -r requirements-dev.txt
	@# setuptools explains editable installs at length on every install: keep that in a log,
	@# shown only if the install fails.
	$(BIN)/python -m pip install --quiet --no-deps -e . > $(VENV)/install.log 2>&1 || (cat $(VENV)/install.log; exit 1)
	touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/roster local run examples/users.csv examples/updates.csv \
		--directory examples/directory.json --admin $(ADMIN) --approve-as $(APPROVER) --out $(OUT)
	@echo "Results, reports and emails (.eml) are in $(OUT)/"
	@echo "The roster command is $(BIN)/roster; to type just roster: source $(BIN)/activate"

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

test: $(STAMP) $(NODE_STAMP) $(CHECKOV_STAMP) $(CHROMIUM)
	@# The template as AWS sees it: SAM-expanded, then linted and checked (.checkov.yaml says
	@# why each skipped check is skipped). tests/integration/test_expanded_template.py does the same.
	$(BIN)/python -m roster_local.stack.sam_expand template.yaml -o $(EXPANDED)
	$(BIN)/cfn-lint $(EXPANDED)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml -f $(EXPANDED)
	$(BIN)/ruff check .
	$(BIN)/mypy
	@# Each function is its own module named app: checked one at a time, with the layer on the path.
	for app in functions/*/app.py; do MYPYPATH=layers/roster $(BIN)/mypy --no-error-summary $$app || exit 1; done
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python bench/validation.py
	$(BIN)/python bench/end_to_end.py --repeat 3
	$(BIN)/python bench/end_to_end.py --rows 100000 --no-floor \
		--parameter MaxRows=100000 --parameter MaxUploadBytes=104857600
	$(BIN)/python bench/aws_model.py --rows 10000
	$(BIN)/python bench/aws_model.py --rows 100000
	PYTHONPATH=. $(BIN)/python bench/workbook.py --compare
	$(BIN)/python bench/undo.py --repeat 3

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules out .pytest_cache .aws-sam
