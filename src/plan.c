/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Binding a parsed load spec to the catalog: which relationship each name
 *	  is, the strategy of every node, the eager-by-default relationships that
 *	  load without being named, recursion limits, association proxies.
 *
 * Rules (SPEC.md, Loading and Clarifications):
 *	 - a named relationship uses its spec strategy, else its registered lazy;
 *	   registered 'raise' named without a strategy is an ERROR;
 *	 - relationships registered joined/subquery/selectin load when not named;
 *	   such an eager default appears at most max(join_depth, 1) times along a
 *	   branch, so two tables eager to each other never recurse forever;
 *	 - 'name*' recurses to the leaves, 'name*N' N levels, on a relationship
 *	   whose target is its own parent table only;
 *	 - an association proxy loads its relationship (and the proxied
 *	   relationship) in hidden nodes; no path may continue below a proxy.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "deparse.h"
#include "load.h"
#include "spec.h"

static void plan_children(CormNode *node, List *specs);
static void mark_kept_columns(CormNode *node);
static void index_kept_columns(CormNode *node);

static CormProxy *
find_proxy(Oid parent, const char *name)
{
	ListCell   *lc;

	foreach(lc, corm_cached_proxies(parent))
	{
		CormProxy  *proxy = lfirst(lc);

		if (strcmp(proxy->name, name) == 0)
			return proxy;
	}
	return NULL;
}

/* Names a table's objects can be loaded by, for hints. */
static char *
attribute_names(Oid relid)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, corm_cached_relationships(relid))
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", ((CormRelationship *) lfirst(lc))->name);
	foreach(lc, corm_cached_proxies(relid))
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", ((CormProxy *) lfirst(lc))->name);
	return buf.len ? buf.data : "(none)";
}

static CormTable *
loadable_table(Oid relid)
{
	CormTable  *t = corm_cached_table(relid);

	if (t->npk == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" has no primary key", get_rel_name(relid)),
				 errdetail("corm identifies and orders loaded rows by their primary key, as SQLAlchemy maps only tables with one."),
				 corm_has_foreign_partitions(relid)
				 ? errhint("A partitioned table with foreign partitions cannot have one: declare its key with corm_primary_key().")
				 : errhint("Add a primary key to the table.")));
	return t;
}

static int
column_index(CormTable *t, AttrNumber attnum)
{
	int			i;

	for (i = 0; i < t->ncols; i++)
		if (t->attnums[i] == attnum)
			return i;
	elog(ERROR, "corm: column %d of %s not found", attnum, t->sqlname);
	return -1;
}

/* corm.max_load_nodes */
int			corm_max_load_nodes = 1000;

/* nodes planned so far by the load being planned */
static int	planned_nodes = 0;

/*
 * Count a node against corm.max_load_nodes.  Eager defaults multiply: two
 * self-references eager to each other with join_depth 12 make a tree of
 * 2^24 nodes, so the planner stops with an ERROR long before, and answers
 * a cancel or statement_timeout while it works.
 */
static void
count_node(CormNode *parent, CormRelationship *rel)
{
	CHECK_FOR_INTERRUPTS();
	if (++planned_nodes > corm_max_load_nodes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the load would have more than %d nodes (corm.max_load_nodes)",
						corm_max_load_nodes),
				 errdetail("The limit was reached at %s%s%s.", parent->path,
						   *parent->path ? "." : "", rel->name),
				 errhint("Eager-by-default relationships (lazy joined, subquery or selectin) load below each other up to join_depth times: lower join_depth, register one of them lazy 'select', or raise corm.max_load_nodes.")));
}

/* A node loading rel below parent; key NULL for a hidden node. */
static CormNode *
make_node(CormNode *parent, CormRelationship *rel, CormLazy strategy, const char *key)
{
	CormNode   *node = palloc0(sizeof(CormNode));
	Oid			types[CORM_MAX_KEYS * 2];
	Oid			collations[CORM_MAX_KEYS * 2];
	int			k;

	count_node(parent, rel);

	node->kind = CORM_NODE_RELATIONSHIP;
	node->key = key ? pstrdup(key) : NULL;
	node->path = parent->kind == CORM_NODE_ROOT ? pstrdup(key ? key : rel->name)
		: psprintf("%s.%s", parent->path, key ? key : rel->name);
	node->parent = parent;
	node->rel = rel;
	node->strategy = strategy;
	node->table = loadable_table(rel->target);
	node->nshown = node->table->ncols;

	node->nkeys = rel->nlocal;
	node->parent_key = palloc(sizeof(int) * rel->nlocal);
	node->key_types = palloc(sizeof(Oid) * rel->nlocal);
	for (k = 0; k < rel->nlocal; k++)
	{
		int			c = column_index(parent->table, rel->local_attnums[k]);

		node->parent_key[k] = c;
		node->key_types[k] = getBaseType(parent->table->coltypes[c]);
		corm_deparse_check_comparable(parent->table->coltypes[c],
									  OidIsValid(rel->secondary)
									  ? get_atttype(rel->secondary, rel->secondary_local_attnums[k])
									  : get_atttype(rel->target, rel->remote_attnums[k]),
									  rel);
		types[k] = node->key_types[k];
		collations[k] = parent->table->colcollations[c];
	}
	corm_keyspec_init(&node->keyspec, node->nkeys, types, collations);

	/* joined rows are de-duplicated by (parent key, primary key) */
	for (k = 0; k < node->table->npk; k++)
	{
		int			c = node->table->pk[k];

		types[node->nkeys + k] = getBaseType(node->table->coltypes[c]);
		collations[node->nkeys + k] = node->table->colcollations[c];
	}
	corm_keyspec_init(&node->seenspec, node->nkeys + node->table->npk, types, collations);
	return node;
}

/* How often rel already appears on the branch ending at node. */
static int
times_on_branch(CormNode *node, CormRelationship *rel)
{
	int			n = 0;

	for (; node != NULL; node = node->parent)
		if (node->rel == rel)
			n++;
	return n;
}

static bool
is_eager(CormLazy lazy)
{
	return lazy == CORM_LAZY_JOINED || lazy == CORM_LAZY_SUBQUERY || lazy == CORM_LAZY_SELECTIN;
}

/* The strategy hidden proxy nodes load with. */
static CormLazy
proxy_strategy(int asked, CormRelationship *rel)
{
	if (asked >= 0)
		return (CormLazy) asked;
	if (rel->lazy == CORM_LAZY_SELECT || is_eager(rel->lazy))
		return rel->lazy;
	return CORM_LAZY_SELECTIN;
}

static CormNode *
make_proxy_node(CormNode *parent, CormProxy *proxy, CormSpecNode *spec, const char *key)
{
	CormNode   *node = palloc0(sizeof(CormNode));
	CormRelationship *via_rel = corm_cached_relationship(parent->table->relid, proxy->relationship);
	CormLazy	strategy;

	if (via_rel == NULL)
		elog(ERROR, "corm: association proxy %s lost its relationship", proxy->name);
	node->kind = CORM_NODE_PROXY;
	node->key = pstrdup(key);
	node->path = parent->kind == CORM_NODE_ROOT ? pstrdup(key)
		: psprintf("%s.%s", parent->path, key);
	node->parent = parent;
	node->proxy = proxy;
	strategy = proxy_strategy(spec ? spec->strategy : -1, via_rel);
	node->strategy = strategy;
	if (strategy == CORM_LAZY_NOLOAD)
		return node;

	node->via = make_node(parent, via_rel, strategy, NULL);
	node->via->path = psprintf("%s(%s)", node->path, via_rel->name);
	parent->hidden = lappend(parent->hidden, node->via);
	if (proxy->target_relationship)
	{
		CormRelationship *attr = corm_cached_relationship(via_rel->target, proxy->target_relationship);

		if (attr == NULL)
			elog(ERROR, "corm: association proxy %s lost its attribute", proxy->name);
		node->via_attr = make_node(node->via, attr, proxy_strategy(spec ? spec->strategy : -1, attr),
								   NULL);
		node->via_attr->path = psprintf("%s(%s.%s)", node->path, via_rel->name, attr->name);
		node->via->hidden = lappend(node->via->hidden, node->via_attr);
		/* the proxied objects render as that relationship renders them */
		plan_children(node->via_attr, NIL);
		mark_kept_columns(node->via);
	}
	else
	{
		node->proxy_col = column_index(node->via->table, proxy->target_attnum);
		mark_kept_columns(node->via);
		node->via->keep[node->proxy_col] = true;
		index_kept_columns(node->via);
	}
	return node;
}

static int
compare_keys(const ListCell *a, const ListCell *b)
{
	return strcmp(((CormNode *) lfirst(a))->key, ((CormNode *) lfirst(b))->key);
}

/*
 * Columns whose values the node's rows must keep: the primary key (cycle
 * checks) and the parent key of every child, visible or hidden.
 */
static void
mark_kept_columns(CormNode *node)
{
	List	   *all = list_concat(list_copy(node->children), node->hidden);
	ListCell   *lc;
	int			i;

	node->keep = palloc0(sizeof(bool) * Max(node->table->ncols, 1));
	if (node->agg != CORM_AGG_NONE)
	{
		/* an aggregate's rows hold its value only */
		index_kept_columns(node);
		return;
	}
	for (i = 0; i < node->table->npk; i++)
		node->keep[node->table->pk[i]] = true;
	foreach(lc, all)
	{
		CormNode   *child = lfirst(lc);

		if (child->kind == CORM_NODE_RELATIONSHIP)
			for (i = 0; i < child->nkeys; i++)
				node->keep[child->parent_key[i]] = true;
	}
	index_kept_columns(node);
	for (i = 0; i < node->table->ncols; i++)
		if (node->keep[i] && node->table->out[i].via_sql)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("corm cannot load by column %s of table %s, of type %s",
							node->table->colnames[i], node->table->sqlname,
							format_type_be(node->table->coltypes[i])),
					 errhint("Join and primary key columns must be of a scalar type.")));
}

/* Number the kept columns, for the compact rows of exec.c. */
static void
index_kept_columns(CormNode *node)
{
	int			i;

	node->nkept = 0;
	node->keep_pos = palloc(sizeof(int) * Max(node->table->ncols, 1));
	for (i = 0; i < node->table->ncols; i++)
		node->keep_pos[i] = node->keep[i] ? node->nkept++ : -1;
}

/* Where a spec node is, for messages: its position in a text spec, or its path. */
static char *
spec_place(CormSpecNode *spec, const char *path)
{
	if (spec->position > 0)
		return psprintf("position %d", spec->position);
	return psprintf("key \"%s\"", path);
}

/*
 * An alias may not hide a column of the parent object, nor another
 * relationship's or proxy's own key: the output keys would be ambiguous.
 */
static void
check_alias(CormNode *node, CormSpecNode *spec, const char *path)
{
	Oid			relid = node->table->relid;
	const char *what = NULL;

	if (get_attnum(relid, spec->name) != InvalidAttrNumber)
		what = "a column";
	else if (corm_cached_relationship(relid, spec->name) || find_proxy(relid, spec->name))
		what = "another relationship";
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key \"%s\" of the load spec, which loads \"%s\", is the name of %s of table \"%s\"",
						path, spec->relationship, what, get_rel_name(relid)),
				 errhint("An alias must differ from the parent's columns and relationships: choose another key.")));
}

/* The column of t named name (not quoted), or ERROR naming path and option. */
static int
named_column(CormTable *t, const char *name, const char *path, const char *option)
{
	AttrNumber	attnum = get_attnum(t->relid, name);
	StringInfoData cols;
	int			i;

	if (attnum > 0)
		for (i = 0; i < t->ncols; i++)
			if (t->attnums[i] == attnum)
				return i;
	initStringInfo(&cols);
	for (i = 0; i < t->ncols; i++)
		appendStringInfo(&cols, "%s%s", i ? ", " : "", get_attname(t->relid, t->attnums[i], false));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" in option \"%s\" of \"%s\" does not exist in table \"%s\"",
					name, option, path, get_rel_name(t->relid)),
			 errhint("Columns of \"%s\": %s.", get_rel_name(t->relid), cols.data)));
	return -1;					/* not reached */
}

/* Whether sum/avg (numeric) or min/max (ordered) apply to type. */
static void
check_aggregate_type(CormNode *node, CormAggKind agg, int col)
{
	Oid			type = getBaseType(node->table->coltypes[col]);
	char		category;
	bool		preferred;
	bool		ok;

	get_type_category_preferred(type, &category, &preferred);
	if (agg == CORM_AGG_SUM || agg == CORM_AGG_AVG)
		ok = category == TYPCATEGORY_NUMERIC || type == INTERVALOID ||
			(agg == CORM_AGG_SUM && type == MONEYOID);
	else
		ok = OidIsValid(lookup_type_cache(type, TYPECACHE_LT_OPR)->lt_opr) &&
			category != TYPCATEGORY_ARRAY && category != TYPCATEGORY_COMPOSITE;
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("option \"%s\" of \"%s\" needs a column of a %s type, but column \"%s\" is of type %s",
						corm_agg_name(agg), node->path,
						agg == CORM_AGG_MIN || agg == CORM_AGG_MAX ? "scalar, ordered" : "numeric",
						get_attname(node->table->relid, node->table->attnums[col], false),
						format_type_be(node->table->coltypes[col])),
				 errhint("sum and avg take numeric columns (and intervals); min and max any column with an order.")));
}

/*
 * Give node the options of its spec, checked against the target table:
 * columns exist, where/order_by name only the target's columns, aggregates
 * apply to their column's type.
 */
static void
apply_options(CormNode *node, CormSpecOptions *o)
{
	CormTable  *t = node->table;
	ListCell   *lc;
	int			i;

	if (!o->given)
		return;
	if (o->where)
	{
		corm_check_node_fragment(o->where, true, t, node->path);
		node->where = o->where;
	}
	if (o->order_by)
	{
		corm_check_node_fragment(o->order_by, false, t, node->path);
		node->order_by = o->order_by;
	}
	node->has_limit = o->has_limit;
	node->limit = o->limit;
	node->offset = o->offset;
	if (o->columns_given)
	{
		node->show = palloc0(sizeof(bool) * Max(t->ncols, 1));
		foreach(lc, o->columns)
			node->show[named_column(t, lfirst(lc), node->path,
									o->exclude ? "exclude" : "columns")] = true;
		node->nshown = 0;
		for (i = 0; i < t->ncols; i++)
		{
			if (o->exclude)
				node->show[i] = !node->show[i];
			node->nshown += node->show[i];
		}
	}
	node->agg = o->agg;
	node->agg_col = -1;
	if (o->agg != CORM_AGG_NONE && o->agg != CORM_AGG_COUNT)
	{
		node->agg_col = named_column(t, o->agg_column, node->path, corm_agg_name(o->agg));
		check_aggregate_type(node, o->agg, node->agg_col);
	}
	if (o->agg != CORM_AGG_NONE)
		/* one value per parent key: joined rows are told apart by that key */
		corm_keyspec_init(&node->seenspec, node->nkeys, node->key_types, node->keyspec.collations);
	node->inner = o->inner;
	node->optioned = node->where || node->order_by || node->has_limit || node->offset > 0 ||
		node->agg != CORM_AGG_NONE;
}

static bool
has_inner_children(CormNode *node)
{
	ListCell   *lc;

	foreach(lc, node->children)
	{
		CormNode   *child = lfirst(lc);

		if (child != node && child->kind == CORM_NODE_RELATIONSHIP && child->inner)
			return true;
	}
	return false;
}

/*
 * Whether host's statement can compute agg (a sibling) as a window
 * aggregate over the rows it reads: the same relationship, where and
 * strategy, and a statement of the per-parent form that meets every
 * matching row of a parent that has one (no offset, a limit of at least
 * one, no inner children filtering them).  A parent without a row of host
 * has none matching agg's where either: render.c gives 0 / null then.
 */
static bool
can_host(CormNode *host, CormNode *agg)
{
	return host != agg && host->kind == CORM_NODE_RELATIONSHIP && host->agg == CORM_AGG_NONE &&
		host->rel == agg->rel && host->strategy == agg->strategy &&
		host->strategy != CORM_LAZY_NOLOAD && host->recursion == 0 && host->optioned &&
		host->offset == 0 && !(host->has_limit && host->limit == 0) &&
		!has_inner_children(host) &&
		(host->where == NULL ? agg->where == NULL
		 : agg->where != NULL && strcmp(host->where, agg->where) == 0);
}

/*
 * Aggregates beside a collection of the same relationship ("the 3 newest
 * reviews, their count and average rating") ride on its statement: one
 * read of the related rows per parent instead of one per key.
 */
static void
fuse_aggregates(CormNode *node)
{
	ListCell   *lc;

	foreach(lc, node->children)
	{
		CormNode   *agg = lfirst(lc);
		ListCell   *lc2;

		if (agg == node || agg->kind != CORM_NODE_RELATIONSHIP || agg->agg == CORM_AGG_NONE ||
			agg->strategy == CORM_LAZY_NOLOAD)
			continue;
		foreach(lc2, node->children)
		{
			CormNode   *host = lfirst(lc2);

			if (can_host(host, agg))
			{
				agg->fused_into = host;
				host->fused = lappend(host->fused, agg);
				break;
			}
		}
	}
}

/*
 * Plan node's children: the named ones (specs), then the eager defaults of
 * node's table, sorted by key.
 */
static void
plan_children(CormNode *node, List *specs)
{
	Oid			relid = node->table->relid;
	ListCell   *lc;

	check_stack_depth();
	foreach(lc, specs)
	{
		CormSpecNode *spec = lfirst(lc);
		const char *name = CORM_SPEC_RELATIONSHIP(spec);
		CormRelationship *rel = corm_cached_relationship(relid, name);
		CormProxy  *proxy = rel ? NULL : find_proxy(relid, name);
		char	   *path = node->kind == CORM_NODE_ROOT ? spec->name
			: psprintf("%s.%s", node->path, spec->name);
		CormLazy	strategy;
		CormNode   *child;

		if (rel == NULL && proxy == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("relationship \"%s\" does not exist on table \"%s\" (load spec %s)",
							name, get_rel_name(relid), spec_place(spec, path)),
					 errhint("Relationships and association proxies of \"%s\": %s.",
							 get_rel_name(relid), attribute_names(relid))));
		if (spec->relationship)
			check_alias(node, spec, path);
		if (proxy)
		{
			if (spec->children != NIL || spec->recursion != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a load path cannot continue below association proxy \"%s\" (load spec %s)",
								name, spec_place(spec, path)),
						 errhint("Name the underlying path instead: %s.%s.",
								 proxy->relationship,
								 proxy->target_relationship ? proxy->target_relationship
								 : get_attname(proxy->target, proxy->target_attnum, false))));
			if (spec->options.given)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("association proxy \"%s\" takes no options but relationship and strategy (load spec %s)",
								name, spec_place(spec, path)),
						 errhint("Give the options to the relationship it proxies (%s) instead.",
								 proxy->relationship)));
			node->children = lappend(node->children,
									 make_proxy_node(node, proxy, spec, spec->name));
			continue;
		}

		if (spec->strategy >= 0)
			strategy = (CormLazy) spec->strategy;
		else if (rel->lazy == CORM_LAZY_RAISE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relationship \"%s\" is registered with lazy 'raise' (load spec %s)",
							corm_relationship_display(relid, rel->name), spec_place(spec, path)),
					 errhint("Name a strategy for it in the load spec, e.g. '%s:selectin'.", rel->name)));
		else
			strategy = rel->lazy;
		if (spec->recursion != 0 && rel->target != rel->parent)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("'*' on relationship \"%s\", which is not self-referential (load spec %s)",
							rel->name, spec_place(spec, path)),
					 errhint("Recursion (recurse, or * in a text spec) follows a relationship whose target is its own parent table.")));
		if (strategy == CORM_LAZY_NOLOAD && spec->children != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a load path cannot continue below \"%s\", which is noload (load spec %s)",
							rel->name, spec_place(spec, path)),
					 errhint("A noload relationship is always empty.")));

		child = make_node(node, rel, strategy, spec->name);
		child->recursion = spec->recursion;
		apply_options(child, &spec->options);
		node->children = lappend(node->children, child);
		if (child->inner)
			node->optioned = true;
		if (strategy != CORM_LAZY_NOLOAD && child->agg == CORM_AGG_NONE)
		{
			/* a recursive node's objects hold the relationship again */
			if (child->recursion != 0 && child->recursion != 1)
				child->children = lappend(child->children, child);
			plan_children(child, spec->children);
		}
		else if (child->agg != CORM_AGG_NONE)
			mark_kept_columns(child);
		if (child->recursion == 1)
			child->recursion = 0;	/* children*1 is children */
	}

	/* eager-by-default relationships not named */
	foreach(lc, corm_cached_relationships(relid))
	{
		CormRelationship *rel = lfirst(lc);
		ListCell   *lc2;
		bool		named = false;
		CormNode   *child;

		if (!is_eager(rel->lazy))
			continue;
		foreach(lc2, node->children)
			if (strcmp(((CormNode *) lfirst(lc2))->key, rel->name) == 0)
				named = true;
		if (named || times_on_branch(node, rel) >= Max(rel->join_depth, 1))
			continue;
		child = make_node(node, rel, rel->lazy, rel->name);
		node->children = lappend(node->children, child);
		plan_children(child, NIL);
	}

	list_sort(node->children, compare_keys);
	fuse_aggregates(node);
	mark_kept_columns(node);
}

/* The load tree for root and spec. */
CormNode *
corm_plan_load(Oid root, List *specs)
{
	CormNode   *node = palloc0(sizeof(CormNode));

	Oid			types[CORM_MAX_KEYS];
	Oid			collations[CORM_MAX_KEYS];
	int			k;

	planned_nodes = 0;
	node->kind = CORM_NODE_ROOT;
	node->path = "";
	node->table = loadable_table(root);
	node->strategy = CORM_LAZY_SELECT;
	node->nshown = node->table->ncols;
	/* root rows are de-duplicated by primary key when joins repeat them */
	for (k = 0; k < node->table->npk; k++)
	{
		types[k] = getBaseType(node->table->coltypes[node->table->pk[k]]);
		collations[k] = node->table->colcollations[node->table->pk[k]];
	}
	corm_keyspec_init(&node->seenspec, node->table->npk, types, collations);
	plan_children(node, specs);
	return node;
}

/* Whether a statement of the load embeds a caller's where or order_by below the root. */
bool
corm_plan_has_caller_text(CormNode *node)
{
	List	   *all = list_concat(list_copy(node->children), node->hidden);
	ListCell   *lc;

	if (node->where || node->order_by)
		return true;
	foreach(lc, all)
	{
		CormNode   *child = lfirst(lc);

		if (child != node && child->kind == CORM_NODE_RELATIONSHIP &&
			corm_plan_has_caller_text(child))
			return true;
	}
	return false;
}
