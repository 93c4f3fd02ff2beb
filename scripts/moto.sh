#!/usr/bin/env bash
# Runs the moto server, the local stack's S3 and SQS, on the 127.0.0.1 port
# of AWS_ENDPOINT_URL (scripts/env.sh: 4566 by default, MOTO_PORT to move it).
#
#   scripts/moto.sh start    start it in the background unless something
#                            already answers there (LocalStack, say)
#   scripts/moto.sh stop     stop the server this script started
#   scripts/moto.sh status   exit 0 when the endpoint answers
#
# State lives in .local/: moto.pid, moto.url, moto.log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh
# shellcheck source=scripts/processes.sh
source scripts/processes.sh

name=moto
url="${AWS_ENDPOINT_URL%/}"
pid_file=.local/moto.pid
url_file=.local/moto.url
log_file=.local/moto.log
pattern='scripts/moto_server\.py'

start() {
    local port
    port="$(loopback_port "$url")" || {
        echo "$name: AWS_ENDPOINT_URL=$url is not http://127.0.0.1:PORT; start that emulator yourself" >&2
        return 1
    }
    if reuse_ours "$name" "$pid_file" "$url_file" "$pattern" "$url"; then
        return 0
    fi
    refuse_strays "$name" "$pattern" "$pid_file"
    if answers "$url"; then
        echo "$name: something not started by this script already answers on $url; using it"
        return 0
    fi
    if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import moto.moto_server' 2>/dev/null; then
        echo "$name: moto is not installed in .venv; run 'make venv'" >&2
        return 1
    fi
    # moto's server with each backend's requests serialized: see
    # scripts/moto_server.py.
    mkdir -p .local
    rm -f "$pid_file" "$url_file"
    nohup .venv/bin/python scripts/moto_server.py -H 127.0.0.1 -p "$port" >>"$log_file" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$pid_file"
    echo "$url" >"$url_file"
    wait_until_answers "$name" "$url" "$pid" "$log_file" 30 || {
        stop_pid "$pid"
        rm -f "$pid_file" "$url_file"
        return 1
    }
    echo "$name: listening on $url (pid $pid, log $log_file)"
}

stop() {
    stop_ours "$name" "$pid_file" "$url_file" "$pattern"
}

status() {
    if answers "$url"; then
        echo "$name: $url answers"
    else
        echo "$name: nothing answers on $url"
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
