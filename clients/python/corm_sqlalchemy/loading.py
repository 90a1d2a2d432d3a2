"""load() and get(): corm_load / corm_get on a model's table, parsed.

corm renders each object as to_json renders the row, then its loaded
relationships; the JSON text is parsed here with numbers that have a
fraction or an exponent as decimal.Decimal, so that numeric values keep
their exact digits (as SQLAlchemy's Numeric gives them), and objects as
dicts that keep corm's key order.
"""
import datetime
import decimal
import json
import uuid
from collections.abc import Mapping

import sqlalchemy

from . import _db
from .mapping import mapped_table

_LOAD = "SELECT %s(%%s::pg_catalog.oid::pg_catalog.regclass, %%s::pg_catalog.%s, %%s::pg_catalog.text, " \
        "%%s::pg_catalog.text, %%s::pg_catalog.int8, %%s::pg_catalog.int8)::pg_catalog.text"
_GET = "SELECT %s(%%s::pg_catalog.oid::pg_catalog.regclass, %%s::pg_catalog.jsonb, " \
       "%%s::pg_catalog.%s)::pg_catalog.text"


def load(session, model, spec=None, where=None, order_by=None, limit=None, offset=None):
    """corm_load on model's table: a list of objects (dicts).

    spec: corm's load spec as text ('books.reviews, books.publisher'), or
    its jsonb form as a dict ({"books": {"limit": 3}}), or None for the
    columns only.  where and order_by are SQL over the table's columns,
    limit and offset integers, all passed as parameters.  session: a
    Session (flushed first when it autoflushes), a SQLAlchemy Connection or
    a psycopg2 connection."""
    mapper = _mapper(model)
    corm_schema, oid = _table(session, mapper)
    spec_type, spec_value = _spec(spec)
    statement = _LOAD % (_db.function(corm_schema, "corm_load"), spec_type)
    return _parse(_db.rows(session, statement, (oid, spec_value, where, order_by, limit, offset),
                           mapper)[0][0])


def get(session, model, id, spec=None):
    """corm_get on model's table: one object (a dict), or None when no row
    has that primary key.

    id: the primary key's value; for a composite key a tuple in the order
    of the mapper's primary key columns (as Session.get takes it) or a dict
    by attribute name.  spec and session as for load()."""
    mapper = _mapper(model)
    corm_schema, oid = _table(session, mapper)
    spec_type, spec_value = _spec(spec)
    statement = _GET % (_db.function(corm_schema, "corm_get"), spec_type)
    return _parse(_db.rows(session, statement, (oid, _key(mapper, id), spec_value), mapper)[0][0])


def _mapper(model):
    try:
        return sqlalchemy.inspect(model).mapper
    except (sqlalchemy.exc.NoInspectionAvailable, AttributeError):
        raise TypeError("%r is not a mapped class" % (model,)) from None


def _table(session, mapper):
    table = mapped_table(mapper)
    corm_schema, (oid,) = _db.lookup(session, [(table, "model %s" % mapper.class_.__name__)], mapper)
    return corm_schema, oid


def _spec(spec):
    """(SQL type, parameter) of a load spec: the text spec or the jsonb one;
    the type always given, since NULL would fit both forms of corm_load."""
    if spec is None or isinstance(spec, str):
        return "text", spec
    if isinstance(spec, Mapping):
        return "jsonb", json.dumps(spec)
    raise TypeError("a load spec is a str (the text spec) or a dict (the jsonb spec), not %r"
                    % (spec,))


def _key(mapper, id):
    """The id as corm_get's jsonb form, {"column": value} for every primary
    key column, which corm casts to each column's type: one form for single
    and composite keys, and no question which SQL type a Python value is."""
    columns = mapper.primary_key
    if isinstance(id, Mapping):
        attrs = [mapper.get_property_by_column(c).key for c in columns]
        if set(id) != set(attrs):
            raise ValueError("the id of %s is a dict of %s, not of %s"
                             % (mapper.class_.__name__, ", ".join(attrs), ", ".join(map(str, id))))
        values = [id[a] for a in attrs]
    else:
        values = list(id) if isinstance(id, (tuple, list)) else [id]
        if len(values) != len(columns):
            raise ValueError("the primary key of %s has %d columns (%s); the id has %d values"
                             % (mapper.class_.__name__, len(columns),
                                ", ".join(c.name for c in columns), len(values)))
    return json.dumps({c.name: v for c, v in zip(columns, values)}, default=_json_value)


def _json_value(value):
    """Key values JSON has no type for, as text their column type reads."""
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    raise TypeError("an id value of type %s cannot be passed to corm_get" % type(value).__name__)


def _parse(text):
    return None if text is None else json.loads(text, parse_float=decimal.Decimal)
