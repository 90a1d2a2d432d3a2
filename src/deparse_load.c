/*-------------------------------------------------------------------------
 *
 * deparse_load.c
 *	  The text of every statement the loader runs.
 *
 * Identifiers come from the catalogs and go through quote_identifier(); key
 * values are always $n parameters.  The only user text is corm_load's where
 * and order_by, which corm_check_fragment() has parsed first and accepted
 * only as one expression / one sort list.
 *
 * Every fetch statement selects, for each node whose rows it brings, the
 * node's columns (c0, c1, ... rendered by json_out.c, or by to_json() for
 * arrays and composites) followed by the key of the parent each row belongs
 * to (j0, j1, ..., cast to the parent's column types so that both sides hash
 * alike).  A node whose children are loaded `joined` is wrapped: its own
 * statement becomes the derived table n0, numbered by row_number() in its
 * own order, and each joined child is a LEFT JOIN onto it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "deparse.h"
#include "load.h"

/* The parts of a node's own SELECT. */
typedef struct BaseQuery
{
	StringInfoData items;		/* select list */
	StringInfoData from;		/* FROM and joins */
	StringInfoData where;		/* WHERE conditions, or empty */
	StringInfoData order;		/* ORDER BY list */
	const char *tail;			/* after ORDER BY: LIMIT/OFFSET, or "" */
} BaseQuery;

static void
base_init(BaseQuery *q)
{
	initStringInfo(&q->items);
	initStringInfo(&q->from);
	initStringInfo(&q->where);
	initStringInfo(&q->order);
	q->tail = "";
}

static const char *
attname_of(CormTable *t, AttrNumber attnum)
{
	int			i;

	for (i = 0; i < t->ncols; i++)
		if (t->attnums[i] == attnum)
			return t->colnames[i];
	elog(ERROR, "corm: column %d of table %s is gone", attnum, t->sqlname);
	return NULL;
}

static const char *
quoted_attname(Oid relid, AttrNumber attnum)
{
	return quote_identifier(get_attname(relid, attnum, false));
}

/* Whether node's statements select column i (else NULL stands in for it). */
static bool
selects_column(CormNode *node, int i)
{
	return node->show == NULL || node->show[i] || (node->keep && node->keep[i]);
}

/*
 * Append the node's columns as c0, c1, ... read from alias.  A column left
 * out by columns/exclude (and not needed as a key) is NULL instead, so that
 * a column-level GRANT without it suffices; an aggregate is its one value.
 */
static void
append_columns(StringInfo buf, CormNode *node, const char *alias, bool with_as)
{
	CormTable  *t = node->table;
	int			i;

	if (node->agg != CORM_AGG_NONE)
	{
		appendStringInfo(buf, "%s%s.corm_v%s", buf->len ? ", " : "", alias, with_as ? " AS c0" : "");
		return;
	}
	for (i = 0; i < t->ncols; i++)
	{
		char	   *col = psprintf("%s.%s", alias, t->colnames[i]);

		appendStringInfo(buf, "%s%s", buf->len ? ", " : "",
						 selects_column(node, i) ? corm_json_column_expr(t->coltypes[i], col) : "NULL");
		if (with_as)
			appendStringInfo(buf, " AS c%d", i);
	}
}

/*
 * The columns of the child's side of the join, holding the parent key:
 * the target's remote columns, or the secondary's local columns.
 */
static const char *
child_key_column(CormNode *node, int k, const char *talias, const char *salias)
{
	CormRelationship *rel = node->rel;

	if (OidIsValid(rel->secondary))
		return psprintf("%s.%s", salias, quoted_attname(rel->secondary, rel->secondary_local_attnums[k]));
	return psprintf("%s.%s", talias, attname_of(node->table, rel->remote_attnums[k]));
}

/* The type of child_key_column(node, k, ...). */
static Oid
child_key_type(CormNode *node, int k)
{
	CormRelationship *rel = node->rel;

	if (OidIsValid(rel->secondary))
		return get_atttype(rel->secondary, rel->secondary_local_attnums[k]);
	return get_atttype(rel->target, rel->remote_attnums[k]);
}

/* The parent key a child row belongs to, cast to the parent's types. */
static void
append_join_key(StringInfo buf, CormNode *node, const char *talias, const char *salias,
				bool with_as)
{
	int			k;

	for (k = 0; k < node->nkeys; k++)
	{
		const char *col = child_key_column(node, k, talias, salias);
		Oid			childtype = child_key_type(node, k);

		if (getBaseType(childtype) != node->key_types[k])
			col = psprintf("CAST(%s AS %s)", col, format_type_be_qualified(node->key_types[k]));
		appendStringInfo(buf, ", %s", col);
		if (with_as)
			appendStringInfo(buf, " AS j%d", k);
	}
}

/* FROM target [JOIN secondary]: the rows of a relationship's target. */
static void
append_target_from(StringInfo buf, CormNode *node, const char *talias, const char *salias)
{
	CormRelationship *rel = node->rel;
	int			k;

	if (!OidIsValid(rel->secondary))
	{
		appendStringInfo(buf, "%s %s", node->table->sqlname, talias);
		return;
	}
	appendStringInfo(buf, "%s %s JOIN %s %s ON ",
					 corm_cached_table(rel->secondary)->sqlname, salias,
					 node->table->sqlname, talias);
	for (k = 0; k < rel->nremote; k++)
	{
		if (k > 0)
			appendStringInfoString(buf, " AND ");
		corm_deparse_equal(buf, rel->target, rel->remote_attnums[k], talias,
						   rel->secondary, rel->secondary_remote_attnums[k], salias, rel);
	}
}

/* The collection order: the relationship's order_by, then the primary key. */
static void
append_order(StringInfo buf, CormNode *node, const char *talias)
{
	CormTable  *t = node->table;
	int			i;

	if (node->rel)
		for (i = 0; i < node->rel->norder; i++)
		{
			CormSortKey *key = &node->rel->order_by[i];

			appendStringInfo(buf, "%s%s.%s%s%s", buf->len ? ", " : "", talias,
							 attname_of(t, key->attnum), key->desc ? " DESC" : "",
							 key->nulls_first == key->desc ? ""
							 : (key->nulls_first ? " NULLS FIRST" : " NULLS LAST"));
		}
	/* then the primary key, as the tiebreaker (columns not already there) */
	for (i = 0; i < t->npk; i++)
	{
		bool		listed = false;
		int			j;

		if (node->rel)
			for (j = 0; j < node->rel->norder; j++)
				listed |= node->rel->order_by[j].attnum == t->attnums[t->pk[i]];
		if (!listed)
			appendStringInfo(buf, "%s%s.%s", buf->len ? ", " : "", talias, t->colnames[t->pk[i]]);
	}
}

/*
 * Rows of one parent first, together: exec.c then files each group with one
 * hash lookup instead of one per row.  (With an index on the foreign key,
 * the rows come in this order anyway.)
 */
static void
append_group_order(StringInfo buf, CormNode *node, const char *talias, const char *salias)
{
	int			k;

	for (k = 0; k < node->nkeys; k++)
		appendStringInfo(buf, "%s%s", buf->len ? ", " : "",
						 child_key_column(node, k, talias, salias));
}


/* ---------- options: the per-parent form ----------
 *
 * A node with where, order_by, limit/offset, an aggregate or inner
 * children (node->optioned) takes its rows from a derived table joined
 * LATERAL to each parent key: the target's rows for that one key, filtered,
 * ordered and cut there, so top-N is per parent and computed in SQL.
 *
 *	 (SELECT corm_t1.col, ..., row_number() OVER (ORDER BY o) AS corm_o
 *	  FROM target AS corm_t1
 *	  WHERE corm_t1.fk = <key> AND (where) AND EXISTS (<inner child>) ...
 *	  ORDER BY o LIMIT n OFFSET m)
 *
 * The key comes from the statement around it: the parameters of a select
 * or selectin statement unnested as corm_k, the parent's distinct keys for
 * subquery, the parent row itself for joined.  An aggregate selects
 * CAST(to_json(agg) AS text) AS corm_v instead, one row per key.  The
 * caller's where and order_by are evaluated where the target is the only
 * table in scope whose columns they may name (corm_check_node_fragment).
 */

static void append_conditions(StringInfo buf, CormNode *node, const char *alias, int depth);

/* The target row alias belongs to the parent key keys (of types ktypes). */
static void
append_match(StringInfo buf, CormNode *node, const char *alias, char **keys, Oid *ktypes,
			 int depth)
{
	CormRelationship *rel = node->rel;
	char	   *salias;
	int			k;

	if (!OidIsValid(rel->secondary))
	{
		for (k = 0; k < node->nkeys; k++)
		{
			if (k > 0)
				appendStringInfoString(buf, " AND ");
			corm_deparse_equal_exprs(buf, child_key_column(node, k, alias, NULL),
									 child_key_type(node, k), keys[k], ktypes[k], rel);
		}
		return;
	}
	/* a semi-join: the secondary's columns are not in scope of the where */
	salias = psprintf("corm_s%d", depth);
	appendStringInfo(buf, "EXISTS (SELECT 1 FROM %s AS %s WHERE ",
					 corm_cached_table(rel->secondary)->sqlname, salias);
	for (k = 0; k < node->nkeys; k++)
	{
		if (k > 0)
			appendStringInfoString(buf, " AND ");
		corm_deparse_equal_exprs(buf, child_key_column(node, k, NULL, salias),
								 child_key_type(node, k), keys[k], ktypes[k], rel);
	}
	for (k = 0; k < rel->nremote; k++)
	{
		appendStringInfoString(buf, " AND ");
		corm_deparse_equal(buf, rel->target, rel->remote_attnums[k], alias,
						   rel->secondary, rel->secondary_remote_attnums[k], salias, rel);
	}
	appendStringInfoChar(buf, ')');
}

/* The parent key of child read from the parent's row at palias (by column name). */
static void
parent_key_refs(CormNode *child, const char *palias, char **keys, Oid *ktypes)
{
	CormTable  *pt = child->parent->table;
	int			k;

	for (k = 0; k < child->nkeys; k++)
	{
		keys[k] = psprintf("%s.%s", palias, pt->colnames[child->parent_key[k]]);
		ktypes[k] = pt->coltypes[child->parent_key[k]];
	}
}

/* EXISTS: the row at palias has a related row of child matching its where. */
static void
append_inner_exists(StringInfo buf, CormNode *child, const char *palias, int depth)
{
	char	   *keys[CORM_MAX_KEYS];
	Oid			ktypes[CORM_MAX_KEYS];
	char	   *alias = psprintf("corm_t%d", depth);

	parent_key_refs(child, palias, keys, ktypes);
	appendStringInfo(buf, "EXISTS (SELECT 1 FROM %s AS %s WHERE ", child->table->sqlname, alias);
	append_match(buf, child, alias, keys, ktypes, depth);
	append_conditions(buf, child, alias, depth);
	appendStringInfoChar(buf, ')');
}

/* " AND (where) AND EXISTS (...)" for node's where and its inner children. */
static void
append_conditions(StringInfo buf, CormNode *node, const char *alias, int depth)
{
	ListCell   *lc;

	/* the newline ends a -- comment the fragment may close with */
	if (node->where)
		appendStringInfo(buf, " AND (%s\n)", node->where);
	foreach(lc, node->children)
	{
		CormNode   *child = lfirst(lc);

		if (child == node || child->kind != CORM_NODE_RELATIONSHIP || !child->inner)
			continue;
		appendStringInfoString(buf, " AND ");
		append_inner_exists(buf, child, alias, depth + 1);
	}
}

/* The order of node's objects: its order_by option, or the registered one; then the key. */
static void
append_node_order(StringInfo buf, CormNode *node, const char *alias)
{
	CormTable  *t = node->table;
	int			i;

	if (node->order_by == NULL)
	{
		append_order(buf, node, alias);
		return;
	}
	appendStringInfo(buf, "%s%s\n", buf->len ? ", " : "", node->order_by);
	for (i = 0; i < t->npk; i++)
		appendStringInfo(buf, ", %s.%s", alias, t->colnames[t->pk[i]]);
}

static const char *
aggregate_call(CormNode *node, const char *alias)
{
	const char *col = node->agg_col >= 0
		? psprintf("%s.%s", alias, node->table->colnames[node->agg_col]) : NULL;

	switch (node->agg)
	{
		case CORM_AGG_COUNT:
			return "pg_catalog.count(*)";
		case CORM_AGG_SUM:
			return psprintf("pg_catalog.sum(%s)", col);
		case CORM_AGG_AVG:
			return psprintf("pg_catalog.avg(%s)", col);
		case CORM_AGG_MIN:
			return psprintf("pg_catalog.min(%s)", col);
		case CORM_AGG_MAX:
			return psprintf("pg_catalog.max(%s)", col);
		case CORM_AGG_NONE:
			break;
	}
	elog(ERROR, "corm: no aggregate");
	return NULL;
}

/*
 * The aggregates fused into node's statement (plan.c): window aggregates
 * over the rows node reads, before its limit, as corm_a0, corm_a1, ...;
 * partition: the parent key, or empty when the statement is for one key.
 */
static void
append_fused_windows(StringInfo buf, CormNode *node, const char *alias, const char *partition,
					 const char *name)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, node->fused)
		appendStringInfo(buf, ", CAST(pg_catalog.to_json(%s OVER (%s%s)) AS pg_catalog.text) AS %s%d",
						 aggregate_call(lfirst(lc), alias), *partition ? "PARTITION BY " : "",
						 partition, name, i++);
}

/* The fused aggregates' columns as read from alias, after the join key. */
static void
append_fused_columns(StringInfo buf, CormNode *node, const char *alias, bool with_as)
{
	int			i;

	for (i = 0; i < list_length(node->fused); i++)
	{
		appendStringInfo(buf, ", %s.corm_a%d", alias, i);
		if (with_as)
			appendStringInfo(buf, " AS a%d", i);
	}
}

/* The derived table of node's rows for one parent key (see above). */
static void
append_filtered(StringInfo buf, CormNode *node, char **keys, Oid *ktypes)
{
	CormTable  *t = node->table;
	const char *alias = "corm_t1";
	StringInfoData order;
	int			i;
	bool		first = true;

	appendStringInfoString(buf, "(SELECT ");
	if (node->agg != CORM_AGG_NONE)
		appendStringInfo(buf, "CAST(pg_catalog.to_json(%s) AS pg_catalog.text) AS corm_v",
						 aggregate_call(node, alias));
	else
	{
		initStringInfo(&order);
		append_node_order(&order, node, alias);
		for (i = 0; i < t->ncols; i++)
		{
			if (!selects_column(node, i))
				continue;
			appendStringInfo(buf, "%s%s.%s", first ? "" : ", ", alias, t->colnames[i]);
			first = false;
		}
		appendStringInfo(buf, ", pg_catalog.row_number() OVER (ORDER BY %s) AS corm_o", order.data);
		append_fused_windows(buf, node, alias, "", "corm_a");
	}
	appendStringInfo(buf, " FROM %s AS %s WHERE ", t->sqlname, alias);
	append_match(buf, node, alias, keys, ktypes, 1);
	append_conditions(buf, node, alias, 1);
	if (node->agg == CORM_AGG_NONE)
	{
		/* integers corm formatted, not caller text */
		appendStringInfo(buf, " ORDER BY %s", order.data);
		if (node->has_limit)
			appendStringInfo(buf, " LIMIT " INT64_FORMAT, node->limit);
		if (node->offset > 0)
			appendStringInfo(buf, " OFFSET " INT64_FORMAT, node->offset);
	}
	appendStringInfoChar(buf, ')');
}

/*
 * An optioned node's select list, FROM and ORDER BY over the key source
 * src (aliased corm_k, columns k0, k1, ... of types ktypes).
 */
static void
optioned_base(BaseQuery *q, CormNode *node, const char *src, Oid *ktypes)
{
	char	   *keys[CORM_MAX_KEYS];
	int			k;

	base_init(q);
	for (k = 0; k < node->nkeys; k++)
		keys[k] = psprintf("corm_k.k%d", k);
	append_columns(&q->items, node, "corm_r", true);
	for (k = 0; k < node->nkeys; k++)
	{
		appendStringInfo(&q->items, ", corm_k.k%d AS j%d", k, k);
		appendStringInfo(&q->order, "%scorm_k.k%d", k ? ", " : "", k);
	}
	append_fused_columns(&q->items, node, "corm_r", true);
	if (node->agg == CORM_AGG_NONE)
		appendStringInfoString(&q->order, ", corm_r.corm_o");
	appendStringInfo(&q->from, "%s CROSS JOIN LATERAL ", src);
	append_filtered(&q->from, node, keys, ktypes);
	appendStringInfoString(&q->from, " corm_r");
}

/* The key source of a select (single) or selectin statement: its parameters. */
static char *
parameter_keys(CormNode *node, bool single)
{
	StringInfoData buf;
	int			k;

	initStringInfo(&buf);
	if (single)
	{
		appendStringInfoString(&buf, "(VALUES (");
		for (k = 0; k < node->nkeys; k++)
			appendStringInfo(&buf, "%s$%d", k ? ", " : "", k + 1);
		appendStringInfoString(&buf, "))");
	}
	else
	{
		appendStringInfoString(&buf, "ROWS FROM (");
		for (k = 0; k < node->nkeys; k++)
			appendStringInfo(&buf, "%spg_catalog.unnest($%d)", k ? ", " : "", k + 1);
		appendStringInfoChar(&buf, ')');
	}
	appendStringInfoString(&buf, " AS corm_k(");
	for (k = 0; k < node->nkeys; k++)
		appendStringInfo(&buf, "%sk%d", k ? ", " : "", k);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* The root's own query: where, order_by, limit and offset ($1, $2). */
static void
root_base(CormLoad *load, CormNode *root, BaseQuery *q, bool raw_columns)
{
	CormTable  *t = root->table;
	const char *alias = t->relname;
	int			i;

	base_init(q);
	if (raw_columns)
		appendStringInfo(&q->items, "%s.*", alias);
	else
		append_columns(&q->items, root, alias, true);
	appendStringInfo(&q->from, "%s AS %s", t->sqlname, alias);
	/* the newline ends a -- comment the fragment may close with */
	if (load->where)
		appendStringInfo(&q->where, "(%s\n)", load->where);
	if (load->by_id)
	{
		for (i = 0; i < t->npk; i++)
		{
			Oid			type = t->coltypes[t->pk[i]];
			char	   *col = psprintf("%s.%s", alias, t->colnames[t->pk[i]]);
			char	   *value;

			/* the id, cast to the key column's type */
			if (load->id_type == JSONBOID)
				value = psprintf("CAST($3 OPERATOR(pg_catalog.->>) %s AS %s)",
								 quote_literal_cstr(get_attname(t->relid, t->attnums[t->pk[i]], false)),
								 format_type_be_qualified(type));
			else
				value = psprintf("CAST($3 AS %s)", format_type_be_qualified(type));
			if (q->where.len > 0)
				appendStringInfoString(&q->where, " AND ");
			corm_deparse_equal_exprs(&q->where, col, type, value, type, NULL);
		}
	}
	if (root->optioned)
	{
		/* inner children: a root row without a match is left out */
		StringInfoData inner;

		initStringInfo(&inner);
		append_conditions(&inner, root, alias, 0);
		/* each condition comes as " AND ..." */
		appendStringInfoString(&q->where, inner.data + (q->where.len == 0 ? 5 : 0));
	}
	if (load->order_by)
		appendStringInfo(&q->order, "%s\n", load->order_by);
	append_order(&q->order, root, alias);
	q->tail = " LIMIT $1 OFFSET $2";
}

static int
root_params(CormLoad *load, Oid *argtypes)
{
	argtypes[0] = INT8OID;
	argtypes[1] = INT8OID;
	if (!load->by_id)
		return 2;
	argtypes[2] = load->id_type;
	return 3;
}

static char *
flat_statement(BaseQuery *q)
{
	return psprintf("SELECT %s FROM %s%s%s ORDER BY %s%s", q->items.data, q->from.data,
					q->where.len ? " WHERE " : "", q->where.data, q->order.data, q->tail);
}

/* Whether node's rows come in its parent's statement. */
static bool
loaded_with_parent(CormNode *node)
{
	return node->strategy == CORM_LAZY_JOINED && node->parent != NULL &&
		node->parent->recursion == 0 && !node->parent->stream &&
		node->kind == CORM_NODE_RELATIONSHIP;
}

/* Append LEFT JOINs for the joined descendants of node (alias palias). */
static int
append_joined(CormNode *node, const char *palias, bool parent_is_n0, StringInfo items,
			  StringInfo from, StringInfo order, int next_alias)
{
	List	   *all = list_concat(list_copy(node->children), node->hidden);
	ListCell   *lc;

	if (node->recursion != 0)
		return next_alias;
	foreach(lc, all)
	{
		CormNode   *child = lfirst(lc);
		CormRelationship *rel;
		char	   *talias;
		char	   *salias;
		int			k;

		if (child == node || !loaded_with_parent(child))
			continue;
		rel = child->rel;
		talias = psprintf("a%d", next_alias);
		salias = psprintf("s%d", next_alias);
		next_alias++;

		if (child->optioned)
		{
			/* the child's filtered rows for this parent row, joined LATERAL */
			char	   *keys[CORM_MAX_KEYS];
			Oid			ktypes[CORM_MAX_KEYS];

			for (k = 0; k < child->nkeys; k++)
			{
				int			pcol = child->parent_key[k];

				keys[k] = parent_is_n0 ? psprintf("%s.c%d", palias, pcol)
					: psprintf("%s.%s", palias, node->table->colnames[pcol]);
				ktypes[k] = node->table->coltypes[pcol];
			}
			appendStringInfoString(from, " LEFT JOIN LATERAL ");
			append_filtered(from, child, keys, ktypes);
			appendStringInfo(from, " %s ON TRUE", talias);
			append_columns(items, child, talias, false);
			for (k = 0; k < child->nkeys; k++)
				appendStringInfo(items, ", %s", keys[k]);
			append_fused_columns(items, child, talias, false);
			if (child->agg == CORM_AGG_NONE)
				appendStringInfo(order, "%s%s.corm_o", order->len ? ", " : "", talias);
			next_alias = append_joined(child, talias, false, items, from, order, next_alias);
			continue;
		}

		appendStringInfoString(from, " LEFT JOIN ");
		if (OidIsValid(rel->secondary))
			appendStringInfoChar(from, '(');
		append_target_from(from, child, talias, salias);
		if (OidIsValid(rel->secondary))
			appendStringInfoChar(from, ')');
		appendStringInfoString(from, " ON ");
		for (k = 0; k < child->nkeys; k++)
		{
			int			pcol = child->parent_key[k];
			char	   *pref = parent_is_n0 ? psprintf("%s.c%d", palias, pcol)
				: psprintf("%s.%s", palias, node->table->colnames[pcol]);

			if (k > 0)
				appendStringInfoString(from, " AND ");
			corm_deparse_equal_exprs(from, child_key_column(child, k, talias, salias),
									 child_key_type(child, k), pref,
									 node->table->coltypes[pcol], rel);
		}
		append_columns(items, child, talias, false);
		append_join_key(items, child, talias, salias, false);
		append_order(order, child, talias);
		next_alias = append_joined(child, talias, false, items, from, order, next_alias);
	}
	return next_alias;
}

/*
 * The whole statement for a node's base query: flat when no child is loaded
 * `joined`, else wrapped with the joined descendants as LEFT JOINs.
 */
static char *
with_joined(CormNode *node, BaseQuery *q, bool has_key)
{
	StringInfoData items;
	StringInfoData from;
	StringInfoData order;
	int			i;

	initStringInfo(&items);
	initStringInfo(&from);
	initStringInfo(&order);
	append_joined(node, "n0", true, &items, &from, &order, 1);
	if (items.len == 0)
		return flat_statement(q);

	{
		StringInfoData outer;

		initStringInfo(&outer);
		for (i = 0; i < node->table->ncols; i++)
			appendStringInfo(&outer, "%sn0.c%d", i ? ", " : "", i);
		if (has_key)
		{
			for (i = 0; i < node->nkeys; i++)
				appendStringInfo(&outer, ", n0.j%d", i);
			for (i = 0; i < list_length(node->fused); i++)
				appendStringInfo(&outer, ", n0.a%d", i);
		}
		/* (an aggregate joined adds no sort key: one row per parent row) */
		return psprintf("SELECT %s, %s FROM (SELECT %s, pg_catalog.row_number() OVER (ORDER BY %s) AS ord"
						" FROM %s%s%s ORDER BY %s%s) n0%s ORDER BY n0.ord%s%s",
						outer.data, items.data, q->items.data, q->order.data, q->from.data,
						q->where.len ? " WHERE " : "", q->where.data, q->order.data, q->tail,
						from.data, order.len ? ", " : "", order.data);
	}
}

char *
corm_sql_root(CormLoad *load, CormNode *root, int *nargs, Oid *argtypes)
{
	BaseQuery	q;

	root_base(load, root, &q, false);
	*nargs = root_params(load, argtypes);
	return with_joined(root, &q, false);
}

/*
 * Whether an optioned node's keyed statement can select its rows for all
 * keys at once (= ANY) rather than per key (LATERAL): when nothing is cut
 * per parent (no limit, no offset), and the target is the only table in
 * scope of the caller's fragments (no secondary, no unnested composite
 * key).  Without an index on the join column, one scan instead of one per
 * key; aggregates become one GROUP BY.
 */
static bool
set_form_fits(CormNode *node, bool single)
{
	return !node->has_limit && node->offset == 0 && !OidIsValid(node->rel->secondary) &&
		(single || node->nkeys == 1);
}

static char *
keyed_set_form(CormNode *node, bool single)
{
	BaseQuery	q;
	StringInfoData group;
	int			k;

	base_init(&q);
	initStringInfo(&group);
	for (k = 0; k < node->nkeys; k++)
	{
		if (k > 0)
			appendStringInfoString(&q.where, " AND ");
		if (single)
			corm_deparse_equal_exprs(&q.where, child_key_column(node, k, "corm_t1", NULL),
									 child_key_type(node, k), psprintf("$%d", k + 1),
									 node->key_types[k], node->rel);
		else
			corm_deparse_equal_any(&q.where, child_key_column(node, k, "corm_t1", NULL),
								   child_key_type(node, k), psprintf("$%d", k + 1),
								   node->key_types[k], node->rel);
	}
	append_conditions(&q.where, node, "corm_t1", 1);
	appendStringInfo(&q.from, "%s AS corm_t1", node->table->sqlname);
	append_group_order(&group, node, "corm_t1", NULL);
	if (node->agg != CORM_AGG_NONE)
	{
		/* one row per parent key that has rows; render.c gives 0 / null to the others */
		append_join_key(&q.items, node, "corm_t1", NULL, true);
		return psprintf("SELECT CAST(pg_catalog.to_json(%s) AS pg_catalog.text) AS c0%s FROM %s"
						" WHERE %s GROUP BY %s ORDER BY %s",
						aggregate_call(node, "corm_t1"), q.items.data, q.from.data,
						q.where.data, group.data, group.data);
	}
	append_columns(&q.items, node, "corm_t1", true);
	append_join_key(&q.items, node, "corm_t1", NULL, true);
	/* fused aggregates, over each parent key's rows */
	append_fused_windows(&q.items, node, "corm_t1", group.data, "a");
	appendStringInfoString(&q.order, group.data);
	append_node_order(&q.order, node, "corm_t1");
	return with_joined(node, &q, true);
}

/*
 * A node's rows for given parent keys: one key per statement ($1..$n, one
 * per key column) when single, else arrays of keys ($1..$n, one array per
 * key column) for a batch.
 */
char *
corm_sql_keyed(CormNode *node, bool single, int *nargs, Oid *argtypes)
{
	BaseQuery	q;
	int			k;

	for (k = 0; k < node->nkeys; k++)
		argtypes[k] = single ? node->key_types[k] : get_array_type(node->key_types[k]);
	*nargs = node->nkeys;
	if (node->optioned && set_form_fits(node, single))
		return keyed_set_form(node, single);
	if (node->optioned)
	{
		optioned_base(&q, node, parameter_keys(node, single), node->key_types);
		return with_joined(node, &q, true);
	}

	base_init(&q);
	append_columns(&q.items, node, "t", true);
	append_join_key(&q.items, node, "t", "s", true);
	append_target_from(&q.from, node, "t", "s");
	if (!single && node->nkeys > 1)
	{
		/* composite keys: join the unnested arrays */
		appendStringInfoString(&q.from, " JOIN ROWS FROM (");
		for (k = 0; k < node->nkeys; k++)
			appendStringInfo(&q.from, "%spg_catalog.unnest($%d)", k ? ", " : "", k + 1);
		appendStringInfoString(&q.from, ") AS k(");
		for (k = 0; k < node->nkeys; k++)
			appendStringInfo(&q.from, "%sk%d", k ? ", " : "", k);
		appendStringInfoString(&q.from, ") ON ");
		for (k = 0; k < node->nkeys; k++)
		{
			if (k > 0)
				appendStringInfoString(&q.from, " AND ");
			corm_deparse_equal_exprs(&q.from, child_key_column(node, k, "t", "s"),
									 child_key_type(node, k), psprintf("k.k%d", k),
									 node->key_types[k], node->rel);
		}

		/*
		 * A join with unnested arrays stays here; on foreign partitions each
		 * key column's = ANY goes to the shards with the scan, which then
		 * sends back only rows whose every column is among the batch's
		 * (a superset of the batch's rows, which the join picks).
		 */
		if (node->table->foreign_parts ||
			(OidIsValid(node->rel->secondary) &&
			 corm_cached_table(node->rel->secondary)->foreign_parts))
			for (k = 0; k < node->nkeys; k++)
			{
				if (k > 0)
					appendStringInfoString(&q.where, " AND ");
				corm_deparse_equal_any(&q.where, child_key_column(node, k, "t", "s"),
									   child_key_type(node, k), psprintf("$%d", k + 1),
									   node->key_types[k], node->rel);
			}
	}
	else
		for (k = 0; k < node->nkeys; k++)
		{
			if (k > 0)
				appendStringInfoString(&q.where, " AND ");
			if (single)
				corm_deparse_equal_exprs(&q.where, child_key_column(node, k, "t", "s"),
										 child_key_type(node, k), psprintf("$%d", k + 1),
										 node->key_types[k], node->rel);
			else
				corm_deparse_equal_any(&q.where, child_key_column(node, k, "t", "s"),
									   child_key_type(node, k), psprintf("$%d", k + 1),
									   node->key_types[k], node->rel);
		}
	append_group_order(&q.order, node, "t", "s");
	append_order(&q.order, node, "t");
	return with_joined(node, &q, true);
}

/*
 * Whether the rows of node can be selected again by one statement that
 * depends only on the root's parameters: the root, and nodes loaded by
 * subquery or joined below such a node.
 */
bool
corm_sql_has_source(CormNode *node)
{
	if (node->kind == CORM_NODE_ROOT)
		return !node->stream;
	if (node->recursion != 0 || node->kind != CORM_NODE_RELATIONSHIP)
		return false;
	if (node->strategy != CORM_LAZY_SUBQUERY && !loaded_with_parent(node))
		return false;
	return corm_sql_has_source(node->parent);
}

static char *source_statement(CormLoad *load, CormNode *node);

/*
 * The distinct parent keys of node's parent rows, as selected by the
 * parent's own statement, as key source corm_k; their types in ktypes.
 */
static char *
source_keys(CormLoad *load, CormNode *node, Oid *ktypes)
{
	CormTable  *ptable = node->parent->table;
	StringInfoData buf;
	int			k;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "(SELECT DISTINCT ");
	for (k = 0; k < node->nkeys; k++)
	{
		appendStringInfo(&buf, "%ssp.%s AS k%d", k ? ", " : "",
						 ptable->colnames[node->parent_key[k]], k);
		ktypes[k] = ptable->coltypes[node->parent_key[k]];
	}
	appendStringInfo(&buf, " FROM (%s) sp) corm_k", source_statement(load, node->parent));
	return buf.data;
}

/*
 * FROM clause for node's rows below the rows its parent's own statement
 * selects: (SELECT DISTINCT parent keys FROM (parent statement)) p JOIN target.
 */
static void
append_from_parent_source(StringInfo from, CormLoad *load, CormNode *node)
{
	CormTable  *ptable = node->parent->table;
	int			k;

	appendStringInfoString(from, "(SELECT DISTINCT ");
	for (k = 0; k < node->nkeys; k++)
		appendStringInfo(from, "%ssp.%s", k ? ", " : "", ptable->colnames[node->parent_key[k]]);
	appendStringInfo(from, " FROM (%s) sp) p JOIN ", source_statement(load, node->parent));
	append_target_from(from, node, "t", "s");
	appendStringInfoString(from, " ON ");
	for (k = 0; k < node->nkeys; k++)
	{
		if (k > 0)
			appendStringInfoString(from, " AND ");
		corm_deparse_equal_exprs(from, child_key_column(node, k, "t", "s"),
								 child_key_type(node, k),
								 psprintf("p.%s", ptable->colnames[node->parent_key[k]]),
								 ptable->coltypes[node->parent_key[k]], node->rel);
	}
}

/* A statement selecting node's table rows (all columns, by name). */
static char *
source_statement(CormLoad *load, CormNode *node)
{
	BaseQuery	q;
	StringInfoData from;

	if (node->kind == CORM_NODE_ROOT)
	{
		root_base(load, node, &q, true);
		return flat_statement(&q);
	}
	if (node->optioned)
	{
		Oid			ktypes[CORM_MAX_KEYS];

		optioned_base(&q, node, source_keys(load, node, ktypes), ktypes);
		return psprintf("SELECT corm_r.* FROM %s", q.from.data);
	}
	initStringInfo(&from);
	append_from_parent_source(&from, load, node);
	if (node->show)
	{
		/* only what is read anyway: a column GRANT without the rest suffices */
		StringInfoData cols;
		int			i;

		initStringInfo(&cols);
		for (i = 0; i < node->table->ncols; i++)
			if (node->keep[i])
				appendStringInfo(&cols, "%st.%s", cols.len ? ", " : "", node->table->colnames[i]);
		return psprintf("SELECT %s FROM %s", cols.data, from.data);
	}
	return psprintf("SELECT t.* FROM %s", from.data);
}

/*
 * The subquery strategy: the node's rows for the parent rows that the
 * parent's own statement selects, re-run as a subquery.
 */
char *
corm_sql_subquery(CormLoad *load, CormNode *node, int *nargs, Oid *argtypes)
{
	BaseQuery	q;

	*nargs = root_params(load, argtypes);
	if (node->optioned)
	{
		Oid			ktypes[CORM_MAX_KEYS];

		optioned_base(&q, node, source_keys(load, node, ktypes), ktypes);
		return with_joined(node, &q, true);
	}
	base_init(&q);
	append_columns(&q.items, node, "t", true);
	append_join_key(&q.items, node, "t", "s", true);
	append_from_parent_source(&q.from, load, node);
	append_group_order(&q.order, node, "t", "s");
	append_order(&q.order, node, "t");
	return with_joined(node, &q, true);
}

/*
 * Parse corm_load's where (one expression) or order_by (one sort list)
 * inside a SELECT and require that nothing but that clause came out, so it
 * cannot close the clause and add another (a UNION, a LIMIT, a second
 * statement).  Syntax errors report the position in the fragment; what
 * names the fragment in messages ("where", "where of \"books\"").
 */
static SelectStmt *
parse_fragment(const char *text, bool is_where, const char *what)
{
	const char *prefix = is_where ? "SELECT 1 FROM x WHERE " : "SELECT 1 FROM x ORDER BY ";
	char	   *sql = psprintf("%s%s", prefix, text);
	MemoryContext cxt = CurrentMemoryContext;
	List	   *parsed = NIL;
	SelectStmt *stmt = NULL;
	bool		ok;

	PG_TRY();
	{
		parsed = raw_parser(sql, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			pos;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		pos = edata->cursorpos - (int) strlen(prefix);
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("invalid %s: %s", what, edata->message),
				 pos > 0 ? errdetail("At position %d of %s \"%s\".", pos, what, text) : 0,
				 errhint(is_where ? "where is one SQL expression over the table's columns, e.g. 'born < ''1950-01-01'''."
						 : "order_by is one sort list over the table's columns, e.g. 'born DESC, name'.")));
	}
	PG_END_TRY();

	ok = list_length(parsed) == 1 && IsA(((RawStmt *) linitial(parsed))->stmt, SelectStmt);
	if (ok)
	{
		stmt = (SelectStmt *) ((RawStmt *) linitial(parsed))->stmt;
		ok = stmt->op == SETOP_NONE && stmt->groupClause == NIL && stmt->havingClause == NULL &&
			stmt->windowClause == NIL && stmt->limitCount == NULL && stmt->limitOffset == NULL &&
			stmt->lockingClause == NIL && stmt->withClause == NULL && stmt->intoClause == NULL &&
			(is_where ? stmt->sortClause == NIL && stmt->whereClause != NULL
			 : stmt->sortClause != NIL && stmt->whereClause == NULL);
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("invalid %s: \"%s\" is not %s", what, text,
						is_where ? "one SQL expression" : "one sort list"),
				 errhint("Only a condition (where) or a list of sort keys (order_by) is accepted: no closing parenthesis, second statement, UNION, LIMIT or other clause.")));
	return stmt;
}

void
corm_check_fragment(const char *text, bool is_where)
{
	(void) parse_fragment(text, is_where, is_where ? "where" : "order_by");
}

/* What check_column_refs() checks a fragment against. */
typedef struct ColumnCheck
{
	CormTable  *target;
	const char *what;
	const char *text;
} ColumnCheck;

/*
 * Every column a nested where/order_by names, outside its own subqueries,
 * must be a column of the target, by its name alone: the statements around
 * it differ by strategy (other tables are in scope under joined), so a name
 * the target does not have could bind to something else there.
 */
static bool
check_column_refs(Node *node, ColumnCheck *c)
{
	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *ref = (ColumnRef *) node;
		Node	   *field = linitial(ref->fields);
		CormTable  *t = c->target;
		StringInfoData cols;
		int			i;

		if (list_length(ref->fields) != 1 || !IsA(field, String))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
					 errmsg("invalid %s: columns must be named without a table (\"%s\")", c->what, c->text),
					 errhint("A nested where or order_by is over the columns of \"%s\" only: write col, not table.col.",
							 get_rel_name(t->relid))));
		if (get_attnum(t->relid, strVal(field)) != InvalidAttrNumber)
			return false;
		initStringInfo(&cols);
		for (i = 0; i < t->ncols; i++)
			appendStringInfo(&cols, "%s%s", i ? ", " : "", get_attname(t->relid, t->attnums[i], false));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("invalid %s: column \"%s\" does not exist in table \"%s\"",
						c->what, strVal(field), get_rel_name(t->relid)),
				 errhint("Columns of \"%s\": %s.", get_rel_name(t->relid), cols.data)));
	}
	if (IsA(node, SubLink))
	{
		/* a subquery's own FROM scopes the names inside it */
		return check_column_refs(((SubLink *) node)->testexpr, c);
	}
	return raw_expression_tree_walker(node, check_column_refs, (void *) c);
}

/*
 * Accept the where or order_by option of the node at path (loading rows of
 * target): one expression / one sort list, naming only target's columns.
 */
void
corm_check_node_fragment(const char *text, bool is_where, CormTable *target, const char *path)
{
	ColumnCheck c;
	SelectStmt *stmt;
	ListCell   *lc;

	c.target = target;
	c.what = psprintf("%s of \"%s\"", is_where ? "where" : "order_by", path);
	c.text = text;
	stmt = parse_fragment(text, is_where, c.what);
	if (is_where)
		(void) check_column_refs(stmt->whereClause, &c);
	else
		foreach(lc, stmt->sortClause)
			(void) check_column_refs(((SortBy *) lfirst(lc))->node, &c);
}
