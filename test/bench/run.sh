#!/usr/bin/env bash
# Loading benchmark (issue 4): corm_load / corm_get under every strategy against
# the hand-written anchors of ../shared/bench/anchors.sql, SQLAlchemy 1.4
# selectinload, the ORM peers Prisma 7 and Drizzle ORM (node, test/bench/node)
# and a flat json_agg floor, on the same data, alternating.
#
#   test/bench/run.sh [S|M] [runs]        # default: S 5
#
# S = 1,000 authors (10,000 books, 50,000 reviews), M = 10,000 authors.
# Installs what is missing, builds and installs corm, starts a throwaway
# cluster (stopped and removed on exit), loads the data, registers the
# relationships, then runs test/bench/bench.py, which checks that every
# contender returns the same graph before it prints a single figure.
# Environment: CORM_PGPORT (default 54610), CORM_SHARED (default
# test/bench/data, a copy of the project's ../shared/bench), BENCH_SA_W1_RUNS (timed runs of
# SQLAlchemy and the ORM peers on W1, default: all of them), BENCH_PEERS (0: without the
# ORM peers, default 1: with them, installed by test/bench/node/install.sh from the
# npm registry).  See test/bench/README.md.
set -euo pipefail

usage() { echo "usage: $0 [S|M] [runs >= 1]" >&2; exit 2; }
RUNS=${2:-5}
. "$(dirname "$0")/lib.sh"
bench_dataset "${1:-S}" "$RUNS" || usage

CORM_PGPORT=${CORM_PGPORT:-54610}
. "$(dirname "$0")/../lib/cluster.sh"
SHARED=${CORM_SHARED:-$CORM_ROOT/test/bench/data}
for f in schema.sql load.sql anchors.sql; do
  [ -r "$SHARED/$f" ] || { echo "missing $SHARED/$f (set CORM_SHARED)" >&2; exit 2; }
done
DB=corm_bench
BENCH_PEERS=${BENCH_PEERS:-1}
[[ $BENCH_PEERS =~ ^[01]$ ]] || { echo "BENCH_PEERS must be 0 or 1" >&2; exit 2; }

corm_install_deps
corm_build_install
corm_start_cluster

bench_load_dataset "$DB" "$N" "$SIZE"

peers=()
if [ "$BENCH_PEERS" = 1 ]; then
  # exit status 3: node is too old for Prisma 7; run without the peers, and say why
  status=0
  "$CORM_ROOT/test/bench/node/install.sh" "$CORM_TMP/peers" 2>"$CORM_TMP/peers.log" || status=$?
  cat "$CORM_TMP/peers.log" >&2
  case $status in
    0) peers=(--peers "$CORM_TMP/peers") ;;
    3) peers=(--peers-skipped "$(tail -n 1 "$CORM_TMP/peers.log")") ;;
    *) echo "installing the ORM peers failed (BENCH_PEERS=0 runs without them)" >&2; exit 1 ;;
  esac
else
  peers=(--peers-skipped "BENCH_PEERS=0")
fi

corm_log "running the benchmark: dataset $SIZE, $RUNS run(s) per cell"
CORM_COMMIT=$(git -C "$CORM_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
# /usr/bin/python3: Debian's interpreter, which has python3-psycopg2 and
# python3-sqlalchemy (another python3 earlier on PATH may not).
PGDATABASE=$DB /usr/bin/python3 "$CORM_ROOT/test/bench/bench.py" \
  --size "$SIZE" --n "$N" --runs "$RUNS" --anchors "$SHARED/anchors.sql" \
  --commit "$CORM_COMMIT" ${BENCH_SA_W1_RUNS:+--sa-w1-runs "$BENCH_SA_W1_RUNS"} "${peers[@]}"
