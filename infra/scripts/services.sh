#!/usr/bin/env bash
# Starts the services the integration tests use (DynamoDB Local,
# stripe-mock, GoAWS) on free ports, and installs the Lambda runtime
# emulator, for running one package's tests by hand:
#   infra/scripts/services.sh /tmp/svc.env &   # then
#   . /tmp/svc.env && go test ./shared/handlers/checkout/webhooks/
# It writes their variables to FILE and runs until it is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache="$root/.cache"
mkdir -p "$cache"
out=${1:?usage: services.sh ENVFILE}

. infra/scripts/dynamodb-local.sh
. infra/scripts/stripe-mock.sh
. infra/scripts/goaws.sh
. infra/scripts/rie.sh
start_dynamodb_local "dynamodb-local-$$"
start_stripe_mock "stripe-mock-$$"
start_goaws "goaws-$$"
install_rie
{
  echo "export TALLY_TEST_DYNAMODB=http://127.0.0.1:$port"
  echo "export TALLY_TEST_STRIPE_MOCK=$TALLY_TEST_STRIPE_MOCK"
  echo "export TALLY_TEST_SQS=$TALLY_TEST_SQS"
  echo "export TALLY_TEST_RIE=$TALLY_TEST_RIE"
  command -v chromium >/dev/null && echo "export TALLY_TEST_CHROMIUM=$(command -v chromium)"
  ls "$cache"/axe-core-*/node_modules/axe-core/axe.min.js 2>/dev/null | head -n 1 | sed 's/^/export TALLY_TEST_AXE=/'
} >"$out"
echo "services ready; variables in $out"
wait
