#!/usr/bin/env bash
# The admins' workspace tests: Vitest unit tests of the page's logic, then
# the browser suite (web/e2e/run.mjs) in headless Chromium against `dic dev`
# on the emulator. Installs what it needs on a fresh machine: the npm
# packages from web/package-lock.json and, as root, Debian's chromium.
#
# It runs its own `dic dev` (free port, own resource prefix, own ready file)
# beside any local stack, uses the emulator already answering on
# AWS_ENDPOINT_URL or starts one, and stops what it started on exit.
# Screenshots and the downloaded XLSX land in web/e2e/artifacts/.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x $chromium ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        step "installing Debian's chromium"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium </dev/null
    else
        echo "web tests need Chromium at $chromium (Debian: apt-get install chromium; or set CHROMIUM)" >&2
        exit 1
    fi
fi

step "web: npm ci, build, unit tests"
make -s web
(cd web && npx vitest run)

# The same build as scripts/test.sh (one feature set), so after it this
# only embeds the page again.
step "dic with the page embedded (cargo build --workspace --bins --tests)"
cargo build --workspace --bins --tests

dev_pid=""
ready_file=".local/web-test-$$.ready"
# shellcheck source=scripts/emulators.sh
source scripts/emulators.sh
cleanup() {
    if [[ -n $dev_pid ]]; then
        kill -TERM "$dev_pid" 2>/dev/null || true
        wait "$dev_pid" 2>/dev/null || true
    fi
    rm -f "$ready_file"
    stop_started_emulators
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The emulators make test started, or our own (stopped on exit).
start_emulators

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mkdir -p .local
log_file=".local/web-test-dev.log"
step "dic dev on 127.0.0.1:$port (log $log_file)"
target/debug/dic dev --api-port "$port" --prefix "dic-webtest-$$" --ready-file "$ready_file" \
    >"$log_file" 2>&1 </dev/null &
dev_pid=$!
for _ in $(seq 1 240); do
    [[ -f $ready_file ]] && break
    if ! kill -0 "$dev_pid" 2>/dev/null; then
        echo "dic dev exited; last lines of $log_file:" >&2
        tail -n 30 "$log_file" >&2
        exit 1
    fi
    sleep 0.5
done
[[ -f $ready_file ]] || { echo "dic dev not ready after 120 s; see $log_file" >&2; exit 1; }

step "browser suite (headless Chromium)"
DIC_WEB_URL="http://127.0.0.1:$port/" CHROMIUM="$chromium" node web/e2e/run.mjs
