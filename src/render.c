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
 * The graph is walked twice: once to measure, once to write into a text
 * value of exactly that size, which is returned as it is.  No buffer grows
 * by doubling and nothing is copied at the end: the result costs its own
 * size and no more.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"

#include "load.h"

/* Where the JSON goes: counted only (measure), or written at data + len. */
typedef struct Out
{
	char	   *data;
	Size		len;
	bool		measure;
} Out;

static inline void
out_bytes(Out *o, const char *p, Size n)
{
	if (!o->measure)
		memcpy(o->data + o->len, p, n);
	o->len += n;
}

static inline void
out_char(Out *o, char c)
{
	if (!o->measure)
		o->data[o->len] = c;
	o->len++;
}

static inline void
out_str(Out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

/* The objects on the current branch, for cycle checks under '*'. */
typedef struct Branch
{
	CormNode   *node;
	CormRow    *row;
	struct Branch *up;
} Branch;

static void render_object(Out *buf, CormNode *node, CormRow *row, int level,
						  Branch *branch);

static bool
same_object(CormNode *na, CormRow *a, CormNode *nb, CormRow *b)
{
	CormTable  *t = na->table;
	int			i;

	for (i = 0; i < t->npk; i++)
	{
		int			c = t->pk[i];

		if (!datumIsEqual(CORM_ROW_VAL(na, a, c), CORM_ROW_VAL(nb, b, c),
						  t->colbyval[c], t->collen[c]))
			return false;
	}
	return true;
}

static bool
on_branch(Branch *branch, CormNode *node, CormRow *row)
{
	for (; branch != NULL; branch = branch->up)
		if (branch->node->table == node->table && same_object(branch->node, branch->row, node, row))
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
		if (CORM_ROW_NULL(parent, prow, child->parent_key[k]))
			return -1;
		key[k] = CORM_ROW_VAL(parent, prow, child->parent_key[k]);
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
render_relationship(Out *buf, CormNode *parent, CormRow *prow, CormNode *child,
					int plevel, Branch *branch)
{
	int			level = child == parent ? plevel + 1 : 1;
	int			count;
	int			i;

	if (child->strategy == CORM_LAZY_NOLOAD)
	{
		out_str(buf, is_collection(child->rel) ? "[]" : "null");
		return;
	}
	i = group_first(parent, prow, child, &count);
	if (child->agg != CORM_AGG_NONE)
	{
		/* no row: a NULL parent key, which has no related rows */
		if (i < 0)
			out_str(buf, child->agg == CORM_AGG_COUNT ? "0" : "null");
		else
			out_bytes(buf, child->level.rows[i].json, child->level.rows[i].jsonlen);
		return;
	}
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
			out_str(buf, "null");
		else
			render_object(buf, child, &child->level.rows[i], level, branch);
		return;
	}
	out_char(buf, '[');
	for (; i >= 0; i = child->level.rows[i].next)
	{
		render_object(buf, child, &child->level.rows[i], level, branch);
		if (child->level.rows[i].next >= 0)
			out_char(buf, ',');
	}
	out_char(buf, ']');
}

/* An association proxy's value: one value per object of its relationship. */
static void
render_proxy(Out *buf, CormNode *parent, CormRow *prow, CormNode *proxy, Branch *branch)
{
	CormNode   *via = proxy->via;
	bool		collection;
	int			count;
	int			i;

	if (via == NULL)
	{
		/* noload */
		out_str(buf, "[]");
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
		out_str(buf, "null");
		return;
	}
	if (collection)
		out_char(buf, '[');
	for (; i >= 0; i = via->level.rows[i].next)
	{
		CormRow    *vrow = &via->level.rows[i];

		if (proxy->via_attr)
			render_relationship(buf, via, vrow, proxy->via_attr, 1, branch);
		else
		{
			StringInfoData value;

			initStringInfo(&value);
			corm_json_append_value(&value, &via->table->out[proxy->proxy_col],
								   CORM_ROW_VAL(via, vrow, proxy->proxy_col),
								   CORM_ROW_NULL(via, vrow, proxy->proxy_col));
			out_bytes(buf, value.data, value.len);
			pfree(value.data);
		}
		if (!collection)
			break;
		if (vrow->next >= 0)
			out_char(buf, ',');
	}
	if (collection)
		out_char(buf, ']');
}

/*
 * One object of node.  level is how deep a recursive node's object sits in
 * its recursion (1 for the first level); it decides whether the object holds
 * the recursive key again.
 */
static void
render_object(Out *buf, CormNode *node, CormRow *row, int level, Branch *branch)
{
	Branch		here;
	ListCell   *lc;
	bool		first = node->nshown == 0;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	out_bytes(buf, row->json, row->jsonlen);

	/* under '*', an object met again on its own branch closes a cycle */
	if (node->recursion < 0 && on_branch(branch, node, row))
	{
		out_char(buf, '}');
		return;
	}
	here.node = node;
	here.row = row;
	here.up = branch;

	foreach(lc, node->children)
	{
		CormNode   *child = lfirst(lc);

		/* a recursive node's own key, down to the depth asked for */
		if (child == node && node->recursion > 0 && level >= node->recursion)
			continue;
		if (!first)
			out_char(buf, ',');
		first = false;
		out_char(buf, '"');
		out_str(buf, child->key);
		out_str(buf, "\":");
		if (child->kind == CORM_NODE_PROXY)
			render_proxy(buf, node, row, child, &here);
		else
			render_relationship(buf, node, row, child, level, &here);
	}
	out_char(buf, '}');
}

static void
render_root(Out *buf, CormLoad *load, bool single)
{
	CormLevel  *level = &load->root->level;
	int			i;

	if (single)
	{
		render_object(buf, load->root, &level->rows[0], 1, NULL);
		return;
	}
	out_char(buf, '[');
	for (i = 0; i < level->nrows; i++)
	{
		if (i > 0)
			out_char(buf, ',');
		render_object(buf, load->root, &level->rows[i], 1, NULL);
	}
	out_char(buf, ']');
}

/*
 * The root's objects as a text value (in the current memory context): an
 * array, or with single the first object (NULL when there is none).
 */
text *
corm_render(CormLoad *load, bool single)
{
	Out			out;
	text	   *result;

	if (single && load->root->level.nrows == 0)
		return NULL;
	out.data = NULL;
	out.len = 0;
	out.measure = true;
	render_root(&out, load, single);

	result = (text *) palloc(VARHDRSZ + out.len);
	SET_VARSIZE(result, VARHDRSZ + out.len);
	out.data = VARDATA(result);
	out.len = 0;
	out.measure = false;
	render_root(&out, load, single);
	Assert(VARSIZE(result) == VARHDRSZ + out.len);
	return result;
}

/* Root object number row of the current batch (corm_load_rows), as a text value. */
text *
corm_render_root_row(CormLoad *load, int row)
{
	CormRow    *r = &load->root->level.rows[row];
	Out			out;
	text	   *result;

	out.data = NULL;
	out.len = 0;
	out.measure = true;
	render_object(&out, load->root, r, 1, NULL);

	result = (text *) palloc(VARHDRSZ + out.len);
	SET_VARSIZE(result, VARHDRSZ + out.len);
	out.data = VARDATA(result);
	out.len = 0;
	out.measure = false;
	render_object(&out, load->root, r, 1, NULL);
	return result;
}
