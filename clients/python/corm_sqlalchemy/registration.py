"""register(): the models' relationships and association proxies, in corm.

Registering is idempotent: what corm already has exactly as the models
declare it is left alone ("exists"), the rest is registered ("created").  A
name corm has with other values is a RegistrationConflict, raised before
anything is registered; corm's relationships that the models do not declare
are left as they are.
"""
import re
from collections import namedtuple

from . import _db
from .errors import RegistrationConflict, RegistrationError
from .mapping import PROXY_FIELDS, RELATIONSHIP_FIELDS, RelationshipSpec, declared

Registration = namedtuple("Registration", "table name kind action")
Registration.__doc__ = """One relationship or association proxy of the models:
table (schema.table when the model names a schema), name, kind
('relationship' or 'association proxy') and action ('created' or 'exists')."""

# corm.relationships' columns in RELATIONSHIP_FIELDS' order, tables by OID,
# then the two tables' names for messages.
_EXISTING = """
SELECT r.parent::pg_catalog.oid, r.name, r.target::pg_catalog.oid, r.direction,
       r.local_columns, r.remote_columns, r.secondary::pg_catalog.oid,
       r.secondary_local_columns, r.secondary_remote_columns, r.uselist, r.lazy, r.cascade,
       r.passive_deletes, r.single_parent, r.order_by, r.join_depth, r.back_populates,
       r.target::pg_catalog.text, r.secondary::pg_catalog.text
FROM corm.relationships r WHERE r.parent OPERATOR(pg_catalog.=) ANY (%s::pg_catalog.oid[])"""

_EXISTING_PROXIES = """
SELECT p.parent::pg_catalog.oid, p.name, p.relationship, p.attribute, p.attribute_kind
FROM corm.association_proxies p WHERE p.parent OPERATOR(pg_catalog.=) ANY (%s::pg_catalog.oid[])"""

_RELATIONSHIP_CALL = """SELECT %s(
    parent => %%s::pg_catalog.oid::pg_catalog.regclass, name => %%s,
    target => %%s::pg_catalog.oid::pg_catalog.regclass, back_populates => %%s,
    secondary => %%s::pg_catalog.oid::pg_catalog.regclass,
    local_columns => %%s::pg_catalog.text[], remote_columns => %%s::pg_catalog.text[],
    secondary_local_columns => %%s::pg_catalog.text[],
    secondary_remote_columns => %%s::pg_catalog.text[],
    direction => %%s, uselist => %%s, lazy => %%s, cascade => %%s, passive_deletes => %%s,
    single_parent => %%s, order_by => %%s, join_depth => %%s)"""

_PROXY_CALL = """SELECT %s(parent => %%s::pg_catalog.oid::pg_catalog.regclass, name => %%s,
    relationship => %%s, attribute => %%s)"""


def register(base_or_registry, connection, exclude=()):
    """Register in corm the relationships and association proxies that the
    declarative models of base_or_registry declare (all its mappers), each
    on the table of the class that declares it.

    connection: a SQLAlchemy Connection or Session, or a psycopg2
    connection.  Everything runs in its current transaction, which
    register() does not commit.  exclude: relationship and association
    proxy attributes to leave out (Author.books).

    Returns a list of Registration, one per relationship and proxy.
    Raises UnsupportedRelationship or RegistrationConflict before
    registering anything, CormNotInstalled, TableNotFound, or
    RegistrationError when corm refuses one."""
    relationships, proxies = declared(base_or_registry, exclude)
    specs = relationships + proxies
    if not specs:
        return []
    tables = _tables(relationships, proxies)
    corm_schema, oids = _db.lookup(connection, list(tables.items()))
    oid_of = dict(zip(tables, oids))

    parents = sorted({oid_of[s.parent] for s in specs})
    existing = {(r[0], r[1]): _registered_relationship(r[2:])
                for r in _db.rows(connection, _EXISTING, (parents,))}
    existing_proxies = {(r[0], r[1]): dict(zip(PROXY_FIELDS, r[2:]))
                        for r in _db.rows(connection, _EXISTING_PROXIES, (parents,))}

    conflicts, todo, done = [], [], []
    for spec in specs:
        is_relationship = isinstance(spec, RelationshipSpec)
        key = (oid_of[spec.parent], spec.name)
        label = "%s.%s" % (spec.parent.name, spec.name)
        if key in (existing_proxies if is_relationship else existing):
            conflicts.append((label, "kind", _kind(not is_relationship), _kind(is_relationship)))
            continue
        registered = (existing if is_relationship else existing_proxies).get(key)
        if registered is None:
            todo.append(spec)
            continue
        values = _declared_values(spec, oid_of)
        differing = [(label, f, registered[f], values[f]) for f in values if registered[f] != values[f]]
        conflicts += differing
        if not differing:
            done.append(_registration(spec, "exists"))
    if conflicts:
        raise RegistrationConflict(
            "corm has relationships of these names registered otherwise than the models declare "
            "them; nothing was registered (drop them with corm_drop_relationship() to register "
            "the models' ones):\n" + "\n".join(
                "  %s: %s is %r in corm, %r in the models" % c for c in conflicts), conflicts)

    for spec in todo:
        if isinstance(spec, RelationshipSpec):
            statement = _RELATIONSHIP_CALL % _db.function(corm_schema, "corm_relationship")
            params = _relationship_args(spec, oid_of)
        else:
            statement = _PROXY_CALL % _db.function(corm_schema, "corm_association_proxy")
            params = (oid_of[spec.parent], spec.name, spec.relationship, spec.attribute)
        try:
            _db.rows(connection, statement, params)
        except _db.DATABASE_ERRORS as e:
            raise RegistrationError("%s: corm refused to register %s.%s: %s"
                                    % (spec.model_attribute, spec.parent.name, spec.name,
                                       _message(e))) from e
        done.append(_registration(spec, "created"))
    return done


def _tables(relationships, proxies):
    """Every table involved, with the model attributes that use it (for errors)."""
    users = {}
    for s in relationships:
        for t in (s.parent, s.target, s.secondary):
            if t is not None:
                users.setdefault(t, set()).add(s.model_attribute)
    for p in proxies:
        users.setdefault(p.parent, set()).add(p.model_attribute)
    return {t: "used by " + ", ".join(sorted(u)) for t, u in users.items()}


def _kind(is_relationship):
    return "relationship" if is_relationship else "association proxy"


def _registration(spec, action):
    return Registration(spec.parent.fullname, spec.name, _kind(isinstance(spec, RelationshipSpec)),
                        action)


class _Table:
    """A table in a comparison: equal by OID, shown by name."""

    def __init__(self, oid, name):
        self.oid, self.name = oid, name

    def __eq__(self, other):
        return isinstance(other, _Table) and self.oid == other.oid

    def __repr__(self):
        return self.name


def _declared_values(spec, oid_of):
    values = spec._asdict()
    for f in ("model_attribute", "parent", "name"):
        del values[f]
    if isinstance(spec, RelationshipSpec):
        for f in ("target", "secondary"):
            t = values[f]
            values[f] = None if t is None else _Table(oid_of[t], t.fullname)
        values = _pairs_sorted(values)
    return values


def _pairs_sorted(values):
    """The join's column lists with their pairs in one order: a join is the
    same whatever order its pairs were given in (a foreign key's, or
    SQLAlchemy's)."""
    values = dict(values)
    if values["secondary"] is None:
        pairs = [("local_columns", "remote_columns")]
    else:
        pairs = [("local_columns", "secondary_local_columns"),
                 ("remote_columns", "secondary_remote_columns")]
    for a, b in pairs:
        values[a], values[b] = (tuple(c) for c in zip(*sorted(zip(values[a], values[b]))))
    return values


# corm.relationships' order_by: quote_ident(column) [ DESC] [ NULLS FIRST|LAST], ", " between
_ORDER_ITEM = re.compile(r'("(?:[^"]|"")*"|[^", ]+)( DESC)?( NULLS FIRST| NULLS LAST)?(?:, |$)')


def _parse_order_by(text):
    out, pos = [], 0
    while text and pos < len(text):
        m = _ORDER_ITEM.match(text, pos)
        name = m.group(1)
        if name.startswith('"'):
            name = name[1:-1].replace('""', '"')
        desc = m.group(2) is not None
        out.append((name, desc, m.group(3) == " NULLS FIRST" if m.group(3) else desc))
        pos = m.end()
    return tuple(out)


def _registered_relationship(row):
    """A row of _EXISTING (after parent and name) as the values mapping.py
    declares."""
    values = dict(zip(RELATIONSHIP_FIELDS, row))
    target_name, secondary_name = row[len(RELATIONSHIP_FIELDS):]
    values["target"] = _Table(values["target"], target_name)
    if values["secondary"] is not None:
        values["secondary"] = _Table(values["secondary"], secondary_name)
    for f, v in values.items():
        if isinstance(v, list):
            values[f] = tuple(v)
    values["order_by"] = _parse_order_by(values["order_by"])
    return _pairs_sorted(values)


def _order_by_text(order_by):
    """corm_relationship's order_by: each column quoted, NULLS only where
    it differs from PostgreSQL's default."""
    items = []
    for name, desc, nulls_first in order_by:
        item = '"%s"' % name.replace('"', '""') + (" DESC" if desc else "")
        if nulls_first != desc:
            item += " NULLS FIRST" if nulls_first else " NULLS LAST"
        items.append(item)
    return ", ".join(items) or None


def _relationship_args(spec, oid_of):
    many_to_many = spec.secondary is not None
    as_list = lambda columns: None if columns is None else list(columns)
    return (
        oid_of[spec.parent], spec.name, oid_of[spec.target], spec.back_populates,
        oid_of[spec.secondary] if many_to_many else None,
        as_list(spec.local_columns), as_list(spec.remote_columns),
        as_list(spec.secondary_local_columns), as_list(spec.secondary_remote_columns),
        # corm takes the direction by key; uselist makes a one-to-many one_to_one
        None if many_to_many else "many_to_one" if spec.direction == "many_to_one" else "one_to_many",
        spec.uselist, spec.lazy, ", ".join(spec.cascade) or "none", spec.passive_deletes,
        spec.single_parent, _order_by_text(spec.order_by), spec.join_depth)


def _message(error):
    """corm's message and hint from either kind of database error."""
    diag = getattr(error, "orig", error).diag
    if diag.message_hint:
        return "%s (hint: %s)" % (diag.message_primary, diag.message_hint)
    return diag.message_primary
