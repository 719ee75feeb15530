#!/usr/bin/env bash
# Runs the benchmarks: installs DynamoDB Local when it is missing (as
# test.sh does), starts it on a free port, runs `go run ./infra/bench`
# (which prints the table, writes .cache/bench.json and exits 1 when an
# operation is over its budget), and stops it. Extra arguments go to the
# bench command, e.g. ./infra/scripts/bench.sh -runs 5.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache="$root/.cache"
mkdir -p "$cache"

. infra/scripts/dynamodb-local.sh
. infra/scripts/rie.sh
start_dynamodb_local dynamodb-local-bench
install_rie   # cold starts are timed under the Lambda runtime emulator

go run ./infra/bench -dynamodb-endpoint "http://127.0.0.1:$port" -json "$cache/bench.json" "$@"
