#!/usr/bin/env bash
# Mutation testing of the money rules (docs/testing.md): installs gremlins
# into .cache when missing, runs it with every mutator over each rule
# package (its own tests only), prints killed, lived, timed out and efficacy
# per package, and fails when a mutant lives (or is not covered) that
# docs/testing.md does not list as equivalent, or when a package's efficacy
# drops below its floor. `make mutation` runs it; `make mutation
# PKGS="money commission"` only those packages.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cache="$root/.cache"
mkdir -p "$cache"

gremlins_version=v0.6.0
gremlins_dir="$cache/gremlins-$gremlins_version"
if [ ! -x "$gremlins_dir/gremlins" ]; then
  echo "installing gremlins $gremlins_version into $gremlins_dir"
  GOBIN="$gremlins_dir" go install "github.com/go-gremlins/gremlins/cmd/gremlins@$gremlins_version"
fi

all=(money commission attribution payout period ledger)
# `mutation.sh commission` (or shared/domain/commission; `make mutation
# PKGS=commission`) runs only the packages named; the default is all.
packages=()
for a in "$@"; do
  p=${a#shared/}
  p=${p#domain/}
  p=${p%/}
  [[ " ${all[*]} " == *" $p "* ]] || { echo "mutation: $a is not a rule package (${all[*]})" >&2; exit 2; }
  packages+=("$p")
done
[ ${#packages[@]} -gt 0 ] || packages=("${all[@]}")
# One worker: the machines are shared. A mutant's test run may take ten
# times the package's coverage run (which is compiled once, warm) before it
# counts as timed out: a mutant compiles its package afresh, and a busy
# machine is slow; only a mutant that loops for ever comes near it.
flags=(--workers 1 --timeout-coefficient 10
  --invert-assignments --invert-bitwise --invert-bwassign --invert-logical
  --invert-loopctrl --remove-self-assignments)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
start=$SECONDS
for p in "${packages[@]}"; do
  if ! "$gremlins_dir/gremlins" unleash "${flags[@]}" -o "$out/$p.json" "$root/shared/domain/$p" >"$out/$p.log" 2>&1; then
    echo "gremlins failed on shared/domain/$p:" >&2
    cat "$out/$p.log" >&2
    exit 1
  fi
done
echo "mutation: gremlins $gremlins_version, ${#packages[@]} packages in $((SECONDS - start))s"
# The floors are the efficacy each package reached; raise them, never lower.
go run ./infra/scripts/mutationcheck -dir "$out" -list docs/testing.md \
  -floor money=97.78,commission=98.96,attribution=100,payout=96.83,period=100,ledger=100 \
  "${packages[@]}"
