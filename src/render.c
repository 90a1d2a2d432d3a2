/*-------------------------------------------------------------------------
 *
 * render.c
 *	  Writing the loaded graph as JSON into one StringInfo.
 *
 * An object is its row's columns (rendered once when the row arrived, see
 * exec.c), then one key per loaded relationship or proxy in alphabetical
 * order: a collection as an array ([] when empty), a scalar as an object or
 * null.  Under '*', an object already on the current branch is written with
 * its columns only: that is where a cycle closes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"

#include "load.h"

/* The objects on the current branch, for cycle checks under '*'. */
typedef struct Branch
{
	CormTable  *table;
	CormRow    *row;
	struct Branch *up;
} Branch;

static void render_object(StringInfo buf, CormNode *node, CormRow *row, int level,
						  Branch *branch);

static bool
same_object(CormTable *t, CormRow *a, CormRow *b)
{
	int			i;

	for (i = 0; i < t->npk; i++)
	{
		int			c = t->pk[i];

		if (!datumIsEqual(a->vals[c], b->vals[c], t->colbyval[c], t->collen[c]))
			return false;
	}
	return true;
}

static bool
on_branch(Branch *branch, CormTable *t, CormRow *row)
{
	for (; branch != NULL; branch = branch->up)
		if (branch->table == t && same_object(t, branch->row, row))
			return true;
	return false;
}

/* The first row of the group of child's rows that prow (of parent) holds. */
static int
group_first(CormNode *parent, CormRow *prow, CormNode *child, int *count)
{
	Datum		key[CORM_MAX_KEYS];
	int			k;

	*count = 0;
	for (k = 0; k < child->nkeys; k++)
	{
		if (prow->nulls[child->parent_key[k]])
			return -1;
		key[k] = prow->vals[child->parent_key[k]];
	}
	return corm_level_group(child, key, count);
}

static bool
is_collection(CormRelationship *rel)
{
	return rel->uselist;
}

/*
 * A relationship's value for one parent row (at recursion level plevel):
 * array, object or null.
 */
static void
render_relationship(StringInfo buf, CormNode *parent, CormRow *prow, CormNode *child,
					int plevel, Branch *branch)
{
	int			level = child == parent ? plevel + 1 : 1;
	int			count;
	int			i;

	if (child->strategy == CORM_LAZY_NOLOAD)
	{
		appendStringInfoString(buf, is_collection(child->rel) ? "[]" : "null");
		return;
	}
	i = group_first(parent, prow, child, &count);
	if (!is_collection(child->rel))
	{
		if (count > 1)
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("scalar relationship \"%s\" found %d rows for one object",
							corm_relationship_display(child->rel->parent, child->rel->name), count),
					 errdetail("The relationship is registered with uselist false (%s).",
							   corm_direction_name(child->rel->direction)),
					 errhint("Make the join columns unique, or register the relationship with uselist => true.")));
		if (i < 0)
			appendStringInfoString(buf, "null");
		else
			render_object(buf, child, &child->level.rows[i], level, branch);
		return;
	}
	appendStringInfoChar(buf, '[');
	for (; i >= 0; i = child->level.rows[i].next)
	{
		render_object(buf, child, &child->level.rows[i], level, branch);
		if (child->level.rows[i].next >= 0)
			appendStringInfoChar(buf, ',');
	}
	appendStringInfoChar(buf, ']');
}

/* An association proxy's value: one value per object of its relationship. */
static void
render_proxy(StringInfo buf, CormNode *parent, CormRow *prow, CormNode *proxy, Branch *branch)
{
	CormNode   *via = proxy->via;
	bool		collection;
	int			count;
	int			i;

	if (via == NULL)
	{
		/* noload */
		appendStringInfoString(buf, "[]");
		return;
	}
	collection = is_collection(via->rel);
	i = group_first(parent, prow, via, &count);
	if (!collection && count > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("scalar relationship \"%s\" found %d rows for one object",
						corm_relationship_display(via->rel->parent, via->rel->name), count)));
	if (!collection && i < 0)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	if (collection)
		appendStringInfoChar(buf, '[');
	for (; i >= 0; i = via->level.rows[i].next)
	{
		CormRow    *vrow = &via->level.rows[i];

		if (proxy->via_attr)
			render_relationship(buf, via, vrow, proxy->via_attr, 1, branch);
		else
			corm_json_append_value(buf, &via->table->out[proxy->proxy_col],
								   vrow->vals[proxy->proxy_col], vrow->nulls[proxy->proxy_col]);
		if (!collection)
			break;
		if (vrow->next >= 0)
			appendStringInfoChar(buf, ',');
	}
	if (collection)
		appendStringInfoChar(buf, ']');
}

/*
 * One object of node.  level is how deep a recursive node's object sits in
 * its recursion (1 for the first level); it decides whether the object holds
 * the recursive key again.
 */
static void
render_object(StringInfo buf, CormNode *node, CormRow *row, int level, Branch *branch)
{
	Branch		here;
	ListCell   *lc;
	bool		first = node->table->ncols == 0;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	appendBinaryStringInfo(buf, row->json, row->jsonlen);

	/* under '*', an object met again on its own branch closes a cycle */
	if (node->recursion < 0 && on_branch(branch, node->table, row))
	{
		appendStringInfoChar(buf, '}');
		return;
	}
	here.table = node->table;
	here.row = row;
	here.up = branch;

	foreach(lc, node->children)
	{
		CormNode   *child = lfirst(lc);

		/* a recursive node's own key, down to the depth asked for */
		if (child == node && node->recursion > 0 && level >= node->recursion)
			continue;
		if (!first)
			appendStringInfoChar(buf, ',');
		first = false;
		appendStringInfoChar(buf, '"');
		appendStringInfoString(buf, child->key);
		appendStringInfoString(buf, "\":");
		if (child->kind == CORM_NODE_PROXY)
			render_proxy(buf, node, row, child, &here);
		else
			render_relationship(buf, node, row, child, level, &here);
	}
	appendStringInfoChar(buf, '}');
}

/* Write the root's objects: an array, or with single the first object. */
void
corm_render(CormLoad *load, StringInfo buf, bool single)
{
	CormLevel  *level = &load->root->level;
	int			i;

	if (single)
	{
		if (level->nrows > 0)
			render_object(buf, load->root, &level->rows[0], 1, NULL);
		return;
	}
	appendStringInfoChar(buf, '[');
	for (i = 0; i < level->nrows; i++)
	{
		if (i > 0)
			appendStringInfoChar(buf, ',');
		render_object(buf, load->root, &level->rows[i], 1, NULL);
	}
	appendStringInfoChar(buf, ']');
}
