/*-------------------------------------------------------------------------
 *
 * spec_jsonb.c
 *	  The jsonb load spec of version 1.1 (SPEC.md, "Loading with options"),
 *	  parsed into the same tree of CormSpecNodes as the text spec.
 *
 *	  { "key": true | { option: value, ... }, ... }
 *
 * Each key is an output key of the parent object; true loads the
 * relationship of that name as the text spec would; an object gives
 * options.  Every error names the path of keys ("books.reviews") and the
 * option, with a hint; nothing is looked up in the catalog here (plan.c
 * checks names against it).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "corm.h"
#include "spec.h"

#define OPTIONS_HINT \
	"The options are relationship, strategy, recurse, where, order_by, limit, offset, columns, exclude, count, sum, avg, min, max, inner and load."

static List *parse_object(JsonbContainer *obj, const char *path, const char *what);

static const char *
json_type_name(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "an array" : "an object";
		default:
			return "a scalar";
	}
}

static void
wrong_type(const char *path, const char *option, const char *expected, JsonbValue *v,
		   const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("option \"%s\" of \"%s\" in the load spec must be %s, not %s",
					option, path, expected, json_type_name(v)),
			 errhint("%s", hint)));
}

static char *
string_value(const char *path, const char *option, JsonbValue *v, const char *hint)
{
	if (v->type != jbvString)
		wrong_type(path, option, "a string", v, hint);
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/* A JSON number that is an integer >= min, as int64. */
static int64
integer_value(const char *path, const char *option, JsonbValue *v, int64 min,
			  const char *hint)
{
	char	   *text;
	int64		n = 0;
	char	   *p;
	bool		ok = true;

	if (v->type != jbvNumeric)
		wrong_type(path, option, "an integer", v, hint);
	text = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
	p = text;
	if (*p == '-')
		ok = false;
	for (; *p && ok; p++)
	{
		if (*p < '0' || *p > '9' || n > (PG_INT64_MAX - (*p - '0')) / 10)
			ok = false;
		else
			n = n * 10 + (*p - '0');
	}
	if (!ok || n < min)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" of \"%s\" in the load spec must be an integer of at least " INT64_FORMAT ", not %s",
						option, path, min, text),
				 errhint("%s", hint)));
	return n;
}

static bool
true_value(const char *path, const char *option, JsonbValue *v, const char *hint)
{
	if (v->type != jbvBool)
		wrong_type(path, option, "true or false", v, hint);
	return v->val.boolean;
}

/* An array of column names. */
static List *
names_value(const char *path, const char *option, JsonbValue *v)
{
	const char *hint = "Give the target's column names as an array of strings, e.g. [\"id\", \"title\"].";
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken r;
	List	   *names = NIL;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		wrong_type(path, option, "an array of column names", v, hint);
	it = JsonbIteratorInit(v->val.binary.data);
	while ((r = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		if (r != WJB_ELEM)
			continue;
		if (elem.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"%s\" of \"%s\" in the load spec must hold column names, not %s",
							option, path, json_type_name(&elem)),
					 errhint("%s", hint)));
		names = lappend(names, pnstrdup(elem.val.string.val, elem.val.string.len));
	}
	return names;
}

static CormLazy
strategy_value(const char *path, JsonbValue *v)
{
	const char *hint = "Use one of select, joined, subquery, selectin, noload.";
	char	   *name = string_value(path, "strategy", v, hint);
	int			s;

	for (s = CORM_LAZY_SELECT; s <= CORM_LAZY_NOLOAD; s++)
		if (s != CORM_LAZY_RAISE && strcmp(name, corm_lazy_name((CormLazy) s)) == 0)
			return (CormLazy) s;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown loading strategy \"%s\" for \"%s\" in the load spec", name, path),
			 errhint("%s", hint)));
	return CORM_LAZY_SELECT;	/* not reached */
}

static void
set_aggregate(CormSpecNode *node, const char *path, CormAggKind agg, char *column)
{
	if (node->options.agg != CORM_AGG_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" in the load spec has both \"%s\" and \"%s\"",
						path, corm_agg_name(node->options.agg), corm_agg_name(agg)),
				 errhint("A key holds one aggregate: give each its own key, e.g. {\"n_reviews\": {\"relationship\": \"reviews\", \"count\": true}}.")));
	node->options.agg = agg;
	node->options.agg_column = column;
	node->options.given = true;
}

/* Fill node from an object of options. */
static void
parse_options(CormSpecNode *node, JsonbContainer *obj, const char *path)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken r;
	CormSpecOptions *o = &node->options;
	JsonbContainer *load = NULL;

	while ((r = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char	   *option;

		if (r != WJB_KEY)
			continue;
		option = pnstrdup(k.val.string.val, k.val.string.len);
		r = JsonbIteratorNext(&it, &v, true);
		Assert(r == WJB_VALUE);

		if (strcmp(option, "relationship") == 0)
			node->relationship = string_value(path, option, &v,
											  "Name the relationship or association proxy this key loads.");
		else if (strcmp(option, "strategy") == 0)
			node->strategy = strategy_value(path, &v);
		else if (strcmp(option, "recurse") == 0)
		{
			const char *hint = "recurse is true (to the leaves) or a number of levels of at least 1.";

			if (v.type == jbvBool)
				node->recursion = v.val.boolean ? -1 : 0;
			else if (v.type == jbvNumeric)
			{
				int64		n = integer_value(path, option, &v, 1, hint);

				if (n > PG_INT32_MAX)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("option \"recurse\" of \"%s\" in the load spec is too large", path),
							 errhint("The largest depth is %d; give true to recurse to the leaves.",
									 PG_INT32_MAX)));
				node->recursion = n == 1 ? 0 : (int) n;
			}
			else
				wrong_type(path, option, "true or a number of levels", &v, hint);
		}
		else if (strcmp(option, "where") == 0)
		{
			o->where = string_value(path, option, &v,
									"where is one SQL expression over the target's columns, as a string.");
			o->given = true;
		}
		else if (strcmp(option, "order_by") == 0)
		{
			o->order_by = string_value(path, option, &v,
									   "order_by is one SQL sort list over the target's columns, as a string, e.g. \"published DESC\".");
			o->given = true;
		}
		else if (strcmp(option, "limit") == 0)
		{
			o->limit = integer_value(path, option, &v, 0,
									 "limit is the largest number of related objects per parent object.");
			o->has_limit = true;
			o->given = true;
		}
		else if (strcmp(option, "offset") == 0)
		{
			o->offset = integer_value(path, option, &v, 0,
									  "offset is the number of related objects skipped per parent object.");
			o->given = true;
		}
		else if (strcmp(option, "columns") == 0 || strcmp(option, "exclude") == 0)
		{
			if (o->columns_given)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("\"%s\" in the load spec has both \"columns\" and \"exclude\"", path),
						 errhint("Give the columns shown (columns) or the columns left out (exclude), not both.")));
			o->columns = names_value(path, option, &v);
			o->columns_given = true;
			o->exclude = option[0] == 'e';
			o->given = true;
		}
		else if (strcmp(option, "count") == 0)
		{
			if (true_value(path, option, &v, "count is true: the key holds the number of related rows."))
				set_aggregate(node, path, CORM_AGG_COUNT, NULL);
		}
		else if (strcmp(option, "sum") == 0 || strcmp(option, "avg") == 0 ||
				 strcmp(option, "min") == 0 || strcmp(option, "max") == 0)
		{
			char	   *column = string_value(path, option, &v,
											  "An aggregate names one column of the target, e.g. {\"avg\": \"rating\"}.");

			set_aggregate(node, path,
						  option[0] == 's' ? CORM_AGG_SUM :
						  option[0] == 'a' ? CORM_AGG_AVG :
						  option[1] == 'i' ? CORM_AGG_MIN : CORM_AGG_MAX,
						  column);
		}
		else if (strcmp(option, "inner") == 0)
		{
			o->inner = true_value(path, option, &v,
								  "inner is true: parent objects without a matching related row are left out.");
			o->given |= o->inner;
		}
		else if (strcmp(option, "load") == 0)
		{
			if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
				wrong_type(path, option, "an object (a nested load spec)", &v,
						   "load is a load spec for the target's objects, e.g. {\"reviews\": true}.");
			load = v.val.binary.data;
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown option \"%s\" for \"%s\" in the load spec", option, path),
					 errhint(OPTIONS_HINT)));
	}
	if (load)
		node->children = parse_object(load, path, "load");
}

/* The nodes of one spec object; path is the parent's ("" at the top). */
static List *
parse_object(JsonbContainer *obj, const char *path, const char *what)
{
	JsonbIterator *it = JsonbIteratorInit(obj);
	JsonbValue	k;
	JsonbValue	v;
	JsonbIteratorToken r;
	List	   *nodes = NIL;

	check_stack_depth();
	while ((r = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		CormSpecNode *node;
		char	   *key;
		char	   *node_path;

		CHECK_FOR_INTERRUPTS();
		if (r != WJB_KEY)
			continue;
		key = pnstrdup(k.val.string.val, k.val.string.len);
		node_path = *path ? psprintf("%s.%s", path, key) : key;
		r = JsonbIteratorNext(&it, &v, true);
		Assert(r == WJB_VALUE);
		if (!corm_is_identifier_name(key))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key \"%s\" of the load spec is not a valid name", node_path),
					 errhint("A key starts with a letter or underscore and continues with letters, digits or underscores, shorter than %d bytes.",
							 NAMEDATALEN)));

		node = palloc0(sizeof(CormSpecNode));
		node->name = key;
		node->strategy = -1;
		if (v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data))
			parse_options(node, v.val.binary.data, node_path);
		else if (v.type != jbvBool || !v.val.boolean)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" in the load spec must be true or an object of options, not %s",
							node_path, json_type_name(&v)),
					 errhint("Give true to load it as the text spec would, or options, e.g. {\"limit\": 3}; leave a key out not to load it.")));
		if (node->relationship && strcmp(node->relationship, key) == 0)
			node->relationship = NULL;
		corm_spec_check_node(node, node_path);
		nodes = lappend(nodes, node);
	}
	(void) what;
	return nodes;
}

/*
 * Parse a jsonb load spec (a Jsonb *): the list of its top-level
 * CormSpecNodes.  NULL: NIL.
 */
List *
corm_parse_load_spec_jsonb(void *spec)
{
	Jsonb	   *jb = (Jsonb *) spec;

	if (jb == NULL)
		return NIL;
	if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a jsonb load spec must be a JSON object"),
				 errhint("Give one key per relationship to load, e.g. '{\"books\": {\"limit\": 3, \"load\": {\"reviews\": true}}}'.")));
	return parse_object(&jb->root, "", "spec");
}
