#!/usr/bin/python3
"""The backend's private memory peak of one corm_load of the whole W1 graph,
against the size of the JSON it returns, in a fresh backend each time:

  * as the JSON value itself (psycopg2 hands it over unparsed): what the
    server needs for the value corm returns, its output function's string and
    the protocol message;
  * through "::text", as bench.py reads it: json has no binary cast to text,
    so PostgreSQL makes two more copies (json_out's string, then textin's).

Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database holding the benchmark data
with its relationships registered (test/bench/run.sh's corm_bench), and read
access to the backend's /proc (run as root or as the cluster's user).

  test/bench/memory_w1.py [spec] [runs]
"""
import statistics
import sys

import psycopg2
import psycopg2.extras

SPEC = sys.argv[1] if len(sys.argv) > 1 else \
    "books:selectin.reviews:selectin, books.publisher:selectin, books.tags:selectin"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, value = line.split(":", 1)
            if value.strip().endswith("kB"):
                out[key] = int(value.split()[0]) * 1024
    return out


def peak(cast):
    conn = psycopg2.connect("")
    psycopg2.extras.register_default_json(conn, loads=lambda s: s)
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    sql = "SELECT corm_load('authors', %s)" + ("::text" if cast else "")
    cur.execute("SELECT corm_load('authors', %s, \"limit\" => 10)", (SPEC,))   # caches warm
    cur.fetchone()
    before = status(pid)
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")                                        # VmHWM := VmRSS
    cur.execute(sql, (SPEC,))
    size = len(cur.fetchone()[0].encode("utf-8"))
    after = status(pid)
    conn.close()
    private = (after["VmHWM"] - before["VmRSS"]) - (after.get("RssShmem", 0) - before.get("RssShmem", 0))
    return size, private


for cast in (False, True):
    results = [peak(cast) for _ in range(RUNS)]
    size = results[0][0]
    private = statistics.median(r[1] for r in results)
    print("%-32s JSON %6.1f MB, private peak %6.1f MB = %.2f x the JSON (median of %d)"
          % ("corm_load(...)::text" if cast else "corm_load(...)", size / 1e6, private / 1e6,
             private / size, RUNS))
