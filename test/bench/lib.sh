# Shared by test/bench/run.sh and test/bench/pgbench.sh (functions only:
# source it first; bench_load_dataset needs test/lib/cluster.sh's cluster).

# bench_dataset <size> <count>: SIZE (S or M) and N (its authors) from the
# size argument; fails unless the size is S or M and count an integer >= 1.
bench_dataset() {
  case $1 in
    S|s) SIZE=S; N=1000 ;;
    M|m) SIZE=M; N=10000 ;;
    *) return 1 ;;
  esac
  [[ $2 =~ ^[1-9][0-9]*$ ]]
}

# bench_load_dataset <database> <n authors> <size name>: the server settings
# of the benchmarks (the whole M data set fits in shared buffers, aggregates
# sort / hash in memory; shared_buffers needs a restart, and pg_ctl restart
# reuses the options the cluster was started with), then the data of
# $SHARED (schema.sql, load.sql) in a new database, corm's four relationships
# registered, VACUUM ANALYZE.
bench_load_dataset() {
  local db=$1 n=$2 size=$3
  corm_log "server settings: shared_buffers 1GB, work_mem 64MB"
  corm_psql -c "ALTER SYSTEM SET shared_buffers = '1GB'" \
            -c "ALTER SYSTEM SET work_mem = '64MB'" \
            -c "ALTER SYSTEM SET max_wal_size = '4GB'" >/dev/null
  corm_as_pg "$PG_BIN/pg_ctl" -D "$CORM_TMP/data" -w -s restart -m fast >/dev/null

  corm_log "loading dataset $size (n = $n authors)"
  corm_psql -c "CREATE DATABASE $db" >/dev/null
  corm_psql -d "$db" -v n="$n" -f "$SHARED/schema.sql" -f "$SHARED/load.sql" >"$CORM_TMP/load.log" 2>&1 \
    || { cat "$CORM_TMP/load.log" >&2; exit 1; }
  corm_psql -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION corm;
SELECT corm_relationship('authors', 'books', 'books');
SELECT corm_relationship('books', 'reviews', 'reviews');
SELECT corm_relationship('books', 'publisher', 'publishers');
SELECT corm_relationship('books', 'tags', 'tags', secondary => 'book_tags');
VACUUM ANALYZE;
SQL
}
