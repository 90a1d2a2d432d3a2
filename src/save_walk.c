/*-------------------------------------------------------------------------
 *
 * save_walk.c
 *	  The graph walker of corm_save and corm_merge.
 *
 * corm_save(root, graph) inserts or updates a nested graph following
 * save-update cascades; corm_merge(root, graph) does the same following
 * merge cascades, and a collection given replaces the stored one.  Per
 * object:
 *	 1. many-to-one objects first (they give the object its foreign key),
 *	 2. the object itself (save.c: updated, given columns only, when its
 *		primary key is given and exists, else inserted),
 *	 3. one-to-many children with their keys set from it, many-to-many
 *		targets with their association rows; under merge, what the stored
 *		collection held beyond the given one is de-associated.
 * A key a parent imposes on a child (its foreign key) wins over the same
 * column in the child, and over a back-reference object in it, as in
 * SQLAlchemy.
 *
 * Nothing here touches the database: see save_walk.h.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "save_walk.h"

/* A column value a parent imposes on an object: name and JSON text. */
typedef struct Imposed
{
	const char *column;
	char	   *json;
} Imposed;

typedef struct Walk
{
	const CormSaveOps *ops;
	bool		merge;
	int			needed;			/* CORM_CASCADE_SAVE_UPDATE or _MERGE */
} Walk;

static void *save_object(Walk *w, Oid relid, CormGraph *obj, List *imposed, List **spec);

/* A JSON string, escaped as JSON requires. */
static void
append_json_string(StringInfo buf, const char *str)
{
	const unsigned char *p;

	appendStringInfoChar(buf, '"');
	for (p = (const unsigned char *) str; *p; p++)
	{
		switch (*p)
		{
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\b':
				appendStringInfoString(buf, "\\b");
				break;
			case '\f':
				appendStringInfoString(buf, "\\f");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			default:
				if (*p < 0x20)
					appendStringInfo(buf, "\\u%04x", (int) *p);
				else
					appendStringInfoChar(buf, (char) *p);
		}
	}
	appendStringInfoChar(buf, '"');
}

/* ", \"key\": json" (no comma first), the key escaped as JSON */
void
corm_save_json_member(StringInfo buf, const char *key, const char *json)
{
	if (buf->len > 0)
		appendStringInfoString(buf, ", ");
	append_json_string(buf, key);
	appendStringInfo(buf, ": %s", json);
}

static CormSaveSpec *
spec_child(List **spec, const char *name)
{
	ListCell   *lc;
	CormSaveSpec *node;

	foreach(lc, *spec)
	{
		node = lfirst(lc);
		if (strcmp(node->name, name) == 0)
			return node;
	}
	node = palloc0(sizeof(CormSaveSpec));
	node->name = pstrdup(name);
	*spec = lappend(*spec, node);
	return node;
}

static void
spec_paths(List *spec, const char *prefix, StringInfo out)
{
	ListCell   *lc;

	foreach(lc, spec)
	{
		CormSaveSpec *node = lfirst(lc);
		char	   *path = psprintf("%s%s%s:selectin", prefix, *prefix ? "." : "", node->name);

		if (node->children == NIL)
			appendStringInfo(out, "%s%s", out->len ? ", " : "", path);
		else
			spec_paths(node->children, path, out);
	}
}

/*
 * The load spec reading back what the graph held: every path, each segment
 * :selectin (so that a relationship registered lazy 'raise' does not stop it).
 */
char *
corm_save_spec_text(List *spec)
{
	StringInfoData out;

	initStringInfo(&out);
	spec_paths(spec, "", &out);
	return out.data;
}

static const char *
display(Walk *w, CormRelationship *rel)
{
	return psprintf("%s.%s", w->ops->relname(w->ops->arg, rel->parent), rel->name);
}

static void
require_object(Walk *w, CormGraph *v, Oid relid)
{
	if (v->kind != CORM_GRAPH_OBJECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("an object of table \"%s\" must be a JSON object",
						w->ops->relname(w->ops->arg, relid))));
}

static void
require_cascade(Walk *w, CormRelationship *rel)
{
	if (!(rel->cascade & w->needed))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relationship \"%s\" does not cascade %s", display(w, rel),
						w->merge ? "merge" : "save-update"),
				 errhint("Leave the key out of the graph, or register the relationship with %s in its cascade.",
						 w->merge ? "merge" : "save-update")));
}

/* Whether a parent imposes column on the object being saved. */
static bool
is_imposed(List *imposed, const char *column)
{
	ListCell   *lc;

	foreach(lc, imposed)
		if (strcmp(((Imposed *) lfirst(lc))->column, column) == 0)
			return true;
	return false;
}

/* The objects a relationship's value holds: an array, or one object / null when scalar. */
static List *
related_objects(Walk *w, CormRelationship *rel, CormGraph *val)
{
	List	   *items = NIL;
	int			i;

	if (val->kind == CORM_GRAPH_ARRAY)
	{
		if (!rel->uselist)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relationship \"%s\" is scalar: give an object or null, not an array",
							display(w, rel))));
		for (i = 0; i < val->nitems; i++)
		{
			require_object(w, val->items[i], rel->target);
			items = lappend(items, val->items[i]);
		}
		return items;
	}
	if (rel->uselist)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relationship \"%s\" is a collection: give an array", display(w, rel))));
	if (val->kind == CORM_GRAPH_NULL)
		return NIL;
	require_object(w, val, rel->target);
	return list_make1(val);
}

/* Step 3 for one relationship: its objects, their keys or association rows, the rest. */
static void
save_related(Walk *w, Oid relid, void *row, CormRelationship *rel, CormGraph *val,
			 List **subspec)
{
	const CormSaveOps *ops = w->ops;
	List	   *kept = NIL;
	ListCell   *lc;

	foreach(lc, related_objects(w, rel, val))
	{
		CormGraph  *child = lfirst(lc);

		if (rel->direction == CORM_MANY_TO_MANY)
		{
			void	   *trow = save_object(w, rel->target, child, NIL, subspec);

			ops->link(ops->arg, rel, row, trow);
			kept = lappend(kept, trow);
		}
		else
		{
			List	   *imposed = NIL;
			void	   *crow;
			int			i;

			for (i = 0; i < rel->nremote; i++)
			{
				Imposed    *one = palloc(sizeof(Imposed));

				one->column = ops->attname(ops->arg, rel->target, rel->remote_attnums[i]);
				one->json = ops->row_value(ops->arg, row,
										   ops->attname(ops->arg, relid, rel->local_attnums[i]));
				imposed = lappend(imposed, one);
			}
			crow = save_object(w, rel->target, child, imposed, subspec);
			kept = lappend(kept, ops->row_key(ops->arg, rel->target, crow));
		}
	}
	if (w->merge)
	{
		if (rel->direction == CORM_MANY_TO_MANY)
			ops->unlink_others(ops->arg, rel, row, kept);
		else
			ops->deassociate(ops->arg, rel, row, kept);
	}
}

static void *
save_object(Walk *w, Oid relid, CormGraph *obj, List *imposed, List **spec)
{
	const CormSaveOps *ops = w->ops;
	List	   *later = NIL;	/* (relationship, value) pairs for step 3 */
	List	   *columns = NIL;	/* column names (char *) */
	StringInfoData values;
	void	   *row;
	ListCell   *lc;
	int			m;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	initStringInfo(&values);
	for (m = 0; m < obj->nitems; m++)
	{
		const char *key = obj->keys[m];
		CormGraph  *v = obj->items[m];
		CormRelationship *rel;

		if (ops->is_column(ops->arg, relid, key))
		{
			if (is_imposed(imposed, key))
				continue;		/* the parent's key wins, as in SQLAlchemy */
			columns = lappend(columns, (char *) key);
			corm_save_json_member(&values, key, v->json);
			continue;
		}
		rel = ops->relationship(ops->arg, relid, key);
		if (rel == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("\"%s\" is neither a column nor a relationship of table \"%s\"",
							key, ops->relname(ops->arg, relid)),
					 errhint("A graph holds, for each object, columns of its table and registered relationships (association proxies cannot be written).")));
		require_cascade(w, rel);
		(void) spec_child(spec, rel->name);

		if (rel->direction == CORM_MANY_TO_ONE)
		{
			/* step 1: the object referred to first; it gives us our key */
			void	   *target = NULL;
			int			i;

			if (v->kind != CORM_GRAPH_NULL)
			{
				require_object(w, v, rel->target);
				target = save_object(w, rel->target, v, NIL, &spec_child(spec, rel->name)->children);
			}
			for (i = 0; i < rel->nlocal; i++)
			{
				const char *col = ops->attname(ops->arg, relid, rel->local_attnums[i]);

				/* a back-reference to the parent saving us: its key is imposed already */
				if (is_imposed(imposed, col))
					continue;
				columns = lappend(columns, (char *) col);
				corm_save_json_member(&values, col,
							  target ? ops->row_value(ops->arg, target,
													  ops->attname(ops->arg, rel->target,
																   rel->remote_attnums[i]))
							  : "null");
			}
			continue;
		}
		later = lappend(later, list_make2(rel, v));
	}
	foreach(lc, imposed)
	{
		Imposed    *imp = lfirst(lc);

		columns = lappend(columns, (char *) imp->column);
		corm_save_json_member(&values, imp->column, imp->json);
	}

	/* step 2: the row */
	row = ops->write_row(ops->arg, relid, psprintf("{%s}", values.data), columns);

	/* step 3: what it holds */
	foreach(lc, later)
	{
		CormRelationship *rel = linitial(lfirst(lc));

		save_related(w, relid, row, rel, lsecond(lfirst(lc)),
					 &spec_child(spec, rel->name)->children);
	}
	return row;
}

/*
 * Save one object of table relid (and everything it holds) through ops;
 * returns the saved row.  spec gathers the relationships the graph held.
 */
void *
corm_save_walk(const CormSaveOps *ops, bool merge, Oid relid, CormGraph *object, List **spec)
{
	Walk		w;

	w.ops = ops;
	w.merge = merge;
	w.needed = merge ? CORM_CASCADE_MERGE : CORM_CASCADE_SAVE_UPDATE;
	if (object->kind != CORM_GRAPH_OBJECT)
		require_object(&w, object, relid);
	return save_object(&w, relid, object, NIL, spec);
}
