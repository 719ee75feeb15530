# Sourced by test.sh and services.sh after stripe-mock.sh: an SQS-compatible
# server for the outgoing-webhook tests (GoAWS, a Go module, built into
# .cache once), started on a free port; exports TALLY_TEST_SQS and stops it,
# DynamoDB Local and stripe-mock when the calling script exits.
goaws_version=0.4.5

start_goaws() {
  local goaws="$cache/goaws-$goaws_version/cmd" conf="$cache/goaws-$$.yaml"
  if [ ! -x "$goaws" ]; then
    echo "installing GoAWS v$goaws_version into $cache/goaws-$goaws_version"
    (cd "$root" && GOBIN="$cache/goaws-$goaws_version" go install "github.com/Admiral-Piett/goaws/app/cmd@v$goaws_version")
  fi
  sqs_port=$(cd "$root" && go run ./infra/scripts/freeport)
  printf 'Local:\n  Host: 127.0.0.1\n  Port: %s\n  Region: us-east-1\n  AccountId: "100010001000"\n  QueueAttributeDefaults:\n    VisibilityTimeout: 30\n' "$sqs_port" >"$conf"
  "$goaws" -config "$conf" >"$cache/$1.log" 2>&1 &
  sqs_pid=$!
  trap 'kill ${ddb_pid:-} ${sm_pid:-} $sqs_pid 2>/dev/null || true; wait ${ddb_pid:-} ${sm_pid:-} $sqs_pid 2>/dev/null || true; rm -f "'"$conf"'"' EXIT
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$sqs_port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$sqs_port") 2>/dev/null; then
    echo "GoAWS is not accepting connections on port $sqs_port:"; cat "$cache/$1.log"; exit 1
  fi
  echo "GoAWS v$goaws_version on port $sqs_port"
  export TALLY_TEST_SQS="http://127.0.0.1:$sqs_port"
}
