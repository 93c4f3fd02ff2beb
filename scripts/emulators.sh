# shellcheck shell=bash
# The emulators a test run needs: moto (S3, SQS) on AWS_ENDPOINT_URL and,
# when AWS_ENDPOINT_URL_DYNAMODB is set, DynamoDB Local. Source it after
# scripts/env.sh and a `step` function, then:
#
#   trap stop_started_emulators EXIT
#   start_emulators
#
# An emulator already answering is used as it is; only those started here
# are stopped.

started_emulators=()

start_emulator() {
    local script=$1 url=$2
    step "$(basename "$script" .sh) on $url"
    if "$script" status >/dev/null 2>&1; then
        echo "using the emulator already answering on $url"
    else
        started_emulators+=("$script")
        "$script" start
    fi
}

start_emulators() {
    start_emulator scripts/moto.sh "$AWS_ENDPOINT_URL"
    if [[ -n ${AWS_ENDPOINT_URL_DYNAMODB:-} ]]; then
        start_emulator scripts/dynamodb-local.sh "$AWS_ENDPOINT_URL_DYNAMODB"
    fi
}

stop_started_emulators() {
    local script
    for script in "${started_emulators[@]}"; do
        "$script" stop || true
    done
}
