#!/usr/bin/python3
"""Loading benchmark driver (issue 4); test/bench/run.sh starts it.

Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a running cluster holding the
benchmark data (../shared/bench) with corm installed and the relationships
authors.books, books.reviews, books.publisher, books.tags registered.

Contenders (each measured as client wall time through psycopg2: query,
transfer, and the final JSON text in Python):
  corm <strategy>  corm_load / corm_get with every path under one strategy,
                   and one mix;
  anchor <name>    each block of anchors.sql (`-- name: X`), :lo / :hi bound
                   as query parameters;
  sqlalchemy       SQLAlchemy 1.4 ORM, selectinload on every path, objects
                   serialized with json.dumps;
  prisma join / prisma query / drizzle
                   the ORM peers (with --peers): Prisma 7 under both
                   relationLoadStrategy values and Drizzle ORM's relational
                   queries, run by node/peers.mjs in one node process; their
                   time is measured there (the ORM call until JS objects);
  floor            one `SELECT json_agg(t)::text FROM <table> t` per table
                   (restricted to the graph's rows), summed: a flat export.
Workloads: W1 whole graph, W2 one author by id (1,000 calls per run over one
connection, reported per call), W3 authors 101..200.

First one warm-up pass, whose results are compared in canonical form (keys
sorted, arrays of objects sorted by id): any difference is printed and the
exit status is 1, before any figure.  Then `runs` timed passes, contenders in
round-robin order (rotated every run and, for W2, every chunk of 100 ids).
Then backend memory: growth over 1,000 W2 calls, and the W1 peak.
"""
import argparse
import datetime
import decimal
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings

sys.dont_write_bytecode = True

import psycopg2                                                    # noqa: E402
import sqlalchemy                                                  # noqa: E402
from sqlalchemy import (Column, Date, ForeignKey, Integer, Numeric,  # noqa: E402
                        Table, Text, create_engine)
from sqlalchemy.orm import (Session, aliased, declarative_base,  # noqa: E402
                            relationship, selectinload)

W2_CALLS = 1000
W2_CHUNK = 100
W3_RANGE = (101, 200)
WORKLOADS = ("W1", "W2", "W3")
WORKLOAD_TITLES = {"W1": "W1 whole graph (ms)", "W2": "W2 one author (ms/call)",
                   "W3": "W3 authors 101-200 (ms)", "W4": "W4 top 3 reviews, count, avg (ms)"}
W4_TITLE = ("authors 101..200, their books, each book's 3 most recent reviews, the number of "
            "reviews per book and the average rating")
TABLES = ("authors", "books", "reviews", "publishers", "tags", "book_tags")

now = time.perf_counter


# ---------------------------------------------------------------- contenders

class Contender:
    kind = ""          # corm | anchor | sqlalchemy | floor
    graph = True       # returns the graph (floor: flat rows, checked by counts)

    def __init__(self, name, label):
        self.name, self.label = name, label

    def w1(self):
        raise NotImplementedError

    def w2(self, author_id):
        raise NotImplementedError

    def w3(self):
        raise NotImplementedError

    def timed(self, wl, ids=None):
        """Client wall time in ms of one call of wl (W2: of the calls for ids)."""
        t0 = now()
        if wl == "W2":
            for i in ids:
                self.w2(i)
        elif wl == "W4":
            self.w4()
        else:
            call(self, wl)
        return (now() - t0) * 1000


def corm_spec(strategy):
    s = ":" + strategy
    return "books%s.reviews%s, books.publisher%s, books.tags%s" % (s, s, s, s)


CORM_STRATEGIES = [
    ("corm select", corm_spec("select")),
    ("corm joined", corm_spec("joined")),
    ("corm subquery", corm_spec("subquery")),
    ("corm selectin", corm_spec("selectin")),
    # the mix: collections by batches of keys, the many-to-one in the books statement
    ("corm mix", "books:selectin.reviews:selectin, books.publisher:joined, books.tags:selectin"),
]


class Corm(Contender):
    kind = "corm"

    def __init__(self, name, spec, cur, n):
        super().__init__(name, spec)
        self.spec, self.cur, self.n = spec, cur, n

    def w1(self):
        self.cur.execute("SELECT corm_load('authors', %s)::text", (self.spec,))
        return self.cur.fetchone()[0]

    def w2(self, author_id):
        self.cur.execute("SELECT corm_get('authors', %s, %s)::text", (author_id, self.spec))
        return self.cur.fetchone()[0]

    def w3(self):
        self.cur.execute('SELECT corm_load(\'authors\', %s, "where" => %s)::text',
                         (self.spec, "id BETWEEN %d AND %d" % W3_RANGE))
        return self.cur.fetchone()[0]


def parse_anchors(path):
    """[(name, description, sql with %(lo)s / %(hi)s)] from anchors.sql."""
    blocks, cur = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^--\s*name:\s*(\S+)\s*(.*)$", line)
            if m:
                cur = [m.group(1), m.group(2).strip().strip("()").strip(), []]
                blocks.append(cur)
            elif cur is not None:
                cur[2].append(line)
    out = []
    for name, desc, lines in blocks:
        sql = "".join(lines).strip().rstrip(";").strip()
        if not sql:
            continue
        sql = sql.replace("%", "%%")
        sql = re.sub(r"(?<!:):(lo|hi)\b", r"%(\1)s", sql)
        if "%(lo)s" not in sql or "%(hi)s" not in sql:
            sys.exit("anchor %s: no :lo / :hi in its SQL" % name)
        out.append((name, desc, sql))
    if not out:
        sys.exit("no `-- name:` blocks in %s" % path)
    return out


class Anchor(Contender):
    kind = "anchor"

    def __init__(self, name, desc, sql, cur, n):
        super().__init__("anchor " + name, desc)
        self.sql, self.cur, self.n = sql, cur, n

    def run(self, lo, hi):
        self.cur.execute(self.sql, {"lo": lo, "hi": hi})
        return self.cur.fetchone()[0]

    def w1(self):
        return self.run(1, self.n)

    def w2(self, author_id):
        return self.run(author_id, author_id)

    def w3(self):
        return self.run(*W3_RANGE)


# The flat floor: the graph's rows, one json_agg per table.  On W1 every row of
# authors, books, reviews and book_tags is in the graph (NOT NULL foreign keys
# up to the root), so those are exported whole; publishers and tags only as far
# as books reference them (publishers 1 and 51 are never referenced).
FLOOR_W1 = [
    "SELECT json_agg(t)::text FROM authors t",
    "SELECT json_agg(t)::text FROM books t",
    "SELECT json_agg(t)::text FROM reviews t",
    "SELECT json_agg(t)::text FROM publishers t WHERE t.id IN (SELECT publisher_id FROM books)",
    "SELECT json_agg(t)::text FROM tags t WHERE t.id IN (SELECT tag_id FROM book_tags)",
    "SELECT json_agg(t)::text FROM book_tags t",
]
_BOOKS = "SELECT id FROM books WHERE author_id BETWEEN %(lo)s AND %(hi)s"
FLOOR_RANGE = [
    "SELECT json_agg(t)::text FROM authors t WHERE t.id BETWEEN %(lo)s AND %(hi)s",
    "SELECT json_agg(t)::text FROM books t WHERE t.author_id BETWEEN %(lo)s AND %(hi)s",
    "SELECT json_agg(t)::text FROM reviews t WHERE t.book_id IN (" + _BOOKS + ")",
    "SELECT json_agg(t)::text FROM publishers t WHERE t.id IN"
    " (SELECT publisher_id FROM books WHERE author_id BETWEEN %(lo)s AND %(hi)s)",
    "SELECT json_agg(t)::text FROM tags t WHERE t.id IN (SELECT bt.tag_id FROM book_tags bt"
    " JOIN books b ON b.id = bt.book_id WHERE b.author_id BETWEEN %(lo)s AND %(hi)s)",
    "SELECT json_agg(t)::text FROM book_tags t WHERE t.book_id IN (" + _BOOKS + ")",
]


class Floor(Contender):
    kind = "floor"
    graph = False

    def __init__(self, cur, n):
        super().__init__("floor (flat)", "one json_agg(t) per table, summed")
        self.cur, self.n = cur, n

    def _all(self, sqls, params):
        out = []
        for q in sqls:
            self.cur.execute(q, params)
            out.append(self.cur.fetchone()[0])
        return out

    def w1(self):
        return self._all(FLOOR_W1, None)

    def w2(self, author_id):
        return self._all(FLOOR_RANGE, {"lo": author_id, "hi": author_id})

    def w3(self):
        return self._all(FLOOR_RANGE, {"lo": W3_RANGE[0], "hi": W3_RANGE[1]})


# SQLAlchemy 1.4 mapping of the benchmark schema (../shared/bench/schema.sql).
Base = declarative_base()

book_tags = Table(
    "book_tags", Base.metadata,
    Column("book_id", Integer, ForeignKey("books.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id"), primary_key=True),
)


class Publisher(Base):
    __tablename__ = "publishers"
    id = Column(Integer, primary_key=True)
    name = Column(Text)


class Author(Base):
    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    name = Column(Text)
    born = Column(Date)
    books = relationship("Book")


class Book(Base):
    __tablename__ = "books"
    id = Column(Integer, primary_key=True)
    title = Column(Text)
    author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)
    publisher_id = Column(Integer, ForeignKey("publishers.id"))
    published = Column(Date)
    price = Column(Numeric(8, 2))
    reviews = relationship("Review")
    publisher = relationship("Publisher")
    tags = relationship("Tag", secondary=book_tags)


class Review(Base):
    __tablename__ = "reviews"
    id = Column(Integer, primary_key=True)
    book_id = Column(Integer, ForeignKey("books.id"), nullable=False)
    rating = Column(Integer)
    body = Column(Text)


class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)
    name = Column(Text)


SA_OPTIONS = (
    selectinload(Author.books).selectinload(Book.reviews),
    selectinload(Author.books).selectinload(Book.publisher),
    selectinload(Author.books).selectinload(Book.tags),
)


def _json_default(v):
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return float(v)
    raise TypeError("not JSON serializable: %r" % (v,))


# Same shape as corm: columns in table order, then relationships (alphabetical).
def sa_author(a):
    return {"id": a.id, "name": a.name, "born": a.born,
            "books": [sa_book(b) for b in a.books]}


def sa_book(b):
    p = b.publisher
    return {"id": b.id, "title": b.title, "author_id": b.author_id,
            "publisher_id": b.publisher_id, "published": b.published, "price": b.price,
            "publisher": None if p is None else {"id": p.id, "name": p.name},
            "reviews": [{"id": r.id, "book_id": r.book_id, "rating": r.rating, "body": r.body}
                        for r in b.reviews],
            "tags": [{"id": t.id, "name": t.name} for t in b.tags]}


class SQLAlchemy(Contender):
    kind = "sqlalchemy"

    def __init__(self, engine, n):
        super().__init__("sqlalchemy", "1.4 ORM, selectinload on every path, json.dumps")
        self.engine, self.n = engine, n

    def _many(self, lo=None, hi=None):
        with Session(self.engine) as s:
            q = s.query(Author).options(*SA_OPTIONS)
            if lo is not None:
                q = q.filter(Author.id.between(lo, hi))
            authors = q.order_by(Author.id).all()
            return json.dumps([sa_author(a) for a in authors], default=_json_default)

    def w1(self):
        return self._many()

    def w2(self, author_id):
        with Session(self.engine) as s:
            a = s.get(Author, author_id, options=SA_OPTIONS)
            return json.dumps(None if a is None else sa_author(a), default=_json_default)

    def w3(self):
        return self._many(*W3_RANGE)


# ---------------------------------------------------------------- W4
# W4: the authors 101..200, their books (by id), each book's 3 most recent
# reviews, the number of reviews per book and the average rating.  reviews has
# no timestamp: "most recent" = highest review id (order_by "id DESC").

def w4_spec(books, reviews=None, aggregates=None):
    """The jsonb load spec of W4: books under one strategy, the top 3 reviews
    and the two aggregates under theirs (default: the books' strategy)."""
    reviews = reviews or books
    aggregates = aggregates or books
    return json.dumps({"books": {"strategy": books, "load": {
        "reviews": {"strategy": reviews, "order_by": "id DESC", "limit": 3},
        "n_reviews": {"relationship": "reviews", "strategy": aggregates, "count": True},
        "avg_rating": {"relationship": "reviews", "strategy": aggregates, "avg": "rating"}}}})


CORM_W4_STRATEGIES = [
    ("corm select", w4_spec("select")),
    ("corm joined", w4_spec("joined")),
    ("corm subquery", w4_spec("subquery")),
    ("corm selectin", w4_spec("selectin")),
    # the mix: books and their top 3 reviews by batches of keys, the count and
    # the average in the books statement
    ("corm mix", w4_spec("selectin", "selectin", "joined")),
]


class CormW4(Contender):
    kind = "corm"

    def __init__(self, name, spec, cur):
        super().__init__(name, spec)
        self.spec, self.cur = spec, cur

    def w4(self):
        self.cur.execute('SELECT corm_load(\'authors\', %s::jsonb, "where" => %s)::text',
                         (self.spec, "id BETWEEN %d AND %d" % W3_RANGE))
        return self.cur.fetchone()[0]


class AnchorW4(Anchor):
    def w4(self):
        return self.run(*W3_RANGE)


def sa_review(r):
    return {"id": r.id, "book_id": r.book_id, "rating": r.rating, "body": r.body}


def sa_book_w4(b, top, n, avg):
    return {"id": b.id, "title": b.title, "author_id": b.author_id,
            "publisher_id": b.publisher_id, "published": b.published, "price": b.price,
            "avg_rating": avg, "n_reviews": n, "reviews": [sa_review(r) for r in top]}


class SQLAlchemyW4(Contender):
    """W4 through the ORM, two ways:
    python   selectinload of books and of all their reviews; top 3, count and
             average computed in Python;
    grouped  selectinload of books, then one query for the top 3 reviews per book
             (row_number() OVER (PARTITION BY book_id ORDER BY id DESC) <= 3)
             and one func.count / func.avg query grouped by book_id, both over
             the books loaded (IN)."""
    kind = "sqlalchemy"

    def __init__(self, engine, how):
        super().__init__("sqlalchemy " + how,
                         {"python": "1.4 ORM, selectinload books and reviews, top 3 / count / "
                                    "avg in Python, json.dumps",
                          "grouped": "1.4 ORM, selectinload books, top 3 by row_number() and "
                                     "func.count / func.avg GROUP BY book_id, json.dumps"}[how])
        self.engine, self.how = engine, how

    def w4(self):
        with Session(self.engine) as s:
            q = s.query(Author).filter(Author.id.between(*W3_RANGE)).order_by(Author.id)
            if self.how == "python":
                authors = q.options(selectinload(Author.books).selectinload(Book.reviews)).all()

                def book(b):
                    rs = b.reviews
                    n = len(rs)
                    avg = (decimal.Decimal(sum(r.rating for r in rs if r.rating is not None))
                           / sum(1 for r in rs if r.rating is not None)
                           if any(r.rating is not None for r in rs) else None)
                    top = sorted(rs, key=lambda r: r.id, reverse=True)[:3]
                    return sa_book_w4(b, top, n, avg)
            else:
                authors = q.options(selectinload(Author.books)).all()
                book_ids = [b.id for a in authors for b in a.books]
                ranked = (s.query(Review, sqlalchemy.func.row_number().over(
                              partition_by=Review.book_id, order_by=Review.id.desc())
                              .label("rn"))
                          .filter(Review.book_id.in_(book_ids)).subquery())
                top_q = aliased(Review, ranked)
                top = {}
                for r in (s.query(top_q).filter(ranked.c.rn <= 3)
                          .order_by(top_q.book_id, top_q.id.desc())):
                    top.setdefault(r.book_id, []).append(r)
                stats = {bid: (n, avg) for bid, n, avg in
                         s.query(Review.book_id, sqlalchemy.func.count(),
                                 sqlalchemy.func.avg(Review.rating))
                         .filter(Review.book_id.in_(book_ids)).group_by(Review.book_id)}

                def book(b):
                    n, avg = stats.get(b.id, (0, None))
                    return sa_book_w4(b, top.get(b.id, []), n, avg)
            return json.dumps([{"id": a.id, "name": a.name, "born": a.born,
                                "books": [book(b) for b in sorted(a.books, key=lambda b: b.id)]}
                               for a in authors], default=_json_default)


# ---------------------------------------------------------------- ORM peers
# Prisma 7 and Drizzle ORM, run by node/peers.mjs in one node process that
# this script starts and sends one request per line (see peers.mjs).  The time
# of a call is measured in node: the ORM call until its result is JS objects.

class PeerProcess:
    def __init__(self, appdir):
        self.proc = subprocess.Popen(["node", "peers.mjs"], cwd=appdir, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("node peers.mjs exited before answering (exit status %s)" % self.proc.wait())
        self.hello = json.loads(line)

    def request(self, **req):
        """(ms, JSON text or None) of one request."""
        self.proc.stdin.write((json.dumps(req) + "\n").encode())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("node peers.mjs exited (status %s) on %r" % (self.proc.wait(), req))
        head = json.loads(line)
        if "error" in head:
            sys.exit("node peers.mjs, %s %s: %s" % (req.get("peer"), req.get("wl"), head["error"]))
        text = None
        if req.get("json"):
            data = self.proc.stdout.read(head["bytes"] + 1)
            text = data[:-1].decode("utf-8")
        return head["ms"], text

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


class Peer(Contender):
    """One ORM peer of peers.mjs (prisma join, prisma query, drizzle)."""
    kind = "peer"

    def __init__(self, name, label, proc):
        super().__init__(name, label)
        self.proc = proc

    def _req(self, wl, want_json, ids=None):
        req = {"peer": self.name, "wl": wl, "json": want_json}
        if wl == "W2":
            req["ids"] = ids
        elif wl in ("W3", "W4"):
            req["lo"], req["hi"] = W3_RANGE
        return self.proc.request(**req)

    def w1(self):
        return self._req("W1", True)[1]

    def w2(self, author_id):
        text = self._req("W2", True, [author_id])[1]
        return None if text == "null" else text     # no such author: NULL, as corm_get

    def w3(self):
        return self._req("W3", True)[1]

    def w4(self):
        return self._req("W4", True)[1]

    def timed(self, wl, ids=None):
        return self._req(wl, False, ids)[0]


# ---------------------------------------------------------- corm_load_rows
# W1 again, through corm_load_rows: one root object per row, read by the client
# through a server-side (named) cursor, so neither the backend nor the client
# holds the whole result.

STREAM_FETCH = 1000     # rows per FETCH (the named cursor's itersize)
STREAM_CONTENDER = "corm mix"   # its W1 spec, and the corm_load it is compared with


def stream_rows(conn, spec, keep=False):
    """corm_load_rows('authors', spec) through a named cursor on conn (not in
    autocommit).  keep: the rows' texts (for the check); else only their bytes."""
    cur = conn.cursor(name="corm_rows")
    cur.itersize = STREAM_FETCH
    cur.execute("SELECT r::text FROM corm_load_rows('authors', %s) r", (spec,))
    rows, size, count = [], 0, 0
    for (row,) in cur:
        count += 1
        size += len(row)
        if keep:
            rows.append(row)
    cur.close()
    conn.commit()
    return rows if keep else (count, size)


def call(c, wl, arg=None):
    if wl == "W1":
        return c.w1()
    if wl == "W2":
        return c.w2(arg)
    return c.w3()


# ----------------------------------------------------------- canonical form

def canon(x):
    if isinstance(x, float) and x.is_integer():
        return int(x)   # 23.00 (numeric), 23.0 (json.dumps of a float) and 23 (JavaScript) alike
    if isinstance(x, dict):
        return {k: canon(v) for k, v in x.items()}
    if isinstance(x, list):
        items = [canon(v) for v in x]
        if items and all(isinstance(v, dict) and "id" in v for v in items):
            ids = [v["id"] for v in items]
            if len(set(map(repr, ids))) == len(ids):
                items.sort(key=lambda v: (str(type(v["id"])), v["id"]))
            else:   # duplicate ids: order ties by their whole content
                items.sort(key=lambda v: (str(type(v["id"])), v["id"],
                                          json.dumps(v, sort_keys=True)))
        return items
    return x


def canon_text(text, wrap_object=False):
    """Canonical JSON text: keys sorted, arrays of objects sorted by id,
    numbers compared as numbers (integral ones written as integers); with
    wrap_object a single object (or null) becomes a one-element (or empty)
    array, as the anchors return it."""
    if text is None:
        return "NULL"
    v = json.loads(text, parse_float=float)
    if wrap_object:
        if v is None:
            v = []
        elif isinstance(v, dict):
            v = [v]
    return json.dumps(canon(v), sort_keys=True, separators=(",", ":"))


def diffs(a, b, path="$", out=None, limit=12):
    """Differences between two canonical values: [(path, a, b)]."""
    if out is None:
        out = []
    if len(out) >= limit:
        return out
    if type(a) is not type(b):
        out.append((path, a, b))
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append((path + "." + k, "<missing>", b[k]))
            elif k not in b:
                out.append((path + "." + k, a[k], "<missing>"))
            else:
                diffs(a[k], b[k], path + "." + k, out, limit)
            if len(out) >= limit:
                break
    elif isinstance(a, list):
        by_id = (all(isinstance(v, dict) and "id" in v for v in a + b) and a + b)
        if by_id:
            ia = {repr(v["id"]): v for v in a}
            ib = {repr(v["id"]): v for v in b}
            for k in ia.keys() - ib.keys():
                out.append(("%s[id=%s]" % (path, k), ia[k], "<missing>"))
            for k in ib.keys() - ia.keys():
                out.append(("%s[id=%s]" % (path, k), "<missing>", ib[k]))
            for k in ia.keys() & ib.keys():
                if len(out) >= limit:
                    break
                diffs(ia[k], ib[k], "%s[id=%s]" % (path, k), out, limit)
        else:
            if len(a) != len(b):
                out.append((path + ".length", len(a), len(b)))
            for i, (x, y) in enumerate(zip(a, b)):
                if len(out) >= limit:
                    break
                diffs(x, y, "%s[%d]" % (path, i), out, limit)
    elif a != b:
        out.append((path, a, b))
    return out


def short(v, width=160):
    s = v if isinstance(v, str) else json.dumps(v, sort_keys=True)
    return s if len(s) <= width else s[:width] + "..."


def graph_counts(canonical):
    """Rows per table in a canonical graph (array of authors)."""
    g = json.loads(canonical)
    c = dict.fromkeys(TABLES, 0)
    pubs, tags = set(), set()
    c["authors"] = len(g)
    for a in g:
        c["books"] += len(a["books"])
        for b in a["books"]:
            c["reviews"] += len(b["reviews"])
            c["book_tags"] += len(b["tags"])
            if b["publisher"] is not None:
                pubs.add(b["publisher"]["id"])
            tags.update(t["id"] for t in b["tags"])
    c["publishers"], c["tags"] = len(pubs), len(tags)
    return c


def floor_counts(texts):
    return {t: (0 if x is None else len(json.loads(x))) for t, x in zip(TABLES, texts)}


# ------------------------------------------------------------------ checking

class Checker:
    """Compares every contender's result with the reference (the first graph
    contender) in canonical form; corm strategies also byte for byte."""

    def __init__(self):
        self.failures = []
        self.checked = {}

    def fail(self, what, detail):
        self.failures.append((what, detail))

    def compare(self, wl, key, results):
        """results: [(contender, output)] for one call (W1, one W2 id, W3)."""
        wrap = wl == "W2"
        ref_c, ref_canon = None, None
        corm_c, corm_text = None, None
        for c, out in results:
            if not c.graph:
                continue
            can = canon_text(out, wrap_object=wrap)
            if ref_c is None:
                ref_c, ref_canon = c, can
            elif can != ref_canon:
                d = diffs(json.loads(ref_canon), json.loads(can))
                self.fail("%s %s: %s differs from %s" % (wl, key, c.name, ref_c.name),
                          ["%s: %s = %s | %s = %s" % (p, ref_c.name, short(x), c.name, short(y))
                           for p, x, y in d] or ["(same values, different canonical text)"])
            if c.kind == "corm":
                if corm_c is None:
                    corm_c, corm_text = c, out
                elif out != corm_text:
                    self.fail("%s %s: %s JSON text is not byte-identical to %s"
                              % (wl, key, c.name, corm_c.name),
                              ["%d vs %d bytes; first difference at byte %d: ...%s... vs ...%s..."
                               % ((len(corm_text or ""), len(out or ""))
                                  + first_diff(corm_text or "", out or ""))])
        for c, out in results:
            if c.graph or ref_canon is None:
                continue
            want = graph_counts(ref_canon)
            got = floor_counts(out)
            if want != got:
                self.fail("%s %s: %s exports other rows than the graph holds" % (wl, key, c.name),
                          ["%s: graph %d, floor %d" % (t, want[t], got[t])
                           for t in TABLES if want[t] != got[t]])
        self.checked[wl] = self.checked.get(wl, 0) + 1
        return ref_canon


def compact(text):
    """The JSON text without the whitespace outside strings (json_build_object
    and json_agg write ' : ' and ', '; corm writes none)."""
    return re.sub(r'("(?:[^"\\]|\\.)*")|\s+', lambda m: m.group(1) or "", text)


def ordered(text):
    """Parsed JSON keeping key order and array order, numbers as exact
    decimals (2.0 == 2.0000000000000000, as numbers)."""
    return json.loads(text, object_pairs_hook=lambda pairs: ("{}", pairs),
                      parse_float=decimal.Decimal, parse_int=decimal.Decimal)


def compare_exact(chk, wl, key, results):
    """Beyond the canonical form: every SQL contender returns corm's JSON text
    up to whitespace (key order, array order, number text); the others the same
    keys in the same order and the same arrays in the same order, numbers
    compared as numbers.  results: [(contender, output)], the first one corm's."""
    ref_c, ref = results[0]
    ref_o = ordered(ref)
    for c, out in results[1:]:
        if c.kind in ("corm", "anchor"):
            got = compact(out)
            if got != ref:
                chk.fail("%s %s: %s JSON text differs from %s (whitespace aside)"
                         % (wl, key, c.name, ref_c.name),
                         ["%d vs %d bytes; first difference at byte %d: ...%s... vs ...%s..."
                          % ((len(ref), len(got)) + first_diff(ref, got))])
        elif ordered(out) != ref_o:
            chk.fail("%s %s: %s: other key order, array order or numbers than %s"
                     % (wl, key, c.name, ref_c.name),
                     ["%s: %s..." % (c.name, short(out, 400)),
                      "%s: %s..." % (ref_c.name, short(ref, 400))])


def first_diff(a, b):
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return i, a[max(0, i - 40):i + 40], b[max(0, i - 40):i + 40]


# ------------------------------------------------------------------ memory

def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "n/a"


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if v.strip().endswith("kB"):
                out[k] = int(v.split()[0]) * 1024
    return out


def reset_hwm(pid):
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs)."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def ctx_bytes(cur):
    cur.execute("SELECT sum(total_bytes)::bigint FROM pg_backend_memory_contexts")
    return cur.fetchone()[0]


def fresh(connect):
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    return conn, cur, cur.fetchone()[0]


# Statements that read every heap tuple and every index leaf page of the
# benchmark tables with constant memory, so that the shared buffers they live
# in are mapped into the backend before the W1 peak is measured.
TOUCH = ["SELECT sum(length(t::text)) FROM %s t" % t for t in TABLES] + [
    "SET enable_seqscan = off", "SET enable_bitmapscan = off",
    "SELECT count(*) FROM authors WHERE id > 0",
    "SELECT count(*) FROM books WHERE id > 0",
    "SELECT count(*) FROM books WHERE author_id > 0",
    "SELECT count(*) FROM books WHERE publisher_id > 0",
    "SELECT count(*) FROM reviews WHERE book_id > 0",
    "SELECT count(*) FROM publishers WHERE id > 0",
    "SELECT count(*) FROM tags WHERE id > 0",
    "SELECT count(*) FROM book_tags WHERE book_id > 0",
    "SELECT count(*) FROM book_tags WHERE tag_id > 0",
    "RESET enable_seqscan", "RESET enable_bitmapscan",
]


def memory(contenders, connect, ids, n):
    w2_rows, w1_rows = [], []
    for proto in contenders:
        if proto.kind not in ("corm", "anchor"):
            continue
        # W2: growth over W2_CALLS calls after one warm-up call
        conn, cur, pid = fresh(connect)
        c = clone(proto, cur, n)
        c.w2(ids[0])
        ctx0, st0 = ctx_bytes(cur), proc_status(pid)
        for i in ids:
            c.w2(i)
        ctx1, st1 = ctx_bytes(cur), proc_status(pid)
        conn.close()
        w2_rows.append((c.name, ctx0, ctx1, st1["RssAnon"] - st0["RssAnon"]))
        # W1 peak: first call in a fresh backend
        conn, cur, pid = fresh(connect)
        c = clone(proto, cur, n)
        for q in TOUCH:
            cur.execute(q)
        st0 = proc_status(pid)
        ok = reset_hwm(pid)
        out = c.w1()
        st1 = proc_status(pid)
        conn.close()
        size = len(out.encode("utf-8"))
        if ok:
            peak = st1["VmHWM"] - st0["VmRSS"]
            shm = st1.get("RssShmem", 0) - st0.get("RssShmem", 0)
            w1_rows.append((c.name, size, peak, shm, peak - shm))
        else:
            w1_rows.append((c.name, size, None, None, None))
    return w2_rows, w1_rows


STREAM_LOW_WORK_MEM = "4MB"     # the second peak: how much of the first is work_mem


def memory_stream(spec, work_mem=None):
    """The W1 peak (as memory() measures it) of corm_load_rows read through a
    named cursor, in a fresh backend (with work_mem: SET in that session):
    (peak, of it RssShmem, private peak)."""
    conn = psycopg2.connect("")
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    if work_mem:
        cur.execute("SET work_mem = %s", (work_mem,))
    for q in TOUCH:
        cur.execute(q)
    conn.commit()
    st0 = proc_status(pid)
    ok = reset_hwm(pid)
    stream_rows(conn, spec)
    st1 = proc_status(pid)
    conn.close()
    if not ok:
        return None, None, None
    peak = st1["VmHWM"] - st0["VmRSS"]
    shm = st1.get("RssShmem", 0) - st0.get("RssShmem", 0)
    return peak, shm, peak - shm


def clone(proto, cur, n):
    if proto.kind == "corm":
        return Corm(proto.name, proto.spec, cur, n)
    return Anchor(proto.name[len("anchor "):], proto.label, proto.sql, cur, n)


# ------------------------------------------------------------------ output

def fmt_ms(v):
    if v is None:
        return "-"
    if v < 10:
        return "%.3f" % v
    if v < 100:
        return "%.2f" % v
    if v < 1000:
        return "%.1f" % v
    return "%.0f" % v


def mb(v):
    return "n/a" if v is None else "%.1f MB" % (v / 1048576.0)


def kb(v):
    return "%+d kB" % round(v / 1024.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="S")
    ap.add_argument("--n", type=int, required=True, help="authors in the data set")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--anchors", required=True)
    ap.add_argument("--sa-w1-runs", type=int, default=None,
                    help="timed runs of SQLAlchemy and the ORM peers on W1 (default: --runs)")
    ap.add_argument("--peers", metavar="APPDIR", default=None,
                    help="run the ORM peers (Prisma, Drizzle): node peers.mjs in APPDIR, made "
                    "by node/install.sh")
    ap.add_argument("--peers-skipped", metavar="WHY", default=None,
                    help="no --peers: say why in the report")
    ap.add_argument("--w4-anchors", default=os.path.join(os.path.dirname(os.path.abspath(
        __file__)), "w4_anchors.sql"), help="the hand-written SQL of W4 (default: "
                    "w4_anchors.sql next to bench.py)")
    ap.add_argument("--commit", default="unknown")
    args = ap.parse_args()
    n, runs = args.n, args.runs
    sa_w1_runs = runs if args.sa_w1_runs is None else max(1, min(args.sa_w1_runs, runs))
    warnings.simplefilter("ignore", category=sqlalchemy.exc.SAWarning)

    def connect():
        conn = psycopg2.connect("")
        conn.autocommit = True
        return conn

    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT current_setting('server_version'), "
                "(SELECT extversion FROM pg_extension WHERE extname = 'corm'), "
                "current_setting('shared_buffers'), current_setting('work_mem'), "
                "current_setting('jit')")
    server_version, corm_version, sb, wm, jit = cur.fetchone()
    counts = {}
    for t in TABLES:
        cur.execute("SELECT count(*) FROM %s" % t)
        counts[t] = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM authors WHERE id BETWEEN %s AND %s", W3_RANGE)
    w3_authors = cur.fetchone()[0]
    if counts["authors"] != n or w3_authors != W3_RANGE[1] - W3_RANGE[0] + 1:
        sys.exit("unexpected data: %d authors (want %d), %d in W3's range"
                 % (counts["authors"], n, w3_authors))

    engine = create_engine("postgresql+psycopg2://", creator=lambda: psycopg2.connect(""),
                           pool_size=1, max_overflow=0)
    anchors = [Anchor(name, desc, sql, cur, n) for name, desc, sql in parse_anchors(args.anchors)]
    peers, peers4, peer_proc = [], [], None
    if args.peers:
        peer_proc = PeerProcess(args.peers)
        for p in peer_proc.hello["peers"]:
            if set(WORKLOADS) <= set(p["workloads"]):
                peers.append(Peer(p["name"], p["label"], peer_proc))
            if "W4" in p["workloads"]:
                peers4.append(Peer(p["name"], p["label4"], peer_proc))
    contenders = ([Corm(name, spec, cur, n) for name, spec in CORM_STRATEGIES] + anchors
                  + [SQLAlchemy(engine, n)] + peers + [Floor(cur, n)])
    anchors4 = [AnchorW4(name, desc, sql, cur, n)
                for name, desc, sql in parse_anchors(args.w4_anchors)]
    contenders4 = ([CormW4(name, spec, cur) for name, spec in CORM_W4_STRATEGIES] + anchors4
                   + [SQLAlchemyW4(engine, "python"), SQLAlchemyW4(engine, "grouped")] + peers4)
    # corm_load_rows: its own connection, in a transaction (a named cursor)
    stream_name, stream_spec = STREAM_CONTENDER, dict(CORM_STRATEGIES)[STREAM_CONTENDER]
    sconn = psycopg2.connect("")
    # W2: a deterministic spread of ids (a permutation of 1..n when n <= 7919 * k ...)
    ids = [(i * 7919) % n + 1 for i in range(min(W2_CALLS, n))]
    chunks = [ids[i:i + W2_CHUNK] for i in range(0, len(ids), W2_CHUNK)]

    started = now()
    load_start = loadavg()

    def log(msg):
        print("[%4.0f s] %s" % (now() - started, msg), file=sys.stderr, flush=True)

    # ---- warm-up pass, doubling as the correctness check
    log("warm-up and check: W1")
    chk = Checker()
    sizes = {}
    w1_out = [(c, c.w1()) for c in contenders]
    ref = chk.compare("W1", "all authors", w1_out)
    sizes["W1"] = len(ref)
    log("warm-up and check: corm_load_rows on W1 (%s)" % stream_name)
    w1_corm = next(out for c, out in w1_out if c.name == stream_name)
    rows = stream_rows(sconn, stream_spec, keep=True)
    stream_count, stream_bytes = len(rows), sum(len(r) for r in rows)
    if "[" + ",".join(rows) + "]" != w1_corm:
        joined = "[" + ",".join(rows) + "]"
        chk.fail("W1 all authors: corm_load_rows' rows, joined by ',' in [], are not "
                 "byte-identical to corm_load's array (%s)" % stream_name,
                 ["%d rows; %d vs %d bytes; first difference at byte %d: ...%s... vs ...%s..."
                  % ((len(rows), len(w1_corm), len(joined)) + first_diff(w1_corm, joined))])
    del rows, w1_out, w1_corm
    log("warm-up and check: W3")
    ref = chk.compare("W3", "authors %d..%d" % W3_RANGE, [(c, c.w3()) for c in contenders])
    sizes["W3"] = len(ref)
    log("warm-up and check: W2 (%d ids)" % len(ids))
    w2_sizes = []
    for i in ids:
        ref = chk.compare("W2", "id %d" % i, [(c, c.w2(i)) for c in contenders])
        w2_sizes.append(len(ref))
    sizes["W2"] = statistics.mean(w2_sizes)
    log("warm-up and check: W4")
    w4_out = [(c, c.w4()) for c in contenders4]
    ref = chk.compare("W4", "authors %d..%d" % W3_RANGE, w4_out)
    compare_exact(chk, "W4", "authors %d..%d" % W3_RANGE, w4_out)
    sizes["W4"] = len(ref)
    del w4_out
    if chk.failures:
        print("CORRECTNESS CHECK FAILED: the contenders do not return the same graph "
              "(canonical form: keys sorted, arrays of objects sorted by id)\n")
        for what, detail in chk.failures[:40]:
            print("* " + what)
            for line in detail:
                print("    " + line)
        if len(chk.failures) > 40:
            print("... and %d more" % (len(chk.failures) - 40))
        return 1
    log("check passed: every contender returns the same graph on W1, W3, W4 and %d W2 ids; "
        "corm_load_rows the same objects as corm_load on W1" % len(ids))

    # ---- timed runs, round-robin
    times = {c.name: {w: [] for w in WORKLOADS} for c in contenders}
    times4 = {c.name: [] for c in contenders4}
    times_stream = []
    for r in range(runs):
        log("run %d/%d" % (r + 1, runs))
        k = r % len(contenders)
        order = contenders[k:] + contenders[:k]
        for c in order:
            if c.kind in ("sqlalchemy", "peer") and r >= sa_w1_runs:
                continue
            times[c.name]["W1"].append(c.timed("W1"))
        acc = dict.fromkeys((c.name for c in contenders), 0.0)
        for j, chunk in enumerate(chunks):
            k = (r + j) % len(contenders)
            for c in contenders[k:] + contenders[:k]:
                acc[c.name] += c.timed("W2", chunk)
        for c in contenders:
            times[c.name]["W2"].append(acc[c.name] / len(ids))
        for c in reversed(order):
            times[c.name]["W3"].append(c.timed("W3"))
        k = r % len(contenders4)
        for c in contenders4[k:] + contenders4[:k]:
            times4[c.name].append(c.timed("W4"))
        t0 = now()
        stream_rows(sconn, stream_spec)
        times_stream.append((now() - t0) * 1000)

    # ---- statements per corm call (corm_explain)
    stmts = {}
    for name, spec in CORM_STRATEGIES:
        cur.execute('SELECT count(*) FROM corm_explain(\'authors\', %s, "where" => %s)',
                    (spec, "id = %d" % ids[0]))
        w2n = cur.fetchone()[0]
        cur.execute('SELECT count(*) FROM corm_explain(\'authors\', %s, "where" => %s)',
                    (spec, "id BETWEEN %d AND %d" % W3_RANGE))
        stmts[name] = (w2n, cur.fetchone()[0])
    stmts4 = {}
    for name, spec in CORM_W4_STRATEGIES:
        cur.execute('SELECT count(*) FROM corm_explain(\'authors\', %s::jsonb, "where" => %s)',
                    (spec, "id BETWEEN %d AND %d" % W3_RANGE))
        stmts4[name] = cur.fetchone()[0]

    log("memory")
    w2_mem, w1_mem = memory(contenders, connect, ids, n)
    stream_mem = memory_stream(stream_spec)
    stream_mem_low = memory_stream(stream_spec, STREAM_LOW_WORK_MEM)

    # ---- report
    med = {c.name: {w: statistics.median(times[c.name][w]) for w in WORKLOADS} for c in contenders}
    best = {}
    for w in WORKLOADS:
        a = min(anchors, key=lambda c: med[c.name][w])
        best[w] = (a.name, med[a.name][w])

    print("corm loading benchmark, dataset %s: %d authors, %d books, %d reviews, %d publishers, "
          "%d tags, %d book_tags" % (args.size, counts["authors"], counts["books"],
                                     counts["reviews"], counts["publishers"], counts["tags"],
                                     counts["book_tags"]))
    print("PostgreSQL %s (shared_buffers %s, work_mem %s, jit %s), corm %s (commit %s), "
          "Python %s, SQLAlchemy %s, psycopg2 %s, %d CPUs"
          % (server_version, sb, wm, jit, corm_version, args.commit, platform.python_version(),
             sqlalchemy.__version__, psycopg2.__version__.split()[0], os.cpu_count()))
    print("Load average (1, 5, 15 min) at start %s, at end %s: with %d CPUs, anything above "
          "about 1 means other processes competed with the benchmark."
          % (load_start, loadavg(), os.cpu_count()))
    if peer_proc:
        h = peer_proc.hello
        print("ORM peers: node %s, Prisma %s (@prisma/client %s, @prisma/adapter-pg %s), "
              "Drizzle ORM %s, pg %s" % (h["node"], h["versions"]["prisma"],
                                         h["versions"]["@prisma/client"],
                                         h["versions"]["@prisma/adapter-pg"],
                                         h["versions"]["drizzle-orm"], h["versions"]["pg"]))
    elif args.peers_skipped:
        print("ORM peers (Prisma, Drizzle) not run: %s" % args.peers_skipped)
    print("Client wall time per call through psycopg2 (query + transfer + final JSON text in "
          "Python), in ms.")
    if peer_proc:
        print("The ORM peers' time is measured in node: the ORM call until its result is JS objects "
              "(one pg connection each; JSON.stringify not included).")
    print("%d timed run(s) per cell after one warm-up, contenders alternating round-robin; "
          "median [min - max] over the runs;" % runs)
    print("W2 = mean per call over %d calls (ids (i * 7919) %% n + 1) in each run; "
          "x best = median / the best anchor's median." % len(ids))
    print("Checked before timing: every contender returns the same graph (canonical form) on W1, "
          "W3 and all %d W2 ids;" % len(ids))
    print("the corm strategies return byte-identical JSON; the floor exports exactly the "
          "graph's rows.")
    print()
    namew = max(len(c.name) for c in contenders) + 1
    cellw = 31
    head = "%-*s" % (namew, "contender")
    sub = " " * namew
    for w in WORKLOADS:
        head += "| %-*s" % (cellw, WORKLOAD_TITLES[w])
        sub += "| %-*s" % (cellw, "median [min - max]    x best")
    print(head)
    print(sub)
    print("-" * len(head))
    notes = []
    for c in contenders:
        line = "%-*s" % (namew, c.name)
        for w in WORKLOADS:
            ts = times[c.name][w]
            m = med[c.name][w]
            mark = ""
            if len(ts) != runs:
                mark = "*"
                notes.append("* %s %s: %d timed run(s) only (--sa-w1-runs / BENCH_SA_W1_RUNS)"
                             % (c.name, w, len(ts)))
            cell = "%s [%s - %s]%s" % (fmt_ms(m), fmt_ms(min(ts)), fmt_ms(max(ts)), mark)
            line += "| %-22s %6.2fx " % (cell, m / best[w][1])
        print(line)
    print()
    for note in notes:
        print(note)
    print()
    med4 = {c.name: statistics.median(times4[c.name]) for c in contenders4}
    a4 = min(anchors4, key=lambda c: med4[c.name])
    best4 = (a4.name, med4[a4.name])
    namew4 = max(len(c.name) for c in contenders4) + 1
    head = "%-*s| %-*s" % (namew4, "contender", cellw, WORKLOAD_TITLES["W4"])
    print(head)
    print("%-*s| %-*s" % (namew4, "", cellw, "median [min - max]    x best"))
    print("-" * len(head))
    for c in contenders4:
        ts = times4[c.name]
        cell = "%s [%s - %s]" % (fmt_ms(med4[c.name]), fmt_ms(min(ts)), fmt_ms(max(ts)))
        print("%-*s| %-22s %6.2fx " % (namew4, c.name, cell, med4[c.name] / best4[1]))
    print()
    print("best W4 anchor: %s (%s ms)" % (best4[0], fmt_ms(best4[1])))
    print("W4 = %s; reviews have no timestamp, so \"most recent\" = highest id (order_by "
          "\"id DESC\")." % W4_TITLE)
    print("W4 contenders: " + "; ".join("%s = %s" % (c.name, c.label) for c in contenders4))
    print("Checked before timing (W4): the same graph in canonical form; the corm strategies "
          "byte-identical; the anchors corm's JSON text up to whitespace; SQLAlchemy%s the same "
          "key and array order, numbers as numbers." % (" and the ORM peers" if peers4 else ""))
    print()
    print("best anchor: " + ", ".join("%s %s (%s ms)" % (w, best[w][0], fmt_ms(best[w][1]))
                                       for w in WORKLOADS))
    print("JSON size (canonical form, compact, bytes): W1 %d, W2 %.0f per author (mean), W3 %d, "
          "W4 %d" % (sizes["W1"], sizes["W2"], sizes["W3"], sizes["W4"]))
    print("corm statements per call (corm_explain): " + ", ".join(
        "%s W2 %d / W3 %d" % (name, a, b) for name, (a, b) in stmts.items()))
    print("corm statements per W4 call (corm_explain): " + ", ".join(
        "%s %d" % (name, k) for name, k in stmts4.items()))
    print("contenders: " + "; ".join("%s = %s" % (c.name, c.label) for c in contenders
                                      if c.kind in ("corm", "anchor")))
    if peers:
        print("ORM peers: " + "; ".join("%s = %s" % (c.name, c.label) for c in peers))

    corm_names = [name for name, _ in CORM_STRATEGIES]
    bc = {w: min(corm_names, key=lambda x: med[x][w]) for w in WORKLOADS}
    bc4 = min((name for name, _ in CORM_W4_STRATEGIES), key=lambda x: med4[x])
    print()
    print("ORMs / best corm: each ORM's median divided by the median of the fastest corm "
          "strategy of the workload (same runs):")
    cols = [(w, bc[w], med[bc[w]][w]) for w in WORKLOADS] + [("W4", bc4, med4[bc4])]
    orms = [c.name for c in contenders if c.kind in ("sqlalchemy", "peer")]
    orms += [c.name for c in contenders4 if c.kind in ("sqlalchemy", "peer") and c.name not in orms]
    ow = max(len(x) for x in orms) + 1
    print("  %-*s" % (ow, "ORM") + "".join("| %-24s" % ("%s (%s)" % (w, b)) for w, b, _ in cols))
    for name in orms:
        line = "  %-*s" % (ow, name)
        for w, _, m in cols:
            if w == "W4":
                v = med4.get(name)
            else:
                v = med[name][w] if name in med else None
            line += "| %-24s" % ("-" if v is None else "%.2fx" % (v / m))
        print(line)
    floor_w1 = med["floor (flat)"]["W1"]
    sa_w1 = med["sqlalchemy"]["W1"]
    print()
    print("issue 4 targets (defined on dataset M; informational, nothing is asserted):")

    def target(label, value, ok):
        print("  %-58s %8.2f  %s" % (label, value, "met" if ok else "NOT met"))
    r = med[bc["W1"]]["W1"] / best["W1"][1]
    target("W1 best corm (%s) / best anchor <= 0.7" % bc["W1"], r, r <= 0.7)
    r = med[bc["W1"]]["W1"] / floor_w1
    target("W1 best corm (%s) / flat floor <= 1.5" % bc["W1"], r, r <= 1.5)
    r = med[bc["W2"]]["W2"] / best["W2"][1]
    target("W2 best corm (%s) / best anchor <= 1.0" % bc["W2"], r, r <= 1.0)
    r = med[bc["W3"]]["W3"] / best["W3"][1]
    target("W3 best corm (%s) / best anchor <= 0.8" % bc["W3"], r, r <= 0.8)
    r = sa_w1 / med[bc["W1"]]["W1"]
    target("W1 sqlalchemy / best corm (%s) >= 15" % bc["W1"], r, r >= 15)
    r = med4[bc4] / best4[1]
    target("W4 best corm (%s) / best W4 anchor <= 0.6" % bc4, r, r <= 0.6)
    med_stream = statistics.median(times_stream)
    r = med_stream / med[stream_name]["W1"]
    target("W1 corm_load_rows / corm_load (%s) <= 1.1" % stream_name, r, r <= 1.1)
    if stream_mem[2] is not None:
        r = stream_mem[2] / 1048576.0
        target("W1 corm_load_rows private backend peak (MB) <= 64", r, r <= 64)

    print()
    print("corm_load_rows on W1 (%s's spec), read through a named cursor, %d rows per FETCH, "
          "one connection in a transaction:" % (stream_name, STREAM_FETCH))
    print("  %d rows, %s of JSON (the rows joined by ',' in [] are byte-identical to corm_load's "
          "array: checked)" % (stream_count, mb(stream_bytes)))
    print("  time  %s ms [%s - %s] = %.2f x corm_load (%s, %s ms, same runs; target <= 1.1)"
          % (fmt_ms(med_stream), fmt_ms(min(times_stream)), fmt_ms(max(times_stream)),
             med_stream / med[stream_name]["W1"], stream_name, fmt_ms(med[stream_name]["W1"])))
    load_peak = next((row for row in w1_mem if row[0] == stream_name), None)
    print("  backend peak (VmHWM - VmRSS, as for the W1 peak below): corm_load_rows %s "
          "(of it RssShmem %s, private %s), corm_load %s (private %s); target: private <= 64 MB"
          % (mb(stream_mem[0]), mb(stream_mem[1]), mb(stream_mem[2]),
             mb(load_peak and load_peak[2]), mb(load_peak and load_peak[4])))
    print("  the same with SET work_mem = '%s' in that session: corm_load_rows %s (private %s); "
          "its rows go to a tuplestore, which keeps at most 1 MB (or work_mem, %s here, if smaller) "
          "in memory and spills the rest to a temporary file"
          % (STREAM_LOW_WORK_MEM, mb(stream_mem_low[0]), mb(stream_mem_low[2]), wm))

    print()
    print("backend memory, W2: %d calls in one fresh backend after one warm-up call "
          "(target: growth < 1 MB)" % len(ids))
    print("  %-*s %16s %16s %14s %16s" % (namew, "contender", "contexts before",
                                          "contexts after", "ctx growth", "RssAnon growth"))
    for name, c0, c1, anon in w2_mem:
        print("  %-*s %16s %16s %14s %16s" % (namew, name, mb(c0), mb(c1), kb(c1 - c0), kb(anon)))
    print("  (contexts = sum(total_bytes) of pg_backend_memory_contexts; RssAnon from "
          "/proc/<backend pid>/status)")
    print()
    print("backend memory, W1 peak: first W1 call in a fresh backend, after statements that "
          "read every heap tuple and index leaf page")
    print("(so the shared buffers are mapped already), VmHWM reset to VmRSS just before the "
          "call (target: peak <= 3 x JSON size)")
    print("  %-*s %12s %14s %16s %16s %8s" % (namew, "contender", "JSON size", "VmHWM - VmRSS",
                                              "of it RssShmem", "private peak", "x JSON"))
    for name, size, peak, shm, priv in w1_mem:
        print("  %-*s %12s %14s %16s %16s %8s"
              % (namew, name, mb(size), mb(peak), mb(shm), mb(priv),
                 "n/a" if priv is None else "%.2f" % (priv / size)))
    if any(p is None for _, _, p, _, _ in w1_mem):
        print("  n/a: could not write /proc/<pid>/clear_refs to reset VmHWM "
              "(run as root or as the cluster's user)")
    print("  (private peak = VmHWM - VmRSS before the call - shared memory newly mapped "
          "during it; JSON size = the text returned, in bytes)")
    engine.dispose()
    if peer_proc:
        peer_proc.close()
    sconn.close()
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
