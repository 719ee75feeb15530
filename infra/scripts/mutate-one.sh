#!/usr/bin/env bash
# mutate-one.sh FILE LINE COL FROM TO: applies one mutation by hand (the
# token FROM at LINE:COL of FILE becomes TO) in a copy of the module, runs
# the tests of FILE's package, and says whether they killed it. For mutants
# gremlins reports as not covered although tests run them (the expressions
# of a switch's cases lie outside every block of Go's cover profile);
# docs/testing.md lists each with this command.
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: $0 FILE LINE COL FROM TO" >&2; exit 2; }
file=$1 line=$2 col=$3 from=$4 to=$5
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar --exclude=./.cache --exclude=./.git -cf - . | tar -xf - -C "$tmp"
awk -v l="$line" -v c="$col" -v f="$from" -v t="$to" '
  NR == l { if (substr($0, c, length(f)) != f) { print "no " f " at " l ":" c > "/dev/stderr"; exit 3 }
            $0 = substr($0, 1, c - 1) t substr($0, c + length(f)) }
  { print }' "$file" >"$tmp/$file"
echo "$file:$line:$col: $(sed -n "${line}p" "$tmp/$file" | sed 's/^[[:space:]]*//')"
if (cd "$tmp" && go test -count=1 "./$(dirname "$file")" >"$tmp/test.log" 2>&1); then
  echo "LIVED"
  exit 1
fi
if grep -q '^FAIL' "$tmp/test.log" && ! grep -q 'build failed\|setup failed' "$tmp/test.log"; then
  echo "KILLED"
else
  echo "NOT VIABLE"; cat "$tmp/test.log"; exit 1
fi
