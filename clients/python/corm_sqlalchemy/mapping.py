"""What the SQLAlchemy models declare, as corm registrations.

Reads configured mappers only (no database): each relationship becomes a
RelationshipSpec holding the values corm.relationships shows for it, each
association proxy a ProxySpec holding those of corm.association_proxies.
Anything corm could not represent faithfully is an UnsupportedRelationship
here, before anything is registered.
"""
from collections import namedtuple

import sqlalchemy
from sqlalchemy.ext.associationproxy import ASSOCIATION_PROXY
from sqlalchemy.orm import configure_mappers
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE, ONETOMANY
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList, UnaryExpression

from .errors import UnsupportedRelationship

# The fields of corm.relationships after parent and name, in its order.
# Tables are sqlalchemy Table objects here; column lists are tuples of names;
# order_by is a tuple of (column, descending, nulls first).
RELATIONSHIP_FIELDS = (
    "target", "direction", "local_columns", "remote_columns", "secondary",
    "secondary_local_columns", "secondary_remote_columns", "uselist", "lazy", "cascade",
    "passive_deletes", "single_parent", "order_by", "join_depth", "back_populates")
RelationshipSpec = namedtuple("RelationshipSpec", ("model_attribute", "parent", "name") + RELATIONSHIP_FIELDS)

PROXY_FIELDS = ("relationship", "attribute", "attribute_kind")
ProxySpec = namedtuple("ProxySpec", ("model_attribute", "parent", "name") + PROXY_FIELDS)

# corm.relationships lists the cascade in this order (corm's options.c).
CASCADE_ORDER = ("save-update", "merge", "refresh-expire", "expunge", "delete", "delete-orphan")

# SQLAlchemy's lazy values as corm's strategies.  corm loads on the server,
# where every load runs SQL: raise_on_sql is raise.  A dynamic relationship
# is never loaded eagerly: select.  immediate loads with the parent, by one
# more statement: selectin, which corm also loads without being named.
LAZY = {
    "select": "select", True: "select",
    "joined": "joined", False: "joined",
    "subquery": "subquery",
    "selectin": "selectin",
    "noload": "noload", None: "noload",
    "raise": "raise", "raise_on_sql": "raise",
    "dynamic": "select",
    "immediate": "selectin",
}
PASSIVE_DELETES = {False: "false", True: "true", "all": "all"}
DIRECTION = {ONETOMANY: "one_to_many", MANYTOONE: "many_to_one", MANYTOMANY: "many_to_many"}
ORDER_MODIFIERS = {operators.asc_op: ("desc", False), operators.desc_op: ("desc", True),
                   operators.nulls_first_op: ("nulls_first", True),
                   operators.nulls_last_op: ("nulls_first", False)}


def mapped_table(mapper):
    """The Table a mapper writes its own columns to; corm knows only tables."""
    table = mapper.local_table
    if not isinstance(table, sqlalchemy.Table):
        raise UnsupportedRelationship("%s is mapped to %s, not to a table"
                                      % (mapper.class_.__name__, table))
    return table


def declared(base_or_registry, exclude=()):
    """The relationships and association proxies of every mapper of a
    declarative base (or a registry), each where it is declared, in a stable
    order: by table, then name.  exclude: class attributes (Author.books,
    Student.grades) left out."""
    registry = getattr(base_or_registry, "registry", base_or_registry)
    if not isinstance(registry, sqlalchemy.orm.registry):
        raise TypeError("register() needs a declarative base or a sqlalchemy.orm.registry, not %r"
                        % (base_or_registry,))
    configure_mappers()             # backrefs exist only once mappers are configured
    excluded = _excluded(exclude)
    relationships, proxies = [], []
    for mapper in registry.mappers:
        for prop in mapper.relationships:
            # a subclass mapper lists its base's relationships too
            if prop.parent is mapper and prop not in excluded:
                relationships.append(_relationship(mapper, prop))
        for key, desc in mapper.all_orm_descriptors.items():
            if getattr(desc, "extension_type", None) is ASSOCIATION_PROXY and desc not in excluded \
                    and not _inherited(mapper, key, desc):
                proxies.append(_proxy(mapper, key, desc, excluded))
    key = lambda s: (s.parent.schema or "", s.parent.name, s.name)
    relationships.sort(key=key)
    proxies.sort(key=key)
    _check_unique(relationships + proxies)
    return relationships, proxies


def _excluded(exclude):
    out = set()
    for attr in exclude:
        prop = getattr(attr, "property", None)
        if isinstance(prop, sqlalchemy.orm.RelationshipProperty):
            out.add(prop)
        elif getattr(getattr(attr, "parent", None), "extension_type", None) is ASSOCIATION_PROXY:
            out.add(attr.parent)
        else:
            raise TypeError("exclude takes relationship and association proxy attributes of "
                            "mapped classes (Author.books), not %r" % (attr,))
    return out


def _inherited(mapper, key, desc):
    base = mapper.inherits
    return base is not None and base.all_orm_descriptors.get(key) is desc


def _check_unique(specs):
    seen = {}
    for s in specs:
        where = (s.parent, s.name)
        if where in seen:
            raise UnsupportedRelationship(
                "%s and %s would both be %s.%s: corm has one attribute of a name per table"
                % (seen[where], s.model_attribute, s.parent.name, s.name))
        seen[where] = s.model_attribute


def _colkey(column):
    return (column.table, column.name)


def _equalities(expr):
    """The column pairs of a join condition that is only column = column
    joined by AND, as a set of frozensets; None for anything else."""
    if isinstance(expr, BooleanClauseList) and expr.operator is operators.and_:
        out = set()
        for clause in expr.clauses:
            pairs = _equalities(clause)
            if pairs is None:
                return None
            out |= pairs
        return out
    if isinstance(expr, BinaryExpression) and expr.operator is operators.eq \
            and isinstance(expr.left, sqlalchemy.Column) and isinstance(expr.right, sqlalchemy.Column):
        return {frozenset((_colkey(expr.left), _colkey(expr.right)))}
    return None


def _columns(what, pairs, left_table, right_table):
    """Two parallel tuples of column names from (left, right) column pairs,
    checking that each side is a column of its table."""
    for left, right in pairs:
        if left.table is not left_table or right.table is not right_table:
            raise UnsupportedRelationship(
                "%s joins %s.%s = %s.%s: corm joins columns of %s and %s only"
                % (what, left.table.name, left.name, right.table.name, right.name,
                   left_table.name, right_table.name))
    return tuple(l.name for l, _ in pairs), tuple(r.name for _, r in pairs)


def _same_join(what, condition, pairs):
    """condition must say exactly parent/target column equalities; anything
    more (a filter, another operator) would load other rows in corm."""
    found = _equalities(condition)
    if found != {frozenset((_colkey(a), _colkey(b))) for a, b in pairs}:
        raise UnsupportedRelationship(
            "%s joins by %s: corm joins only by equal columns (exclude it, or declare the join "
            "as column equalities)" % (what, condition))


def _order_by(what, prop, target):
    if not prop.order_by:
        return ()
    out = []
    for expr in prop.order_by:
        flags = {}
        e = expr
        while isinstance(e, UnaryExpression) and e.modifier in ORDER_MODIFIERS:
            flag, value = ORDER_MODIFIERS[e.modifier]
            flags.setdefault(flag, value)
            e = e.element
        if not isinstance(e, sqlalchemy.Column) or e.table is not target:
            raise UnsupportedRelationship("%s is ordered by %s: corm orders by columns of %s only"
                                          % (what, expr, target.name))
        desc = flags.get("desc", False)
        # PostgreSQL's default, which SQLAlchemy leaves to it: NULLS FIRST when DESC
        out.append((e.name, desc, flags.get("nulls_first", desc)))
    return tuple(out)


def _mirror(what, prop):
    """back_populates as declared, or the key of the backref SQLAlchemy
    paired this relationship with."""
    reverse = sorted(r.key for r in prop._reverse_property)
    if prop.back_populates is not None:
        return prop.back_populates
    if len(reverse) > 1:
        raise UnsupportedRelationship("%s is the reverse of %s: corm pairs a relationship "
                                      "with one mirror" % (what, ", ".join(reverse)))
    return reverse[0] if reverse else None


def _relationship(mapper, prop):
    what = "%s.%s" % (mapper.class_.__name__, prop.key)
    if prop.viewonly:
        raise UnsupportedRelationship(
            "%s is viewonly: corm's triggers would enforce cascades SQLAlchemy never does "
            "for it (pass exclude=[%s])" % (what, what))
    parent = mapped_table(mapper)
    target = mapped_table(prop.mapper)
    direction = DIRECTION[prop.direction]
    secondary = prop.secondary
    if secondary is not None:
        if not isinstance(secondary, sqlalchemy.Table):
            raise UnsupportedRelationship("%s goes through %s, not a table" % (what, secondary))
        _same_join(what, prop.primaryjoin, prop.synchronize_pairs)
        _same_join(what, prop.secondaryjoin, prop.secondary_synchronize_pairs)
        local, secondary_local = _columns(what, prop.synchronize_pairs, parent, secondary)
        remote, secondary_remote = _columns(what, prop.secondary_synchronize_pairs, target, secondary)
    else:
        _same_join(what, prop.primaryjoin, prop.local_remote_pairs)
        local, remote = _columns(what, prop.local_remote_pairs, parent, target)
        secondary_local = secondary_remote = None
        if direction == "one_to_many" and not prop.uselist:
            direction = "one_to_one"
    if prop.lazy not in LAZY:
        raise UnsupportedRelationship("%s has lazy=%r, which corm has no strategy for"
                                      % (what, prop.lazy))
    return RelationshipSpec(
        model_attribute=what, parent=parent, name=prop.key, target=target, direction=direction,
        local_columns=local, remote_columns=remote, secondary=secondary,
        secondary_local_columns=secondary_local, secondary_remote_columns=secondary_remote,
        uselist=bool(prop.uselist), lazy=LAZY[prop.lazy],
        cascade=tuple(c for c in CASCADE_ORDER if c in prop.cascade),
        passive_deletes=PASSIVE_DELETES[prop.passive_deletes],
        single_parent=bool(prop.single_parent), order_by=_order_by(what, prop, target),
        join_depth=prop.join_depth, back_populates=_mirror(what, prop))


def _proxy(mapper, key, desc, excluded):
    what = "%s.%s" % (mapper.class_.__name__, key)
    rel = mapper.relationships.get(desc.target_collection)
    if rel is None:
        raise UnsupportedRelationship("%s proxies through %s, which is not a relationship of %s"
                                      % (what, desc.target_collection, mapper.class_.__name__))
    if rel in excluded:
        raise UnsupportedRelationship("%s proxies through %s.%s, which is excluded: exclude %s too"
                                      % (what, mapper.class_.__name__, rel.key, what))
    target = rel.mapper
    if desc.value_attr in target.relationships:
        attribute, kind = desc.value_attr, "relationship"
    elif desc.value_attr in target.column_attrs \
            and len(target.column_attrs[desc.value_attr].columns) == 1 \
            and target.column_attrs[desc.value_attr].columns[0].table is mapped_table(target):
        # corm names the column, which the attribute may rename
        attribute, kind = target.column_attrs[desc.value_attr].columns[0].name, "column"
    else:
        raise UnsupportedRelationship("%s proxies %s.%s, which is neither a relationship nor a "
                                      "column of %s" % (what, target.class_.__name__,
                                                        desc.value_attr, mapped_table(target).name))
    return ProxySpec(model_attribute=what, parent=mapped_table(mapper), name=key,
                     relationship=rel.key, attribute=attribute, attribute_kind=kind)
