# shellcheck shell=bash
# The environment of the local stack, in one place. Source it:
#   source scripts/env.sh
# The AWS SDKs read these standard variables; the dummy credentials are
# accepted by moto and LocalStack and are never valid against AWS.

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
# A session token or profile left in the shell must not mix with the dummies.
unset AWS_SESSION_TOKEN AWS_PROFILE

export SAM_CLI_TELEMETRY=0
export RUST_LOG="${RUST_LOG:-info}"
