#!/usr/bin/env bash
# Runs the moto server, the AWS emulator of the local stack, on 127.0.0.1.
#
#   scripts/moto.sh start    start it in the background unless something
#                            already answers on the port (LocalStack, say)
#   scripts/moto.sh stop     stop the server this script started
#   scripts/moto.sh status   exit 0 when the endpoint answers
#
# State lives in .local/: moto.pid, moto.log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

host=127.0.0.1
port="${MOTO_PORT:-4566}"
url="http://$host:$port"
pid_file=.local/moto.pid
log_file=.local/moto.log

answers() {
    # Any HTTP answer will do: moto and LocalStack both reply on /.
    curl -s -o /dev/null --max-time 2 "$url/"
}

# The pid from the pid file, when that process is still our moto server.
our_pid() {
    [[ -f $pid_file ]] || return 1
    local pid
    pid="$(<"$pid_file")"
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    ps -p "$pid" -o args= 2>/dev/null | grep -q moto_server || return 1
    echo "$pid"
}

start() {
    if our_pid >/dev/null && answers; then
        echo "moto: already running on $url (pid $(our_pid))"
        return 0
    fi
    if answers; then
        echo "moto: something already answers on $url; using it"
        return 0
    fi
    if [[ ! -x .venv/bin/moto_server ]]; then
        echo "moto: .venv/bin/moto_server is missing; run 'make venv'" >&2
        return 1
    fi
    # moto's server with requests serialized: see scripts/moto_server.py.
    mkdir -p .local
    rm -f "$pid_file"
    nohup .venv/bin/python scripts/moto_server.py -H "$host" -p "$port" >>"$log_file" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$pid_file"

    # Wait up to 30 s for the first answer.
    for _ in $(seq 1 60); do
        if answers; then
            echo "moto: listening on $url (pid $pid, log $log_file)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.5
    done
    echo "moto: did not start on $url; last lines of $log_file:" >&2
    tail -n 20 "$log_file" >&2 || true
    kill "$pid" 2>/dev/null || true
    rm -f "$pid_file"
    return 1
}

stop() {
    local pid
    if ! pid="$(our_pid)"; then
        rm -f "$pid_file"
        echo "moto: not running (nothing started by this script)"
        return 0
    fi
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
    echo "moto: stopped (pid $pid)"
}

status() {
    if answers; then
        echo "moto: $url answers"
    else
        echo "moto: nothing answers on $url"
        return 1
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *)
        echo "usage: $0 start|stop|status" >&2
        exit 2
        ;;
esac
