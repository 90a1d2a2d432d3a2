#!/usr/bin/env bash
# Concurrency benchmark (issue 11): W2 (one author by id with its books, their
# reviews, publisher and tags) under pgbench, corm_get against the best
# hand-written W2 anchor, 8 clients each, same graph checked first.
#
#   test/bench/pgbench.sh [S|M] [rounds]          # default: M 1
#
# Installs what is missing, builds and installs corm, starts a throwaway
# cluster (jit = off; stopped and removed on exit), loads the benchmark data
# (S = 1,000 authors, M = 10,000), registers the relationships as run.sh does,
# VACUUM ANALYZE, then:
#   1. writes two pgbench scripts, `\set id random(1, :n)` and then
#      corm:   SELECT corm_get('authors', :id::int, :spec::text)::text;
#      anchor: the W2 anchor block of anchors.sql, :lo and :hi both :id;
#      (the spec is a pgbench variable, -D spec=...: pgbench would take the
#      ":selectin" of a literal for variables);
#   2. checks on a spread of ids that both statements, prepared as pgbench
#      prepares them (every :var a $n), return the same graph in bench.py's
#      canonical form;
#   3. runs each script with pgbench -M prepared -c 8 -j 2 -T <seconds>, order
#      alternating from round to round, every transaction logged (-l);
#   4. prints tps, the p50 / p95 / p99 latencies (from the per-transaction
#      logs) and the backends' CPU time per transaction of both, medians over
#      the rounds, and corm tps / anchor tps.
# Timed only when run by hand: never part of the test suite or CI.
#
# Environment:
#   PGBENCH_SECONDS  duration of each timed pgbench run (default 60)
#   PGBENCH_CLIENTS  clients (default 8), PGBENCH_THREADS threads (default 2)
#   PGBENCH_ANCHOR   anchors.sql block to compare with (default correlated, the
#                    fastest W2 anchor in run.sh's dataset M figures)
#   PGBENCH_SPEC     corm load spec (default: every path selectin, corm's
#                    fastest W2 strategy in run.sh's figures)
#   PGBENCH_KEEP     a directory to copy the scripts, pgbench outputs and
#                    per-transaction logs to (default: none, they are removed)
#   CORM_PGPORT (default 54611), CORM_SHARED (default test/bench/data).
# Exit status: 0 done, 1 the graphs differ or pgbench failed, 2 bad arguments.
set -euo pipefail

usage() { echo "usage: $0 [S|M] [rounds >= 1]" >&2; exit 2; }
ROUNDS=${2:-1}
. "$(dirname "$0")/lib.sh"
bench_dataset "${1:-M}" "$ROUNDS" || usage
SECONDS_RUN=${PGBENCH_SECONDS:-60}
CLIENTS=${PGBENCH_CLIENTS:-8}
THREADS=${PGBENCH_THREADS:-2}
ANCHOR=${PGBENCH_ANCHOR:-correlated}
SPEC=${PGBENCH_SPEC:-books:selectin.reviews:selectin, books.publisher:selectin, books.tags:selectin}
for v in "$SECONDS_RUN" "$CLIENTS" "$THREADS"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "PGBENCH_SECONDS, PGBENCH_CLIENTS and PGBENCH_THREADS: integers >= 1" >&2; exit 2; }
done

CORM_PGPORT=${CORM_PGPORT:-54611}
. "$(dirname "$0")/../lib/cluster.sh"
SHARED=${CORM_SHARED:-$CORM_ROOT/test/bench/data}
for f in schema.sql load.sql anchors.sql; do
  [ -r "$SHARED/$f" ] || { echo "missing $SHARED/$f (set CORM_SHARED)" >&2; exit 2; }
done
grep -Eq "^--[[:space:]]*name:[[:space:]]*$ANCHOR([[:space:]]|\$)" "$SHARED/anchors.sql" \
  || { echo "no block '-- name: $ANCHOR' in $SHARED/anchors.sql (PGBENCH_ANCHOR)" >&2; exit 2; }
DB=corm_bench
PY=/usr/bin/python3    # Debian's, with python3-psycopg2 / python3-sqlalchemy (bench.py imports them)

corm_install_deps
corm_build_install
corm_start_cluster
PGBENCH=$PG_BIN/pgbench
[ -x "$PGBENCH" ] || { echo "no pgbench in $PG_BIN" >&2; exit 1; }

bench_load_dataset "$DB" "$N" "$SIZE"
export PGDATABASE=$DB

# ---- the two scripts: a body (the statement, with :id and :spec) and the
# pgbench script (\set id, then the body).
W=$CORM_TMP/pgbench
mkdir -p "$W"
echo "SELECT corm_get('authors', :id::int, :spec::text)::text;" >"$W/corm.body.sql"
awk -v want="$ANCHOR" '
  /^--[ \t]*name:/ { on = ($0 ~ ("^--[ \t]*name:[ \t]*" want "([ \t]|$)")); next }
  on { line[++k] = $0 }
  END { while (k > 0 && line[k] ~ /^[ \t]*$/) k--; for (i = 1; i <= k; i++) print line[i] }
' "$SHARED/anchors.sql" | sed -E 's/(^|[^:]):(lo|hi)\b/\1:id/g' >"$W/anchor.body.sql"
grep -q ':id' "$W/anchor.body.sql" || { echo "anchor $ANCHOR: no :lo / :hi in its SQL" >&2; exit 1; }
grep -q ';[[:space:]]*$' "$W/anchor.body.sql" || echo ';' >>"$W/anchor.body.sql"
for s in corm anchor; do
  { echo '\set id random(1, :n)'; cat "$W/$s.body.sql"; } >"$W/$s.sql"
done

# ---- the check: the same graph for a spread of ids, in bench.py's canonical form
corm_log "checking that corm and anchor $ANCHOR return the same graph"
"$PY" - "$CORM_ROOT/test/bench" "$W" "$N" "$SPEC" <<'PY'
import json, re, sys
sys.dont_write_bytecode = True
bench_dir, w, n, spec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, bench_dir)
import bench                                      # canon_text / diffs, as bench.py checks W2
import psycopg2

conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
stmts = {}
for body in ("corm", "anchor"):
    # as pgbench -M prepared does: every :var (not ::) becomes the next $n,
    # and the server infers the parameters' types
    with open("%s/%s.body.sql" % (w, body)) as f:
        sql = f.read().strip().rstrip(";")
    names = []
    def param(m):
        names.append(m.group(1))
        return "$%d" % len(names)
    sql = re.sub(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)", param, sql)
    cur.execute("PREPARE %s AS %s" % (body, sql))
    stmts[body] = names

def run(body, i):
    vals = {"id": i, "spec": spec}
    names = stmts[body]
    cur.execute("EXECUTE %s(%s)" % (body, ", ".join(["%s"] * len(names))),
                [vals[nm] for nm in names])
    return cur.fetchone()[0]

ids = sorted({1, n} | {(i * 7919) % n + 1 for i in range(30)})
bad = 0
for i in ids:
    c, a = run("corm", i), run("anchor", i)
    cc, ca = bench.canon_text(c, wrap_object=True), bench.canon_text(a, wrap_object=True)
    g = json.loads(cc)
    if len(g) != 1 or g[0]["id"] != i or not g[0]["books"]:
        bad += 1
        print("id %d: corm returned no author with books: %s" % (i, bench.short(c)), file=sys.stderr)
    elif cc != ca:
        bad += 1
        if bad > 3:
            continue
        print("id %d: corm and the anchor differ:" % i, file=sys.stderr)
        for p, x, y in bench.diffs(json.loads(cc), json.loads(ca)):
            print("  %s: corm = %s | anchor = %s" % (p, bench.short(x), bench.short(y)), file=sys.stderr)
if bad:
    sys.exit("corm and the anchor differ for %d of %d ids: nothing timed" % (bad, len(ids)))
msg = "same graph (canonical form, as bench.py checks W2) for %d ids" % len(ids)
print(msg + ": " + " ".join(map(str, ids)), file=sys.stderr)
with open(w + "/check.txt", "w") as f:
    f.write(msg + "\n")
PY

# ---- pgbench runs
# Server CPU of a run: the user + system time of the backends, which the
# postmaster adds to its cutime / cstime (fields 16 and 17 of /proc/PID/stat)
# when it reaps them.  Unlike tps it hardly depends on what else the machine
# runs, so it is the figure to compare on a shared machine.
PM_PID=$(head -1 "$CORM_TMP/data/postmaster.pid")
TICKS=$(getconf CLK_TCK)
children_cpu() { awk '{ print $16 + $17 }' "/proc/$PM_PID/stat"; }
wait_backends() {   # until the benchmark's backends have exited and been reaped (at most 10 s)
  local i
  for ((i = 0; i < 200; i++)); do
    # shellcheck disable=SC2009  # the state (zombies) as well as the name
    ps --ppid "$PM_PID" -o stat=,args= | grep -Eq "^Z| $DB " || return 0
    sleep 0.05
  done
}

run_pgbench() {   # name tag -T|-t count: one pgbench run, output in $W/<tag>.out, logs $W/<tag>.log.*,
  local name=$1 tag=$2 opt=$3 count=$4   # backends' CPU ticks in $W/<tag>.cpu
  local rc=0 cpu0
  wait_backends
  cpu0=$(children_cpu)
  "$PGBENCH" -n -M prepared -c "$CLIENTS" -j "$THREADS" "$opt" "$count" -D n="$N" -D spec="$SPEC" \
    -f "$W/$name.sql" -l --log-prefix="$W/$tag.log" >"$W/$tag.out" 2>"$W/$tag.err" || rc=$?
  if [ $rc -ne 0 ] || ! grep -q '^tps = ' "$W/$tag.out" \
     || grep -Eq '^number of failed transactions: [1-9]' "$W/$tag.out"; then
    echo "pgbench $name ($tag) failed (exit $rc):" >&2
    cat "$W/$tag.out" "$W/$tag.err" >&2
    exit 1
  fi
  wait_backends
  echo "$(($(children_cpu) - cpu0)) $TICKS" >"$W/$tag.cpu"
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
corm_log "warm-up: ${CLIENTS} clients x 50 transactions each, not counted"
run_pgbench corm warm.corm -t 50
run_pgbench anchor warm.anchor -t 50

for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2)); then order="corm anchor"; else order="anchor corm"; fi
  for name in $order; do
    corm_log "round $r/$ROUNDS: $name, $CLIENTS clients, $THREADS threads, $SECONDS_RUN s"
    run_pgbench "$name" "r$r.$name" -T "$SECONDS_RUN"
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

if [ -n "${PGBENCH_KEEP:-}" ]; then
  mkdir -p "$PGBENCH_KEEP" && cp -r "$W"/. "$PGBENCH_KEEP"/
  corm_log "scripts, pgbench outputs and logs copied to $PGBENCH_KEEP"
fi

# ---- report: tps from pgbench's output, percentiles from the transaction logs
SERVER=$(corm_psql -At -c "SELECT version()" | cut -d' ' -f1-4)
COMMIT=$(git -C "$CORM_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
CPUS=$(nproc)
export B_SIZE=$SIZE B_N=$N B_SERVER=$SERVER B_COMMIT=$COMMIT B_CPUS=$CPUS \
  B_LOAD_START=$LOAD_START B_LOAD_END=$LOAD_END B_CLIENTS=$CLIENTS B_THREADS=$THREADS \
  B_SECONDS=$SECONDS_RUN B_SPEC=$SPEC B_ANCHOR=$ANCHOR
"$PY" - "$W" "$ROUNDS" <<'PY'
import glob, math, os, re, statistics, sys
w, rounds = sys.argv[1], int(sys.argv[2])
e = os.environ
names = ("corm", "anchor")

def tps(tag):
    with open("%s/%s.out" % (w, tag)) as f:
        return float(re.search(r"^tps = ([0-9.]+)", f.read(), re.M).group(1))

def latencies(tag):
    """Elapsed time of every transaction, in ms, from pgbench's -l logs (one
    file per thread; fields: client_id transaction_no time_us script_no
    time_epoch time_us_fraction)."""
    out = []
    for path in glob.glob("%s/%s.log.*" % (w, tag)):
        with open(path) as f:
            for line in f:
                out.append(int(line.split()[2]) / 1000.0)
    if not out:
        sys.exit("no transactions in the logs of %s" % tag)
    out.sort()
    return out

def pct(xs, p):                                   # nearest rank
    return xs[max(0, math.ceil(p / 100.0 * len(xs)) - 1)]

def cpu_ms(tag):
    """The backends' CPU time (user + system) during the run, in ms."""
    with open("%s/%s.cpu" % (w, tag)) as f:
        ticks, hz = map(int, f.read().split())
    return ticks * 1000.0 / hz

res = {nm: [] for nm in names}          # per round: (tps, xacts, mean, p50, p95, p99, CPU ms/xact)
for r in range(1, rounds + 1):
    for nm in names:
        tag = "r%d.%s" % (r, nm)
        lat = latencies(tag)
        res[nm].append((tps(tag), len(lat), statistics.fmean(lat),
                        pct(lat, 50), pct(lat, 95), pct(lat, 99), cpu_ms(tag) / len(lat)))

with open(w + "/check.txt") as f:
    checked = f.read().strip()
print("corm under pgbench: W2 (one author by id with its books, their reviews, publisher and "
      "tags), dataset %s (%s authors)" % (e["B_SIZE"], e["B_N"]))
print("%s (shared_buffers 1GB, work_mem 64MB, jit off), corm commit %s, %s CPUs"
      % (e["B_SERVER"], e["B_COMMIT"], e["B_CPUS"]))
print("load average (1, 5, 15 min) at start %s, at end %s: with %s CPUs, anything above about "
      "1 means other processes competed with the benchmark"
      % (e["B_LOAD_START"], e["B_LOAD_END"], e["B_CPUS"]))
print("pgbench -n -M prepared -c %s -j %s -T %s -D n=%s -D spec=... -l, script: \\set id random(1, :n) "
      "and one statement; %d round(s), order alternating (corm first in odd rounds)"
      % (e["B_CLIENTS"], e["B_THREADS"], e["B_SECONDS"], e["B_N"], rounds))
print("corm:   SELECT corm_get('authors', :id::int, :spec::text)::text, -D spec='%s'"
      % e["B_SPEC"])
print("anchor: the '%s' block of anchors.sql, :lo = :hi = :id" % e["B_ANCHOR"])
print("checked first: " + checked)
print("tps from pgbench (without initial connection time); latencies in ms per transaction, "
      "from the -l logs (nearest rank);")
print("CPU/xact = the backends' user + system CPU time (reaped by the postmaster) over the run, "
      "per transaction, in ms%s" % ("; medians over the rounds" if rounds > 1 else ""))
print()
hdr = "%-8s %10s %10s %9s %9s %9s %9s %10s" % ("", "tps", "xacts", "mean", "p50", "p95", "p99",
                                              "CPU/xact")
print(hdr)
print("-" * len(hdr))
med = {}
for nm in names:
    med[nm] = [statistics.median(c) for c in zip(*res[nm])]
    t, n, m, p50, p95, p99, cpu = med[nm]
    print("%-8s %10.1f %10d %9.3f %9.3f %9.3f %9.3f %10.3f" % (nm, t, n, m, p50, p95, p99, cpu))
print()
ratio = med["corm"][0] / med["anchor"][0]
print("corm tps / anchor tps = %.2f (issue 11 target >= 1.5: %s)"
      % (ratio, "met" if ratio >= 1.5 else "NOT met"))
print("anchor CPU/xact / corm CPU/xact = %.2f (the tps ratio of a CPU-bound server that had the "
      "machine to itself)" % (med["anchor"][6] / med["corm"][6]))
if rounds > 1:
    print("per round, tps corm / anchor = ratio, CPU/xact anchor / corm = ratio: " + "; ".join(
        "%d: %.1f / %.1f = %.2f, %.3f / %.3f = %.2f"
        % (r + 1, res["corm"][r][0], res["anchor"][r][0], res["corm"][r][0] / res["anchor"][r][0],
           res["anchor"][r][6], res["corm"][r][6], res["anchor"][r][6] / res["corm"][r][6])
        for r in range(rounds)))
PY
