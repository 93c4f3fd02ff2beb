# shellcheck shell=bash
# The environment of the local stack, in one place. Source it:
#   source scripts/env.sh
# The AWS SDKs read these standard variables; the dummy credentials are
# accepted by moto, DynamoDB Local and LocalStack and are never valid
# against AWS.
#
# S3 and SQS go to AWS_ENDPOINT_URL (moto, 127.0.0.1:4566); DynamoDB to the
# per-service AWS_ENDPOINT_URL_DYNAMODB (DynamoDB Local, 127.0.0.1:8000).
# Several stacks on one machine: MOTO_PORT, DYNAMODB_LOCAL_PORT and
# DIC_API_PORT move the ports. LocalStack for everything: set
# AWS_ENDPOINT_URL_DYNAMODB to LocalStack's URL too, or to the empty string
# (then it is unset and DynamoDB goes to AWS_ENDPOINT_URL).

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${MOTO_PORT:-4566}}"
if [[ ${DIC_DYNAMODB_ON_MAIN_ENDPOINT:-} == 1 || ${AWS_ENDPOINT_URL_DYNAMODB-unset} == "" ]]; then
    # Remembered for the scripts that source this file again.
    export DIC_DYNAMODB_ON_MAIN_ENDPOINT=1
    unset AWS_ENDPOINT_URL_DYNAMODB
else
    export AWS_ENDPOINT_URL_DYNAMODB="${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:${DYNAMODB_LOCAL_PORT:-8000}}"
fi
export DIC_API_PORT="${DIC_API_PORT:-3000}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
# A session token or profile left in the shell must not mix with the dummies.
unset AWS_SESSION_TOKEN AWS_PROFILE

export SAM_CLI_TELEMETRY=0
export RUST_LOG="${RUST_LOG:-info}"
