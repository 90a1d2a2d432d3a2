#!/usr/bin/env bash
# The whole corm test suite, from a fresh Debian 12 machine: installs what is
# missing (as root, or through sudo), builds and installs corm, starts a
# throwaway cluster, runs every test, stops the cluster, and exits non-zero if
# anything failed.
#
#   test/run-tests.sh
set -euo pipefail
. "$(dirname "$0")/lib/cluster.sh"

corm_install_deps
corm_build_install
corm_start_cluster

failed=()

# 1. pg_regress: make installcheck, in a copy of the tree the cluster's user
#    may write its results into.
corm_log "pg_regress (make installcheck)"
work=$CORM_TMP/tree
mkdir "$work"
tar -C "$CORM_ROOT" --exclude=.git -cf - . | tar -C "$work" -xf -
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$work"
if ! corm_as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
     make -C "$work" -s PG_CONFIG="$PG_CONFIG" installcheck; then
  [ -f "$work/regression.diffs" ] && cat "$work/regression.diffs"
  failed+=(pg_regress)
fi

# 2. The other tests: each a script under test/t/ that exits non-zero on failure.
export PYTHONDONTWRITEBYTECODE=1       # no __pycache__ next to the scripts
for t in "$CORM_ROOT"/test/t/*; do
  [ -f "$t" ] && [ -x "$t" ] || continue
  corm_log "$(basename "$t")"
  if ! "$t"; then
    failed+=("$(basename "$t")")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  corm_log "FAILED: ${failed[*]}"
  exit 1
fi
corm_log "all tests passed"
