#!/usr/bin/env bash
# Cascade DELETE: corm's triggers against PostgreSQL's own ON DELETE CASCADE,
# on identical copies of the benchmark data (../shared/bench: n authors, 10 books
# each, 5 reviews per book, 2 tags per book).
#
#   test/bench/cascade.sh [n authors, default 10000] [runs, default 3]
#
# Three copies, each built afresh per run, one `DELETE FROM authors` timed in
# each (the order rotates between runs):
#   corm_side   plain REFERENCES foreign keys (NO ACTION), corm's relationships
#               with cascade 'all, delete-orphan' and the many-to-many: corm
#               deletes, then PostgreSQL checks every deleted row's key again;
#   corm_fkc    the same relationships, the foreign keys ON DELETE CASCADE:
#               corm leaves those deletes to the foreign keys;
#   fk_side     ON DELETE CASCADE foreign keys alone (PostgreSQL).
# Prints every time (wall, and the backend's CPU time), the medians and the
# ratios to PostgreSQL.  Not a CI test:
# figures depend on the machine.
set -euo pipefail
N=${1:-10000}
RUNS=${2:-3}
CORM_PGPORT=${CORM_PGPORT:-54620}
. "$(dirname "$0")/../lib/cluster.sh"
SHARED=${CORM_SHARED:-$CORM_ROOT/test/bench/data}

corm_install_deps
corm_build_install
corm_start_cluster
corm_psql -c "ALTER SYSTEM SET shared_buffers = '1GB'" -c "ALTER SYSTEM SET max_wal_size = '8GB'" >/dev/null
corm_as_pg "$PG_BIN/pg_ctl" -D "$CORM_TMP/data" -l "$CORM_TMP/server.log" -w -s restart -o "-p $CORM_PGPORT -k $CORM_TMP -c listen_addresses='' -c jit=off -c fsync=off"

corm_log "loading the base data: n = $N"
corm_psql -v n="$N" >/dev/null <<SQL
CREATE EXTENSION corm;
CREATE SCHEMA base;
SET search_path = base;
\i $SHARED/schema.sql
\i $SHARED/load.sql
SQL

# copy <schema> <on delete clause for the foreign keys>
copy() {
  corm_psql >/dev/null <<SQL
DROP SCHEMA IF EXISTS $1 CASCADE;
CREATE SCHEMA $1;
SET search_path = $1;
CREATE TABLE publishers (LIKE base.publishers INCLUDING ALL);
CREATE TABLE authors (LIKE base.authors INCLUDING ALL);
CREATE TABLE books (LIKE base.books INCLUDING ALL);
CREATE TABLE reviews (LIKE base.reviews INCLUDING ALL);
CREATE TABLE tags (LIKE base.tags INCLUDING ALL);
CREATE TABLE book_tags (LIKE base.book_tags INCLUDING ALL);
INSERT INTO publishers SELECT * FROM base.publishers;
INSERT INTO authors SELECT * FROM base.authors;
INSERT INTO books SELECT * FROM base.books;
INSERT INTO reviews SELECT * FROM base.reviews;
INSERT INTO tags SELECT * FROM base.tags;
INSERT INTO book_tags SELECT * FROM base.book_tags;
ALTER TABLE books ADD FOREIGN KEY (author_id) REFERENCES authors $2,
                  ADD FOREIGN KEY (publisher_id) REFERENCES publishers;
ALTER TABLE reviews ADD FOREIGN KEY (book_id) REFERENCES books $2;
ALTER TABLE book_tags ADD FOREIGN KEY (book_id) REFERENCES books $2,
                      ADD FOREIGN KEY (tag_id) REFERENCES tags;
VACUUM ANALYZE;
SQL
}

# time_delete <schema>: "wall_ms cpu_ms" of DELETE FROM <schema>.authors, the
# second the backend's own CPU time (utime + stime from /proc), which a busy
# machine disturbs less than the wall time
time_delete() {
  /usr/bin/python3 - "$1" <<'PY'
import os, sys, time, psycopg2
def cpu(pid):
    f = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000.0 / os.sysconf('SC_CLK_TCK')
conn = psycopg2.connect('')
conn.autocommit = True
cur = conn.cursor()
cur.execute('SELECT pg_backend_pid()')
pid = cur.fetchone()[0]
c0, t0 = cpu(pid), time.perf_counter()
cur.execute('DELETE FROM %s.authors' % sys.argv[1])
t1, c1 = time.perf_counter(), cpu(pid)
print('%.1f %.1f' % ((t1 - t0) * 1000, c1 - c0))
PY
}

register() {  # register <schema>: corm's relationships on that copy
  corm_psql >/dev/null <<SQL
SET search_path = $1, public;
SELECT corm_relationship('authors', 'books', 'books', cascade => 'all, delete-orphan');
SELECT corm_relationship('books', 'reviews', 'reviews', cascade => 'all, delete-orphan');
SELECT corm_relationship('books', 'tags', 'tags', secondary => 'book_tags');
SQL
}

corm_times=() fkc_times=() pg_times=()
corm_cpu=() fkc_cpu=() pg_cpu=()
sides=(corm_side corm_fkc fk_side)
for run in $(seq 1 "$RUNS"); do
  copy corm_side ""
  register corm_side
  copy corm_fkc "ON DELETE CASCADE"
  register corm_fkc
  copy fk_side "ON DELETE CASCADE"
  k=$(( (run - 1) % 3 ))
  order="${sides[@]:k} ${sides[@]:0:k}"
  for side in $order; do
    read -r ms cpu < <(time_delete $side)
    left=$(corm_psql -At -c "SELECT (SELECT count(*) FROM $side.books) + (SELECT count(*) FROM $side.reviews) + (SELECT count(*) FROM $side.book_tags)")
    [ "$left" = 0 ] || { echo "FAIL: $side left $left rows behind"; exit 1; }
    echo "run $run: $side DELETE FROM authors ($N rows, cascading to $((N * 10)) books, $((N * 50)) reviews, $((N * 20)) book_tags): $ms ms (backend CPU $cpu ms)"
    case $side in
      corm_side) corm_times+=("$ms"); corm_cpu+=("$cpu") ;;
      corm_fkc) fkc_times+=("$ms"); fkc_cpu+=("$cpu") ;;
      fk_side) pg_times+=("$ms"); pg_cpu+=("$cpu") ;;
    esac
  done
done

python3 - "${corm_times[*]}" "${fkc_times[*]}" "${pg_times[*]}" \
          "${corm_cpu[*]}" "${fkc_cpu[*]}" "${pg_cpu[*]}" <<'PY'
import statistics, sys
c, f, p, cc, fc, pc = ([float(x) for x in a.split()] for a in sys.argv[1:7])
med = statistics.median
print()
print("                                      wall median (min, max)           backend CPU median")
for name, w, u in (("corm, NO ACTION foreign keys", c, cc),
                   ("corm, ON DELETE CASCADE foreign keys", f, fc),
                   ("ON DELETE CASCADE alone (PostgreSQL)", p, pc)):
    print(f"{name:38s}{med(w):10.1f} ms ({min(w):.1f}, {max(w):.1f}){med(u):14.1f} ms")
print(f"ratio corm (NO ACTION) / PostgreSQL:  wall {med(c) / med(p):.2f}, CPU {med(cc) / med(pc):.2f}")
print(f"ratio corm (CASCADE) / PostgreSQL:    wall {med(f) / med(p):.2f}, CPU {med(fc) / med(pc):.2f}")
PY
