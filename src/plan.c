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
#include "utils/lsyscache.h"

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
				 errhint("Add a primary key to the table.")));
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
	node->path = parent->kind == CORM_NODE_ROOT ? pstrdup(rel->name)
		: psprintf("%s.%s", parent->path, rel->name);
	node->parent = parent;
	node->rel = rel;
	node->strategy = strategy;
	node->table = loadable_table(rel->target);

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
make_proxy_node(CormNode *parent, CormProxy *proxy, CormSpecNode *spec)
{
	CormNode   *node = palloc0(sizeof(CormNode));
	CormRelationship *via_rel = corm_cached_relationship(parent->table->relid, proxy->relationship);
	CormLazy	strategy;

	if (via_rel == NULL)
		elog(ERROR, "corm: association proxy %s lost its relationship", proxy->name);
	node->kind = CORM_NODE_PROXY;
	node->key = pstrdup(proxy->name);
	node->path = parent->kind == CORM_NODE_ROOT ? pstrdup(proxy->name)
		: psprintf("%s.%s", parent->path, proxy->name);
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
		CormRelationship *rel = corm_cached_relationship(relid, spec->name);
		CormProxy  *proxy = rel ? NULL : find_proxy(relid, spec->name);
		CormLazy	strategy;
		CormNode   *child;

		if (rel == NULL && proxy == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("relationship \"%s\" does not exist on table \"%s\" (load spec position %d)",
							spec->name, get_rel_name(relid), spec->position),
					 errhint("Relationships and association proxies of \"%s\": %s.",
							 get_rel_name(relid), attribute_names(relid))));
		if (proxy)
		{
			if (spec->children != NIL || spec->recursion != 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("a load path cannot continue below association proxy \"%s\" (load spec position %d)",
								spec->name, spec->position),
						 errhint("Name the underlying path instead: %s.%s.",
								 proxy->relationship,
								 proxy->target_relationship ? proxy->target_relationship
								 : get_attname(proxy->target, proxy->target_attnum, false))));
			node->children = lappend(node->children, make_proxy_node(node, proxy, spec));
			continue;
		}

		if (spec->strategy >= 0)
			strategy = (CormLazy) spec->strategy;
		else if (rel->lazy == CORM_LAZY_RAISE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relationship \"%s\" is registered with lazy 'raise' (load spec position %d)",
							corm_relationship_display(relid, rel->name), spec->position),
					 errhint("Name a strategy for it in the load spec, e.g. '%s:selectin'.", rel->name)));
		else
			strategy = rel->lazy;
		if (spec->recursion != 0 && rel->target != rel->parent)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("'*' on relationship \"%s\", which is not self-referential (load spec position %d)",
							rel->name, spec->position),
					 errhint("Recursion follows a relationship whose target is its own parent table.")));
		if (strategy == CORM_LAZY_NOLOAD && spec->children != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a load path cannot continue below \"%s\", which is noload (load spec position %d)",
							rel->name, spec->position),
					 errhint("A noload relationship is always empty.")));

		child = make_node(node, rel, strategy, rel->name);
		child->recursion = spec->recursion;
		node->children = lappend(node->children, child);
		if (strategy != CORM_LAZY_NOLOAD)
		{
			/* a recursive node's objects hold the relationship again */
			if (child->recursion != 0 && child->recursion != 1)
				child->children = lappend(child->children, child);
			plan_children(child, spec->children);
		}
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
	mark_kept_columns(node);
}

/* The load tree for root and spec. */
CormNode *
corm_plan_load(Oid root, const char *spec)
{
	CormNode   *node = palloc0(sizeof(CormNode));
	List	   *specs = corm_parse_load_spec(spec);

	Oid			types[CORM_MAX_KEYS];
	Oid			collations[CORM_MAX_KEYS];
	int			k;

	planned_nodes = 0;
	node->kind = CORM_NODE_ROOT;
	node->path = "";
	node->table = loadable_table(root);
	node->strategy = CORM_LAZY_SELECT;
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
