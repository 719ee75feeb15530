#!/usr/bin/env bash
# Refreshes shared/domain/bots/crawler-user-agents.json, its patterns
# (crawler-patterns.txt) and its licence from the
# npm package crawler-user-agents (github.com/monperrus/crawler-user-agents,
# MIT), then runs the bot tests: every example crawler of the new list must
# not count, and every browser of shared/domain/bots/testdata/browsers.txt must.
# Usage: infra/scripts/refresh-crawler-list.sh [VERSION]   (default: latest)
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:-latest}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error "crawler-user-agents@$version" >/dev/null
pkg="$tmp/node_modules/crawler-user-agents"
cp "$pkg/crawler-user-agents.json" shared/domain/bots/crawler-user-agents.json
cp "$pkg/LICENSE" shared/domain/bots/crawler-user-agents.LICENSE
# The functions embed only the patterns, one a line (the list's example
# agents are for the tests).
node -e 'const l = require(process.argv[1]); require("fs").writeFileSync(process.argv[2], l.map(e => e.pattern).join("\n") + "\n")' \
  "$pkg/crawler-user-agents.json" shared/domain/bots/crawler-patterns.txt
echo "crawler-user-agents $(node -p "require('$pkg/package.json').version") copied into shared/domain/bots"
go test ./shared/domain/bots/
