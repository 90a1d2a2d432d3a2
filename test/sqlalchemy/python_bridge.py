"""clients/python (corm_sqlalchemy) does what the SQL interface does.

Run by test/t/python_bridge, which starts a cluster when none is given.

1. Registration.  Loads test/sample/schema.sql into a fresh database with
   corm installed in a schema that is not on search_path (its name needs
   quoting and holds a %), registers the models of test/sqlalchemy/models.py
   with register(), and compares corm.relationships and
   corm.association_proxies, every column of every row, with a second fresh
   database where test/sample/relationships.sql registered them by hand.
   Then: register() again (through a SQLAlchemy Connection) and on the hand
   registered database find everything registered ("exists") and change
   nothing, as for a composite join registered from a foreign key whose
   columns the models list in another order; a relationship registered
   otherwise is a RegistrationConflict and nothing is registered; a join
   corm cannot express is an UnsupportedRelationship, left out with
   exclude=.

2. Loading.  Loads test/sample/data.sql and the extra rows of
   test/t/sqlalchemy_graphs, then for every text spec of sqlalchemy_graphs
   compares load() -- with the text spec and with the same spec as a dict
   (jsonb) -- and for every jsonb case of it load() with the dict, with
   SQLAlchemy's own load of the same models, serialized by sqlalchemy_graphs'
   helpers (the same keys in the same order, the same values, numbers as
   exact decimals); then get() for single and composite keys (tuple and
   dict), a missing id, a text and a dict spec; a pending object flushed
   before the load; the same graph through a psycopg2 connection.

3. Errors: a database without corm, a model whose table does not exist, one
   in a schema the role may not use, a bad id, a bad spec, and corm's own
   error for an unknown relationship, each the documented exception.

Prints every check; exits 1 on any failure or if nothing was compared.
Needs PGHOST/PGPORT/PGUSER of a running cluster with corm installed.
"""
import gc
import importlib.machinery
import importlib.util
import os
import sys
import traceback
import warnings
from decimal import Decimal

sys.dont_write_bytecode = True          # no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _load_graphs():
    """test/t/sqlalchemy_graphs as a module, for its SQLAlchemy-side
    helpers.  Loading it first also does what it does before SQLAlchemy is
    imported (no greenlet, the cyclic garbage collector off: see there)."""
    path = os.path.join(ROOT, "test", "t", "sqlalchemy_graphs")
    loader = importlib.machinery.SourceFileLoader("sqlalchemy_graphs", path)
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


graphs = _load_graphs()
sys.path.insert(0, os.path.join(ROOT, "clients", "python"))

import psycopg2                                                      # noqa: E402
import sqlalchemy                                                    # noqa: E402
from sqlalchemy import (Column, Date, ForeignKey, ForeignKeyConstraint, Integer, Numeric, Text,  # noqa: E402
                        create_engine)
from sqlalchemy import exc as sa_exc                                 # noqa: E402
from sqlalchemy.orm import Session, declarative_base, foreign, relationship  # noqa: E402
from sqlalchemy.pool import NullPool                                 # noqa: E402

import corm_sqlalchemy as cs                                         # noqa: E402
import models                                                        # noqa: E402  test/sqlalchemy/models.py

NAME = "python_bridge"
DB = "corm_python_bridge"               # corm in CORM_SCHEMA, registered by register()
REF = "corm_python_bridge_ref"          # registered by test/sample/relationships.sql
BARE = "corm_python_bridge_bare"        # no corm
READER = "corm_python_bridge_reader"    # a role without USAGE on schema hidden
CORM_SCHEMA = 'Corm API 50%'
SAMPLE = os.path.join(ROOT, "test", "sample")


class Report:
    def __init__(self):
        self.passed, self.failed = 0, []

    def check(self, label, ok, detail=""):
        if ok:
            self.passed += 1
            print("  ok    %s" % label)
        else:
            self.failed.append(label)
            print("  FAIL  %s%s" % (label, ("\n" + detail) if detail else ""))

    def raises(self, label, exc_type, text, fn):
        """fn() must raise exc_type with text in its message."""
        try:
            fn()
        except exc_type as e:
            message = str(e)
            self.check("%s: %s" % (label, exc_type.__name__), text in message,
                       "        message %r lacks %r" % (message, text))
            return e
        except Exception as e:                                       # noqa: BLE001
            self.check(label, False, "        %s instead of %s: %s" % (type(e).__name__, exc_type.__name__, e))
        else:
            self.check(label, False, "        no exception, %s expected" % exc_type.__name__)
        return None


def connect(dbname, user=None):
    return psycopg2.connect(host=os.environ["PGHOST"], port=os.environ["PGPORT"],
                            user=user or os.environ.get("PGUSER", "postgres"), dbname=dbname)


def admin(*statements):
    conn = connect(os.environ.get("PGDATABASE") or "postgres")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            for s in statements:
                cur.execute(s)
    finally:
        conn.close()


def run_file(cur, name):
    with open(os.path.join(SAMPLE, name), encoding="utf-8") as f:
        cur.execute(f.read())


def engine_for(dbname, user=None):
    return create_engine("postgresql+psycopg2://", creator=lambda: connect(dbname, user),
                         poolclass=NullPool)


# ---------------------------------------------------------------------------
# 1. registration
# ---------------------------------------------------------------------------

def view_rows(conn, view):
    """Every column of every row of a corm view, as dicts, by table name
    (regclass as text: the same names in both databases, OIDs differ)."""
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM corm.%s ORDER BY parent::text, name" % view)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def compare_views(report, label, conn, ref, show=False):
    for view in ("relationships", "association_proxies"):
        got, exp = view_rows(conn, view), view_rows(ref, view)
        if show:
            graphs.print_table(list(exp[0]) if exp else ["(none)"],
                               [["-" if v is None else "{%s}" % ",".join(v) if isinstance(v, list)
                                 else str(v) for v in r.values()] for r in got])
        diffs = []
        for g, e in zip(got, exp):
            if g != e:
                diffs.append("        register():          %r\n        relationships.sql:   %r" % (g, e))
        if len(got) != len(exp):
            diffs.append("        %d rows from register(), %d from relationships.sql" % (len(got), len(exp)))
        report.check("%s: corm.%s, %d rows of %d columns equal to relationships.sql's"
                     % (label, view, len(exp), len(exp[0]) if exp else 0),
                     not diffs and len(exp) > 0, "\n".join(diffs))


def test_registration(report, conn, ref):
    print("\n1. registration (corm in schema %r, not on search_path)" % CORM_SCHEMA)
    with conn.cursor() as cur:
        cur.execute("SELECT pg_catalog.to_regproc('corm_relationship') IS NULL")
        report.check("corm_relationship cannot be called unqualified here", cur.fetchone()[0])

    done = cs.register(models.Base, conn)
    conn.commit()
    n_rel = len(view_rows(ref, "relationships"))
    n_proxy = len(view_rows(ref, "association_proxies"))
    report.check("register() through psycopg2: %d relationships and %d association proxies created"
                 % (sum(r.kind == "relationship" for r in done), sum(r.kind != "relationship" for r in done)),
                 [r.action for r in done] == ["created"] * (n_rel + n_proxy),
                 "        %r" % (done,))
    print()
    compare_views(report, "first register()", conn, ref, show=True)

    engine = engine_for(DB)
    try:
        with engine.begin() as c:
            again = cs.register(models.Base, c)
    finally:
        engine.dispose()
    report.check("register() again, through a SQLAlchemy Connection: every one 'exists'",
                 len(again) == len(done) and all(r.action == "exists" for r in again),
                 "        %r" % (again,))
    compare_views(report, "after the second register()", conn, ref)

    by_hand = cs.register(models.Base, ref)
    ref.rollback()
    report.check("register() where relationships.sql registered them: every one 'exists'",
                 len(by_hand) == len(done) and all(r.action == "exists" for r in by_hand),
                 "        %r" % (by_hand,))

    # the same name registered otherwise: refused, nothing registered
    with ref.cursor() as cur:
        cur.execute("SELECT corm_drop_relationship('books', 'tags')")
        cur.execute("SELECT corm_relationship('books', 'tags', 'tags', secondary => 'book_tags', "
                    "back_populates => 'books', order_by => 'id DESC')")
        cur.execute("SELECT corm_drop_relationship('students', 'grades')")
    e = report.raises("books.tags registered with another order_by, students.grades dropped",
                      cs.RegistrationConflict, "books.tags: order_by", lambda: cs.register(models.Base, ref))
    if e is not None:
        report.check("the conflict lists exactly books.tags' order_by",
                     e.conflicts == [("books.tags", "order_by", (("id", True, True),),
                                      (("name", False, False),))], "        %r" % (e.conflicts,))
        with ref.cursor() as cur:
            cur.execute("SELECT count(*) FROM corm.association_proxies WHERE name = 'grades'")
            report.check("nothing registered before the conflict was found (grades not re-created)",
                         cur.fetchone()[0] == 0)
    ref.rollback()

    # a composite join registered by its foreign key, whose column order corm keeps, and which
    # SQLAlchemy pairs in another order
    with ref.cursor() as cur:
        cur.execute("CREATE TABLE grade_reports (id serial PRIMARY KEY, student_id int NOT NULL, "
                    "course_id int NOT NULL, FOREIGN KEY (course_id, student_id) "
                    "REFERENCES enrollments (course_id, student_id))")
        cur.execute("SELECT corm_relationship('enrollments', 'reports', 'grade_reports', backref => 'enrollment')")
        cur.execute("SELECT local_columns FROM corm.relationships WHERE name = 'reports'")
        in_corm = cur.fetchone()[0]
    Base4 = declarative_base()

    class Enrollment4(Base4):
        __tablename__ = "enrollments"
        student_id = Column(Integer, primary_key=True)
        course_id = Column(Integer, primary_key=True)
        reports = relationship("Report4", backref="enrollment")

    class Report4(Base4):
        __tablename__ = "grade_reports"
        __table_args__ = (ForeignKeyConstraint(["course_id", "student_id"],
                                               ["enrollments.course_id", "enrollments.student_id"]),)
        id = Column(Integer, primary_key=True)
        student_id = Column(Integer, nullable=False)
        course_id = Column(Integer, nullable=False)

    declared = [l.name for l, _ in Enrollment4.reports.property.local_remote_pairs]
    composite = cs.register(Base4, ref)
    report.check("a composite join, %s in corm and %s in the models: every one 'exists'"
                 % (in_corm, declared),
                 in_corm != declared and [r.action for r in composite] == ["exists", "exists"],
                 "        %r" % (composite,))
    ref.rollback()

    # a join corm cannot express; exclude= leaves it out
    Base2 = declarative_base()

    class Writer(Base2):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)
        name = Column(Text, nullable=False)
        born = Column(Date)
        cheap_books = relationship(
            "Title", primaryjoin=lambda: (Writer.id == foreign(Title.author_id)) & (Title.price < 10),
            overlaps="writer")

    class Title(Base2):
        __tablename__ = "books"
        id = Column(Integer, primary_key=True)
        title = Column(Text, nullable=False)
        author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)
        publisher_id = Column(Integer)
        published = Column(Date)
        price = Column(Numeric(8, 2))
        writer = relationship(Writer, overlaps="cheap_books")

    report.raises("a join with a filter", cs.UnsupportedRelationship, "Writer.cheap_books joins by",
                  lambda: cs.register(Base2, conn))
    only = cs.register(Base2, conn, exclude=[Writer.cheap_books])
    report.check("exclude=[Writer.cheap_books]: only books.writer created",
                 only == [cs.Registration("books", "writer", "relationship", "created")], "        %r" % (only,))
    conn.rollback()
    compare_views(report, "after the refused and rolled back registrations", conn, ref)


# ---------------------------------------------------------------------------
# 2. loading
# ---------------------------------------------------------------------------

def as_obj(value):
    """load()'s dicts as sqlalchemy_graphs' Obj, whose comparison sees key order."""
    if isinstance(value, dict):
        return graphs.Obj((k, as_obj(v)) for k, v in value.items())
    if isinstance(value, list):
        return [as_obj(v) for v in value]
    return value


def jsonb_spec(load):
    """A text spec of sqlalchemy_graphs' SPECS as the jsonb spec of the same meaning."""
    tree = {}
    for segs in graphs.parse_spec(load):
        level = tree
        for name, star in segs:
            node = level.setdefault(name, {})
            if star is not None:
                node["recurse"] = True if star == "*" else star
            level = node.setdefault("load", {})

    def finish(level):
        out = {}
        for name, node in level.items():
            below = finish(node.pop("load"))
            if below:
                node["load"] = below
            out[name] = node or True
        return out
    return finish(tree)


def compare_graph(report, label, got, exp, allow_empty=False):
    cmp = graphs.Comparison()
    cmp.compare(as_obj(got), exp, "$")
    detail = "\n".join("        %s: %s\n            corm_sqlalchemy: %s\n            SQLAlchemy:      %s"
                       % (path, what, graphs.show(g), graphs.show(e)) for path, what, g, e in cmp.diffs[:10])
    nothing = not exp and not allow_empty
    report.check("%s (%d objects)" % (label, cmp.objects), not cmp.diffs and not nothing,
                 detail or "        nothing to compare: SQLAlchemy loaded nothing")
    return cmp.objects


def test_loading(report, conn):
    print("\n2. loading: load() and get() against SQLAlchemy's own loads")
    with conn.cursor() as cur:
        run_file(cur, "data.sql")
        counts = graphs.more_data(cur)
        cur.execute("ANALYZE")
    conn.commit()
    print("data: " + ", ".join("%s %d" % kv for kv in counts.items()))
    mods = graphs.Models(models)
    engine = engine_for(DB)
    none = lambda depth: None
    total = 0
    try:
        for spec in graphs.SPECS:
            model = mods.by_table[spec.root].class_
            with warnings.catch_warnings():
                warnings.simplefilter("error", sa_exc.SAWarning)
                exp = graphs.sa_graph(engine, mods, spec,
                                      graphs.spec_tree(graphs.parse_spec(spec.load), none))
            args = (spec.where, spec.order_by, spec.limit, spec.offset)
            with Session(engine) as s:
                got = cs.load(s, model, spec.load, *args)
                total += compare_graph(report, "load %s" % spec.label(), got, exp, spec.allow_empty)
                if spec.load:
                    as_dict = jsonb_spec(spec.load)
                    got = cs.load(s, model, as_dict, *args)
                    total += compare_graph(report, "load %s, as %s" % (spec.root, as_dict), got, exp,
                                           spec.allow_empty)
            gc.collect()              # outside Session.close() (see sqlalchemy_graphs)
        for spec in graphs.OPT_SPECS:
            model = mods.by_table[spec.root].class_
            with warnings.catch_warnings():
                warnings.simplefilter("error", sa_exc.SAWarning)
                exp = graphs.sa_opt_graph(engine, mods, models, spec, lambda depth: "selectin")
            with Session(engine) as s:
                got = cs.load(s, model, graphs.corm_options(spec.load, none),
                              spec.where, spec.order_by, spec.limit, spec.offset)
                total += compare_graph(report, "load %s (dict spec)" % spec.label(), got, exp,
                                       spec.allow_empty)
            gc.collect()
        total += test_get(report, engine, mods)
        test_session(report, engine, conn)
    finally:
        engine.dispose()
    report.check("%d objects compared in all" % total, total > 0)


GETS = [
    # (model, id, spec, the same row as a where for SQLAlchemy)
    ("authors", 1, "books.reviews, books.publisher, books.tags", "id = 1"),
    ("authors", 3, "books", "id = 3"),
    ("authors", 2, {"books": {"load": {"reviews": True, "tags": True}}}, "id = 2"),
    ("books", 4, "publisher, tags.books, author", "id = 4"),
    ("users", 1, "following*, profile", "id = 1"),
    ("categories", 1, "children*", "id = 1"),
    ("students", 1, "enrolled_courses, grades, courses", "id = 1"),
    ("enrollments", (1, 2), "student.courses, course", "student_id = 1 AND course_id = 2"),
    ("enrollments", {"student_id": 2, "course_id": 3}, "student, course",
     "student_id = 2 AND course_id = 3"),
    ("enrollments", (1, 3), "student", "student_id = 1 AND course_id = 3"),
    ("authors", 123456789, "books", "id = 123456789"),
]


def test_get(report, engine, mods):
    total = 0
    for root, id_, spec, where in GETS:
        model = mods.by_table[root].class_
        text = spec if isinstance(spec, str) else "books.reviews, books.tags"
        exp = graphs.sa_graph(engine, mods, graphs.Spec(root, text, where=where),
                              graphs.spec_tree(graphs.parse_spec(text), lambda d: None))
        with Session(engine) as s:
            got = cs.get(s, model, id_, spec)
        label = "get %s %r %r" % (root, id_, spec)
        if not exp:
            report.check("%s is None, as SQLAlchemy finds no row" % label, got is None, "        %r" % (got,))
        else:
            total += compare_graph(report, label, got, exp[0])
        gc.collect()
    return total


def test_session(report, engine, conn):
    with Session(engine) as s:
        s.add(models.Author(name="Pending Person"))
        got = cs.load(s, models.Author, "books", where="name = 'Pending Person'")
        report.check("a pending object is flushed (autoflush) and loaded in the session's transaction",
                     len(got) == 1 and got[0]["id"] is not None and got[0]["books"] == [], "        %r" % (got,))
        by_id = cs.get(s, models.Author, got[0]["id"]) if got else None
        report.check("get() finds it by its new id", by_id is not None and by_id["name"] == "Pending Person",
                     "        %r" % (by_id,))
        s.rollback()
    spec = "books.reviews, books.tags"
    with Session(engine) as s:
        through_session = cs.load(s, models.Author, spec, "id <= 5")
    through_psycopg2 = cs.load(conn, models.Author, spec, "id <= 5")
    conn.rollback()
    report.check("load() through a psycopg2 connection equals load() through a Session",
                 through_psycopg2 == through_session and len(through_session) == 5)
    with Session(engine) as s:
        price = cs.get(s, models.Book, 3)["price"]
    report.check("numbers with a fraction are exact decimals, scale included: %r" % (price,),
                 isinstance(price, Decimal) and str(price) == "11.00")


# ---------------------------------------------------------------------------
# 3. errors
# ---------------------------------------------------------------------------

def test_errors(report, conn):
    print("\n3. errors")
    Base3 = declarative_base()

    class Ghost(Base3):
        __tablename__ = "ghosts"
        id = Column(Integer, primary_key=True)
        author_id = Column(Integer, ForeignKey("authors.id"))
        author = relationship("Author3")

    class Author3(Base3):
        __tablename__ = "authors"
        id = Column(Integer, primary_key=True)

    class Secret(Base3):
        __tablename__ = "secrets"
        __table_args__ = {"schema": "hidden"}
        id = Column(Integer, primary_key=True)

    engine = engine_for(DB)
    try:
        with Session(engine) as s:
            report.raises("load() of a model whose table does not exist", cs.TableNotFound,
                          "table ghosts (model Ghost) does not exist in schema public",
                          lambda: cs.load(s, Ghost))
            report.raises("register() of it", cs.TableNotFound,
                          "table ghosts (used by Ghost.author) does not exist in schema public",
                          lambda: cs.register(Base3, s))
            report.raises("get() with one value for a composite key", ValueError,
                          "the primary key of Enrollment has 2 columns (student_id, course_id); the id has 1 values",
                          lambda: cs.get(s, models.Enrollment, 1))
            report.raises("get() with a dict of other attributes", ValueError,
                          "the id of Enrollment is a dict of student_id, course_id",
                          lambda: cs.get(s, models.Enrollment, {"student_id": 1}))
            report.raises("a spec that is neither text nor a dict", TypeError,
                          "a load spec is a str", lambda: cs.load(s, models.Author, ["books"]))
            report.raises("load() of something not mapped", TypeError, "is not a mapped class",
                          lambda: cs.load(s, object))
            e = report.raises("corm's own error, an unknown relationship, through a Session",
                              sa_exc.ProgrammingError, 'relationship "bogus" does not exist on table "books"',
                              lambda: cs.load(s, models.Author, "books.bogus"))
            if e is not None:
                report.check("  with corm's hint", "Relationships and association proxies" in str(e.orig))
    finally:
        engine.dispose()
    report.raises("the same through a psycopg2 connection", psycopg2.errors.UndefinedObject,
                  'relationship "bogus" does not exist on table "books"',
                  lambda: cs.get(conn, models.Author, 1, "books.bogus"))
    conn.rollback()

    reader = engine_for(DB, READER)
    try:
        with Session(reader) as s:
            report.raises("load() by a role without USAGE on the model's schema", cs.TableNotFound,
                          "table secrets (model Secret): schema hidden does not exist or this role has no USAGE",
                          lambda: cs.load(s, Secret))
            got = cs.get(s, models.Author, 1, "books.reviews")
        exp = cs.get(conn, models.Author, 1, "books.reviews")
        conn.rollback()
        report.check("the same role gets what a superuser gets from the tables it may read",
                     got == exp and exp is not None, "        %r\n        %r" % (got, exp))
    finally:
        reader.dispose()

    bare = connect(BARE)
    try:
        report.raises("register() where corm is not installed", cs.CormNotInstalled,
                      "the corm extension is not installed", lambda: cs.register(models.Base, bare))
        report.raises("load() there", cs.CormNotInstalled, "the corm extension is not installed",
                      lambda: cs.load(bare, models.Author, "books"))
    finally:
        bare.close()


# ---------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------

def setup():
    admin(*["DROP DATABASE IF EXISTS %s" % d for d in (DB, REF, BARE)],
          "DROP ROLE IF EXISTS %s" % READER,
          *["CREATE DATABASE %s" % d for d in (DB, REF, BARE)],
          "CREATE ROLE %s LOGIN" % READER)
    ref = connect(REF)
    with ref.cursor() as cur:
        cur.execute("SET client_min_messages = warning")
        cur.execute("CREATE EXTENSION corm")
        run_file(cur, "schema.sql")
        run_file(cur, "relationships.sql")
    ref.commit()
    conn = connect(DB)
    with conn.cursor() as cur:
        cur.execute("SET client_min_messages = warning")
        cur.execute('CREATE SCHEMA "%s"' % CORM_SCHEMA)
        cur.execute('CREATE EXTENSION corm SCHEMA "%s"' % CORM_SCHEMA)
        cur.execute('GRANT USAGE ON SCHEMA "%s" TO %s' % (CORM_SCHEMA, READER))
        run_file(cur, "schema.sql")
        cur.execute("CREATE SCHEMA hidden")
        cur.execute("CREATE TABLE hidden.secrets (id int PRIMARY KEY)")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s" % READER)
    conn.commit()
    return conn, ref


def main():
    for var in ("PGHOST", "PGPORT"):
        if not os.environ.get(var):
            print("%s: FAIL: %s is not set (run test/t/python_bridge)" % (NAME, var))
            return 1
    print("SQLAlchemy %s, psycopg2 %s, corm_sqlalchemy %s" % (
        sqlalchemy.__version__, psycopg2.__version__.split()[0], cs.__version__))
    report = Report()
    try:
        conn, ref = setup()
        try:
            test_registration(report, conn, ref)
            test_loading(report, conn)
            test_errors(report, conn)
        finally:
            conn.close()
            ref.close()
    except Exception:                                                # noqa: BLE001
        traceback.print_exc()
        report.check("the test ran to its end", False)
    finally:
        try:
            admin(*["DROP DATABASE IF EXISTS %s" % d for d in (DB, REF, BARE)],
                  "DROP ROLE IF EXISTS %s" % READER)
        except Exception as e:                                       # noqa: BLE001
            report.check("databases and role dropped", False, "        %s" % e)

    print()
    print("%d checks passed, %d failed" % (report.passed, len(report.failed)))
    if report.failed or report.passed == 0:
        print("%s: FAIL" % NAME)
        for label in report.failed:
            print("  " + label)
        return 1
    print("%s: ok, corm_sqlalchemy registers what the models declare and loads what SQLAlchemy loads"
          % NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
