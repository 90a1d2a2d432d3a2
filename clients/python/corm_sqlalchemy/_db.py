"""Statements on what the caller holds, and the names corm's calls need.

Every statement takes its values as psycopg2 %s parameters.  The only name
written into SQL text is the schema of the corm extension, read from
pg_extension and quoted; tables are looked up in the system catalogs by
name and passed to corm by OID.  Built-in functions, types and operators are
written with pg_catalog, so that nothing resolves through the caller's
search_path.
"""
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

import psycopg2

from .errors import CormNotInstalled, TableNotFound

# What the database may raise through either kind of connection.
DATABASE_ERRORS = (sa_exc.DBAPIError, psycopg2.Error)


def rows(bind, statement, params, mapper=None):
    """Run statement on bind (a Session, a SQLAlchemy Connection or a
    psycopg2 connection) and return its rows.  params must not be empty:
    psycopg2 reads %% as % only in a statement with parameters, and
    SQLAlchemy runs one without parameters as it is."""
    if isinstance(bind, Session):
        # As a Query would: pending changes are flushed, so corm sees them.
        if bind.autoflush:
            bind.flush()
        bind = bind.connection(bind_arguments={"mapper": mapper} if mapper is not None else None)
    if isinstance(bind, Connection):
        # a list of one tuple: one execution (a bare tuple holding a list
        # would be taken for several parameter sets)
        return bind.exec_driver_sql(statement, [tuple(params)]).fetchall()
    with bind.cursor() as cur:
        cur.execute(statement, tuple(params))
        return cur.fetchall()


def function(schema, name):
    """schema.name as SQL text: both quoted as identifiers (quotes doubled),
    and % doubled for psycopg2's parameter syntax."""
    return ".".join('"%s"' % part.replace('"', '""').replace("%", "%%") for part in (schema, name))


_LOOKUP = """
SELECT (SELECT n.nspname FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
         WHERE e.extname OPERATOR(pg_catalog.=) 'corm'),
       s.nspname,
       n.oid IS NOT NULL AND pg_catalog.has_schema_privilege(n.oid, 'USAGE'),
       c.oid
FROM ROWS FROM (pg_catalog.unnest(%s::pg_catalog.text[]), pg_catalog.unnest(%s::pg_catalog.text[]))
     WITH ORDINALITY AS t(nsp, rel, i)
CROSS JOIN LATERAL (SELECT COALESCE(t.nsp, pg_catalog.current_schema()::pg_catalog.text)) AS s(nspname)
LEFT JOIN pg_catalog.pg_namespace n ON n.nspname OPERATOR(pg_catalog.=) s.nspname
LEFT JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) n.oid
                               AND c.relname OPERATOR(pg_catalog.=) t.rel
ORDER BY t.i"""


def lookup(bind, tables, mapper=None):
    """The corm extension's schema and the OID of each table, given as
    (Table, what) pairs; `what` says in errors who uses the table.

    A table without a schema is looked for in the connection's
    current_schema(), the schema SQLAlchemy calls the default one, and only
    there: not along the rest of search_path.  A table in a schema the role
    may not use is not found, as PostgreSQL's own name lookup would refuse
    it too."""
    result = rows(bind, _LOOKUP, ([t.schema for t, _ in tables], [t.name for t, _ in tables]),
                  mapper)
    corm_schema = result[0][0]
    if corm_schema is None:
        raise CormNotInstalled("the corm extension is not installed in this database "
                               "(CREATE EXTENSION corm)")
    oids = []
    for (table, what), (_, schema, usable, oid) in zip(tables, result):
        if schema is None:
            raise TableNotFound("table %s (%s) has no schema, and search_path names no existing "
                                "schema" % (table.name, what))
        if not usable:
            raise TableNotFound("table %s (%s): schema %s does not exist or this role has no "
                                "USAGE privilege on it" % (table.name, what, schema))
        if oid is None:
            raise TableNotFound("table %s (%s) does not exist in schema %s"
                                % (table.name, what, schema))
        oids.append(oid)
    return corm_schema, oids
