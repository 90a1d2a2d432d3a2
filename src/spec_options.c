/*-------------------------------------------------------------------------
 *
 * spec_options.c
 *	  The checks of a load spec node's 1.1 options that need no catalog:
 *	  which options exclude each other.  Both spec forms (the text spec of
 *	  spec.c and the jsonb spec of spec_jsonb.c) call it once per node, after
 *	  the tree is complete; plan.c checks the rest against the catalog.
 *
 * A pure module, like spec.c: linked into the spec fuzz target.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "corm.h"
#include "spec.h"

/* The option an aggregate key was given with: "count", "sum", ... */
const char *
corm_agg_name(CormAggKind agg)
{
	switch (agg)
	{
		case CORM_AGG_COUNT:
			return "count";
		case CORM_AGG_SUM:
			return "sum";
		case CORM_AGG_AVG:
			return "avg";
		case CORM_AGG_MIN:
			return "min";
		case CORM_AGG_MAX:
			return "max";
		case CORM_AGG_NONE:
			break;
	}
	return "none";
}

static void
refuse_combination(const char *path, const char *a, const char *b, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" of \"%s\" in the load spec cannot be combined with \"%s\"",
					b, path, a),
			 errhint("%s", hint)));
}

/*
 * ERROR when node's options exclude each other; path names the node in
 * messages (its keys from the top, joined by ".").
 */
void
corm_spec_check_node(const CormSpecNode *node, const char *path)
{
	const CormSpecOptions *o = &node->options;
	bool		recursive = node->recursion != 0 && node->recursion != 1;	/* "*1" is one level */

	if (o->agg != CORM_AGG_NONE)
	{
		const char *agg = corm_agg_name(o->agg);
		const char *hint = o->agg == CORM_AGG_COUNT
			? "count holds the number of related rows matching where; load the objects under another key (an alias) to shape them."
			: "An aggregate key holds one value over the related rows matching where; load the objects under another key (an alias) to shape them.";

		if (o->has_limit)
			refuse_combination(path, agg, "limit", hint);
		if (o->offset > 0)
			refuse_combination(path, agg, "offset", hint);
		if (o->order_by)
			refuse_combination(path, agg, "order_by", hint);
		if (o->columns_given)
			refuse_combination(path, agg, o->exclude ? "exclude" : "columns", hint);
		if (recursive)
			refuse_combination(path, agg, "recurse", hint);
		if (node->children != NIL)
			refuse_combination(path, agg, "load", hint);
	}
	if (o->inner && recursive)
		refuse_combination(path, "recurse", "inner",
						   "inner keeps parents that have a matching related row; a recursive key cannot be inner to itself.");
	if (node->strategy == CORM_LAZY_NOLOAD && o->given)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" in the load spec is noload, and takes no other options", path),
				 errhint("A noload key is always empty ([] or null): leave its options out, or give it another strategy.")));
}
