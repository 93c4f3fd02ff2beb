#!/usr/bin/env bash
# Runs the local host, `dic dev`, in the background against the emulator.
# `dic dev` creates the bucket, queues and tables the SAM template declares,
# then polls the queues and calls the same handlers the Lambdas call; it
# writes .local/dev.ready once it is serving.
#
#   scripts/dev.sh start    build dic, start it, wait until it is ready
#   scripts/dev.sh stop     stop the host this script started
#
# State lives in .local/: dev.pid, dev.log, dev.ready.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh

pid_file=.local/dev.pid
log_file=.local/dev.log
ready_file=.local/dev.ready
ready_timeout_s=600

our_pid() {
    [[ -f $pid_file ]] || return 1
    local pid
    pid="$(<"$pid_file")"
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    # Still our host, not a process that has since reused the pid: cargo
    # while it starts, then dic itself (cargo run execs it).
    ps -p "$pid" -o args= 2>/dev/null | grep -q 'dic.* dev' || return 1
    echo "$pid"
}

start() {
    if pid="$(our_pid)" && [[ -f $ready_file ]]; then
        echo "dic dev: already running (pid $pid)"
        return 0
    fi
    mkdir -p .local
    rm -f "$ready_file"

    # Build in the foreground so compile errors and progress show here; the
    # first release build takes several minutes.
    echo "dic dev: building (cargo build --release -p dic)"
    cargo build --release -p dic

    # Job control gives the background job its own process group, so stop
    # can end it together with anything it spawned.
    set -m
    nohup cargo run --release -q -p dic -- dev >>"$log_file" 2>&1 </dev/null &
    local pid=$!
    set +m
    echo "$pid" >"$pid_file"

    echo "dic dev: starting (pid $pid, log $log_file)"
    local waited=0
    until [[ -f $ready_file ]]; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "dic dev: exited before it was ready; last lines of $log_file:" >&2
            tail -n 30 "$log_file" >&2 || true
            rm -f "$pid_file"
            return 1
        fi
        if ((waited >= ready_timeout_s)); then
            echo "dic dev: not ready after ${ready_timeout_s}s; see $log_file" >&2
            stop
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    echo "dic dev: ready"
}

stop() {
    local pid
    if ! pid="$(our_pid)"; then
        rm -f "$pid_file" "$ready_file"
        echo "dic dev: not running"
        return 0
    fi
    # The whole process group (see start), falling back to the pid alone.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file" "$ready_file"
    echo "dic dev: stopped (pid $pid)"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 start|stop" >&2
        exit 2
        ;;
esac
