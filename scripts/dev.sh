#!/usr/bin/env bash
# Runs the local host, `dic dev`, in the background against the emulator.
# `dic dev` creates the bucket, queues and tables the SAM template declares,
# then polls the queues and calls the same handlers the Lambdas call; it
# writes .local/dev.ready once it is serving.
#
#   scripts/dev.sh start    build dic, start it, wait until it is ready
#   scripts/dev.sh stop     stop the host this script started
#
# The API listens on 127.0.0.1:$DIC_API_PORT (3000); DIC_CONCURRENCY sets
# the row processors running at once (default: what the machine can use).
# State lives in .local/: dev.pid, dev.settings, dev.log, dev.ready.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh

# shellcheck source=scripts/processes.sh
source scripts/processes.sh

name="dic dev"
pid_file=.local/dev.pid
settings_file=.local/dev.settings
log_file=.local/dev.log
ready_file=.local/dev.ready
ready_timeout_s=600
# cargo while it starts, then dic itself (cargo run execs it).
pattern='(-p dic -- |/dic )dev( |$)'
args=(dev --api-port "$DIC_API_PORT")
[[ -n ${DIC_CONCURRENCY:-} ]] && args+=(--concurrency "$DIC_CONCURRENCY")
settings="AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ENDPOINT_URL_DYNAMODB=${AWS_ENDPOINT_URL_DYNAMODB:-} ${args[*]}"

start() {
    if reuse_ours "$name" "$pid_file" "$settings_file" "$pattern" "$settings"; then
        [[ -f $ready_file ]] && return 0
        echo "$name: running but not ready; 'make down' stops it" >&2
        return 1
    fi
    refuse_strays "$name" "$pattern" "$pid_file"
    if answers "http://127.0.0.1:$DIC_API_PORT"; then
        echo "$name: something not started by this script answers on 127.0.0.1:$DIC_API_PORT;" \
            "stop it or set DIC_API_PORT" >&2
        return 1
    fi
    mkdir -p .local
    rm -f "$ready_file"

    # Build in the foreground so compile errors and progress show here; the
    # first release build takes several minutes.
    echo "$name: building (cargo build --release -p dic)"
    cargo build --release -p dic

    # Job control gives the background job its own process group, so stop
    # can end it together with anything it spawned.
    set -m
    nohup cargo run --release -q -p dic -- "${args[@]}" >>"$log_file" 2>&1 </dev/null &
    local pid=$!
    set +m
    echo "$pid" >"$pid_file"
    echo "$settings" >"$settings_file"

    echo "$name: starting (pid $pid, log $log_file)"
    local waited=0
    until [[ -f $ready_file ]]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name: exited before it was ready; last lines of $log_file:" >&2
            tail -n 30 "$log_file" >&2 || true
            rm -f "$pid_file" "$settings_file"
            return 1
        fi
        if ((waited >= ready_timeout_s)); then
            echo "$name: not ready after ${ready_timeout_s}s; see $log_file" >&2
            stop
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "$name: ready ($(grep DIC_API_URL "$ready_file"))"
}

stop() {
    stop_ours "$name" "$pid_file" "$settings_file" "$pattern"
    rm -f "$ready_file"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
