# Sourced by test.sh and bench.sh after dynamodb-local.sh: installs
# stripe-mock (Stripe's API as its OpenAPI spec describes it; the Go module
# github.com/stripe/stripe-mock) into .cache when missing, starts it on a
# free port, exports TALLY_TEST_STRIPE_MOCK, and stops it (and DynamoDB
# Local) when the calling script exits. Needs $root and $cache.
stripe_mock_version=v0.203.0

start_stripe_mock() {
  local dir="$cache/stripe-mock-$stripe_mock_version" log="$cache/$1.log" sm_port tls_port
  if [ ! -x "$dir/stripe-mock" ]; then
    echo "installing stripe-mock $stripe_mock_version into $dir"
    (cd "$root" && GOBIN="$dir" go install "github.com/stripe/stripe-mock@$stripe_mock_version")
  fi
  sm_port=$(cd "$root" && go run ./infra/scripts/freeport)
  tls_port=$(cd "$root" && go run ./infra/scripts/freeport)
  # Its HTTPS listener too gets a free port (it would take 12112 otherwise).
  "$dir/stripe-mock" -http-addr "127.0.0.1:$sm_port" -https-addr "127.0.0.1:$tls_port" >"$log" 2>&1 &
  sm_pid=$!
  trap 'kill ${ddb_pid:-} $sm_pid 2>/dev/null || true; wait ${ddb_pid:-} $sm_pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$sm_port") 2>/dev/null; then break; fi
    if ! kill -0 $sm_pid 2>/dev/null; then
      echo "stripe-mock did not start:"; cat "$log"; exit 1
    fi
    sleep 0.1
  done
  export TALLY_TEST_STRIPE_MOCK="http://127.0.0.1:$sm_port"
  echo "stripe-mock $stripe_mock_version on port $sm_port"
}
