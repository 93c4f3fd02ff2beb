#!/usr/bin/env bash
# The checks `make test` runs: format, lints, the SAM template, then every
# test against the emulators. Tests start their own in-process hosts, so only
# the emulators run here; each is stopped on exit, pass or fail, if this
# script started it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

# The admins' workspace first, so every cargo build below embeds the same
# page (shared/api/build.rs) and nothing is compiled twice.
step "web: npm ci and build (make web)"
make -s web

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

step "sam validate --lint"
.venv/bin/sam validate --lint --template-file infra/template.yaml

# The emulators: moto (S3, SQS) and DynamoDB Local. Each one this script
# starts is stopped on exit, whether the tests pass or fail.
# shellcheck source=scripts/emulators.sh
source scripts/emulators.sh
trap stop_started_emulators EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
start_emulators

# The functions' binaries, for the suite that runs them under a Lambda
# runtime emulator; built with the tests so both share one feature set.
step "cargo build --workspace --bins --tests"
cargo build --workspace --bins --tests

step "cargo nextest run"
if [[ ${CI:-} == true ]]; then
    # No progress bar on a non-interactive log: one line per finished test.
    export NEXTEST_SHOW_PROGRESS=counter
fi
cargo nextest run --workspace

step "doctests"
cargo test --doc --workspace

step "the admins' workspace: unit tests and the browser suite"
scripts/web-test.sh
