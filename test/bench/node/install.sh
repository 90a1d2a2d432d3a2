#!/usr/bin/env bash
# Prepares the ORM peers of the benchmark (peers.mjs) to run from APPDIR:
#
#   test/bench/node/install.sh APPDIR
#
# * node and npm from Debian (nodejs, npm) when missing; Prisma 7 needs
#   node ^20.19 || ^22.12 || >= 24: with an older one this exits 3 (run.sh
#   then runs the benchmark without the peers and says so);
# * the pinned packages of package-lock.json (prisma, @prisma/client,
#   @prisma/adapter-pg, drizzle-orm, pg, typescript) installed with `npm ci
#   --ignore-scripts` into a cache directory ($CORM_BENCH_NPM_CACHE, else
#   /var/cache/corm-npm/bench-peers when writable, else under $TMPDIR), reused
#   while package.json and the lock are unchanged, never into the source tree;
#   only the npm registry is needed (Prisma's postinstall, which would fetch
#   engines, is not run: Prisma 7's query compiler is WebAssembly inside
#   @prisma/client);
# * the Prisma client generated from prisma/schema.prisma into the cache
#   (`prisma generate` with PRISMA_SCHEMA_ENGINE_BINARY pointing at a
#   placeholder, so that it never tries to download the schema engine, which
#   generating does not use), and the TypeScript it writes compiled to
#   JavaScript with the pinned tsc; redone when the schema or the lock change;
# * APPDIR: peers.mjs and drizzle-schema.mjs, beside links to the cached
#   node_modules and generated client.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 APPDIR" >&2; exit 2; }
APP=$1
SRC=$(cd "$(dirname "$0")" && pwd)
. "$SRC/../../lib/cluster.sh"

command -v node >/dev/null && command -v npm >/dev/null || corm_install_packages nodejs npm
if ! node -e '
  const [a, b] = process.versions.node.split(".").map(Number);
  process.exit(a === 20 && b >= 19 || a === 22 && b >= 12 || a === 23 || a >= 24 ? 0 : 1)'; then
  echo "node $(node --version) is too old for Prisma 7 (it needs ^20.19 || ^22.12 || >= 24)" >&2
  exit 3
fi

cache=${CORM_BENCH_NPM_CACHE:-}
if [ -z "$cache" ]; then
  cache=/var/cache/corm-npm/bench-peers
  if ! { mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ]; }; then
    cache=${TMPDIR:-/tmp}/corm-npm-bench-peers-$(id -u)
  fi
fi
mkdir -p "$cache"
log=$(mktemp "${TMPDIR:-/tmp}/corm-bench-npm.XXXXXX")
trap 'rm -f "$log"' EXIT

pinned() {   # the version of package $1 the lock pins, and the one in the cache
  node -e 'process.stdout.write(require(process.argv[1]).packages["node_modules/" + process.argv[2]].version)' \
    "$SRC/package-lock.json" "$1"
  printf ' '
  node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch (e) {}' \
    "$cache/node_modules/$1/package.json"
}
stale=no
for p in prisma @prisma/client @prisma/adapter-pg drizzle-orm pg typescript; do
  read -r want have <<<"$(pinned "$p")"
  [ "$want" = "${have:-}" ] || stale=yes
done
if [ $stale = yes ] || ! cmp -s "$SRC/package-lock.json" "$cache/package-lock.json" ||
   ! cmp -s "$SRC/package.json" "$cache/package.json"; then
  corm_log "npm ci (the benchmark's ORM peers) into $cache"
  rm -rf "$cache/generated" "$cache/generated.stamp"
  cp "$SRC/package.json" "$SRC/package-lock.json" "$cache/"
  (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --prefer-offline \
     --cache "$cache/npm-cache") >"$log" 2>&1 || { cat "$log" >&2; echo "npm ci failed" >&2; exit 1; }
fi

stamp=$(cat "$SRC/prisma/schema.prisma" "$SRC/prisma.config.mjs" "$SRC/package-lock.json" | sha256sum | cut -c1-64)
if [ "$(cat "$cache/generated.stamp" 2>/dev/null)" != "$stamp" ] || [ ! -e "$cache/generated/prisma/client.js" ]; then
  corm_log "prisma generate and tsc into $cache/generated"
  rm -rf "$cache/generated" "$cache/generated.stamp" "$cache/prisma"
  mkdir -p "$cache/prisma"
  cp "$SRC/prisma/schema.prisma" "$cache/prisma/"
  cp "$SRC/prisma.config.mjs" "$cache/"
  printf '#!/bin/sh\necho "the schema engine is not installed: the benchmark only runs prisma generate" >&2\nexit 1\n' \
    >"$cache/no-schema-engine"
  chmod +x "$cache/no-schema-engine"
  (cd "$cache" &&
   env PRISMA_SCHEMA_ENGINE_BINARY="$cache/no-schema-engine" CHECKPOINT_DISABLE=1 \
       PRISMA_HIDE_UPDATE_MESSAGE=1 node node_modules/prisma/build/index.js generate &&
   node node_modules/typescript/bin/tsc --noCheck --skipLibCheck --module nodenext \
       --moduleResolution nodenext --target es2022 generated/prisma/client.ts) >"$log" 2>&1 ||
    { cat "$log" >&2; echo "generating the Prisma client failed" >&2; exit 1; }
  echo "$stamp" >"$cache/generated.stamp"
fi

mkdir -p "$APP"
cp "$SRC/peers.mjs" "$SRC/drizzle-schema.mjs" "$SRC/package.json" "$APP/"
ln -sfn "$cache/node_modules" "$APP/node_modules"
ln -sfn "$cache/generated" "$APP/generated"
corm_log "ORM peers ready in $APP: node $(node --version), $(cd "$APP" && node -e '
  for (const p of ["prisma", "drizzle-orm", "pg"]) process.stdout.write(p + " " + require("./node_modules/" + p + "/package.json").version + " ")')"
