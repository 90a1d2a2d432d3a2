/*-------------------------------------------------------------------------
 *
 * typescript.c
 *	  corm_typescript(): TypeScript declarations of the JSON that
 *	  corm_load(root, load) returns.
 *
 * The load is planned by the loader's own planner (plan.c), so the
 * declarations follow what render.c writes for that plan, key by key:
 *
 *	 - an object is its shown columns, then one key per child node in the
 *	   plan's order; each object-rendering node is one exported interface;
 *	 - a column is typed as to_json renders its SQL type (ts_sql_type below,
 *	   which follows json_categorize_type() of PostgreSQL 15), `| null`
 *	   unless the column is NOT NULL;
 *	 - a collection is an array of its target's interface, a scalar
 *	   relationship the interface `| null`; a noload relationship is always
 *	   `[]` (collection) or `null` (scalar), as render.c writes it;
 *	 - count is `number` (0 when there is no row); sum, avg, min and max are
 *	   the type of the SQL aggregate's result, `| null`;
 *	 - an association proxy is an array (or, over a scalar relationship, one
 *	   value `| null`) of the proxied column's type or relationship's value;
 *	 - a recursive node ('*', '*N') is one interface that refers to itself;
 *	   its own key is optional (absent at the depth asked for), and under
 *	   '*' every relationship key is optional (an object met again on its
 *	   branch closes the cycle with its columns only).
 *
 * Names (README, "TypeScript types"): the root's interface is the table
 * name in PascalCase (ASCII letters and digits kept, every other character
 * a word break); a nested node's is its parent's interface name followed by
 * its key in PascalCase.  <Root>Load is the type of corm_load's array,
 * <Root>Get the type of corm_get's value; both are claimed first.  A name
 * already taken gets the smallest suffix 2, 3, ... that is free.
 *
 * Only catalogs and corm's cache are read; nothing is executed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "load.h"

PG_FUNCTION_INFO_V1(corm_typescript);
PG_FUNCTION_INFO_V1(corm_typescript_jsonb);

/* An object-rendering node and the name of its interface. */
typedef struct TsShape
{
	CormNode   *node;
	char	   *name;
} TsShape;

typedef struct TsState
{
	List	   *shapes;			/* TsShape *, in the order they are declared */
	List	   *names;			/* every name taken */
} TsState;

static void ts_sql_type(StringInfo buf, Oid typid, int ndims);

/* A word of name in PascalCase: ASCII letters and digits, words capitalized. */
static void
append_pascal(StringInfo buf, const char *name)
{
	bool		word_start = true;
	const char *p;

	for (p = name; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		{
			appendStringInfoChar(buf, word_start && c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
			word_start = false;
		}
		else
			word_start = true;
	}
}

static bool
name_taken(TsState *st, const char *name)
{
	ListCell   *lc;

	foreach(lc, st->names)
		if (strcmp(lfirst(lc), name) == 0)
			return true;
	return false;
}

/* Take name, or name2, name3 ... when it is taken. */
static char *
take_name(TsState *st, const char *name)
{
	char	   *result = pstrdup(name);
	int			n = 2;

	while (name_taken(st, result))
		result = psprintf("%s%d", name, n++);
	st->names = lappend(st->names, result);
	return result;
}

static const char *
shape_name(TsState *st, CormNode *node)
{
	ListCell   *lc;

	foreach(lc, st->shapes)
	{
		TsShape    *s = lfirst(lc);

		if (s->node == node)
			return s->name;
	}
	elog(ERROR, "corm: no TypeScript interface for load node %s", node->path);
	return NULL;
}

static bool
has_shape(TsState *st, CormNode *node)
{
	ListCell   *lc;

	foreach(lc, st->shapes)
		if (((TsShape *) lfirst(lc))->node == node)
			return true;
	return false;
}

/* Whether a relationship node renders objects (not an aggregate, not noload). */
static bool
renders_objects(CormNode *node)
{
	return node->kind == CORM_NODE_RELATIONSHIP && node->agg == CORM_AGG_NONE &&
		node->strategy != CORM_LAZY_NOLOAD;
}

/* Name node's interface (as prefix + key), then those of the nodes below it. */
static void
name_shapes(TsState *st, CormNode *node, const char *name)
{
	TsShape    *shape = palloc(sizeof(TsShape));
	ListCell   *lc;

	check_stack_depth();
	shape->node = node;
	shape->name = take_name(st, name);
	st->shapes = lappend(st->shapes, shape);
	foreach(lc, node->children)
	{
		CormNode   *child = lfirst(lc);
		CormNode   *objects = NULL;
		StringInfoData child_name;

		if (child->kind == CORM_NODE_PROXY)
			objects = child->via_attr;
		else if (renders_objects(child))
			objects = child;
		if (objects == NULL || !renders_objects(objects) || has_shape(st, objects))
			continue;
		initStringInfo(&child_name);
		appendStringInfoString(&child_name, shape->name);
		append_pascal(&child_name, child->key);
		name_shapes(st, objects, child_name.data);
	}
}

/* A property name: bare when it is an identifier, else a quoted string. */
static void
append_property_name(StringInfo buf, const char *name)
{
	const char *p;
	bool		ident = *name != '\0' && !(*name >= '0' && *name <= '9');

	for (p = name; *p && ident; p++)
		ident = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '$';
	if (ident)
		appendStringInfoString(buf, name);
	else
		escape_json(buf, name);
}

/*
 * Append type, or null: `T | null`, except for unknown, which holds null
 * already.
 */
static void
append_or_null(StringInfo buf, const char *type)
{
	appendStringInfoString(buf, type);
	if (strcmp(type, "unknown") != 0)
		appendStringInfoString(buf, " | null");
}

/* An enum: the union of its labels, in their sort order. */
static int
compare_enum(const void *a, const void *b)
{
	float4		x = (*(Form_pg_enum const *) a)->enumsortorder;
	float4		y = (*(Form_pg_enum const *) b)->enumsortorder;

	return x < y ? -1 : x > y ? 1 : 0;
}

static void
ts_enum(StringInfo buf, Oid typid)
{
	CatCList   *list = SearchSysCacheList1(ENUMTYPOIDNAME, ObjectIdGetDatum(typid));
	Form_pg_enum *labels = palloc(sizeof(Form_pg_enum) * Max(list->n_members, 1));
	int			i;

	for (i = 0; i < list->n_members; i++)
		labels[i] = (Form_pg_enum) GETSTRUCT(&list->members[i]->tuple);
	qsort(labels, list->n_members, sizeof(Form_pg_enum), compare_enum);
	if (list->n_members == 0)
		appendStringInfoString(buf, "never");
	for (i = 0; i < list->n_members; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, " | ");
		escape_json(buf, NameStr(labels[i]->enumlabel));
	}
	pfree(labels);
	ReleaseSysCacheList(list);
}

/* A composite: an object of its attributes, each of which may be null. */
static void
ts_composite(StringInfo buf, Oid typid)
{
	TupleDesc	desc = lookup_rowtype_tupdesc(typid, -1);
	StringInfoData type;
	bool		first = true;
	int			i;

	appendStringInfoString(buf, "{ ");
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		if (!first)
			appendStringInfoString(buf, "; ");
		first = false;
		append_property_name(buf, NameStr(att->attname));
		appendStringInfoString(buf, ": ");
		initStringInfo(&type);
		ts_sql_type(&type, att->atttypid, att->attndims);
		append_or_null(buf, type.data);
		pfree(type.data);
	}
	appendStringInfoString(buf, first ? "}" : " }");
	ReleaseTupleDesc(desc);
}

/*
 * The TypeScript type of a non-null value of SQL type typid as to_json
 * renders it (PostgreSQL 15's json_categorize_type and datum_to_json):
 * domains as their base type; booleans; the six number types as number
 * (NaN and Infinity, which to_json writes as strings, are typed number
 * too); json and jsonb as unknown; arrays as arrays of ndims dimensions
 * whose elements may be null; composites as objects; a type of an
 * extension with a cast to json as unknown; an enum as its labels;
 * everything else (dates, timestamps, text, uuid, oid, ...) as the string
 * of its output function.
 */
static void
ts_sql_type(StringInfo buf, Oid typid, int ndims)
{
	Oid			base;
	Oid			elem;
	Oid			castfunc;
	int			i;

	check_stack_depth();
	if (get_typtype(typid) == TYPTYPE_DOMAIN)
	{
		int32		typmod = -1;
		HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));

		/* a domain over an array gives the dimensions it was declared with */
		if (HeapTupleIsValid(tup))
		{
			if (ndims <= 0)
				ndims = ((Form_pg_type) GETSTRUCT(tup))->typndims;
			ReleaseSysCache(tup);
		}
		base = getBaseTypeAndTypmod(typid, &typmod);
	}
	else
		base = typid;

	switch (base)
	{
		case BOOLOID:
			appendStringInfoString(buf, "boolean");
			return;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			appendStringInfoString(buf, "number");
			return;
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			appendStringInfoString(buf, "string");
			return;
		case JSONOID:
		case JSONBOID:
			appendStringInfoString(buf, "unknown");
			return;
		default:
			break;
	}
	elem = get_element_type(base);
	if (OidIsValid(elem))
	{
		/* array_to_json: nested arrays per dimension, null elements */
		StringInfoData type;

		initStringInfo(&type);
		ts_sql_type(&type, elem, 0);
		if (strcmp(type.data, "unknown") == 0)
			appendStringInfoString(buf, "unknown");
		else
			appendStringInfo(buf, "(%s | null)", type.data);
		pfree(type.data);
		for (i = 0; i < Max(ndims, 1); i++)
			appendStringInfoString(buf, "[]");
		return;
	}
	if (type_is_rowtype(base))
	{
		ts_composite(buf, base);
		return;
	}
	if (base >= FirstNormalObjectId &&
		find_coercion_pathway(JSONOID, base, COERCION_EXPLICIT, &castfunc) == COERCION_PATH_FUNC &&
		OidIsValid(castfunc))
	{
		appendStringInfoString(buf, "unknown");
		return;
	}
	if (type_is_enum(base))
	{
		ts_enum(buf, base);
		return;
	}
	appendStringInfoString(buf, "string");
}

/* A column of table t (column index col), with `| null` unless NOT NULL. */
static void
ts_column_type(StringInfo buf, CormTable *t, int col)
{
	HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(t->relid),
									  Int16GetDatum(t->attnums[col]));
	Form_pg_attribute att;
	StringInfoData type;
	bool		notnull;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "corm: cache lookup failed for column %d of %s", t->attnums[col], t->sqlname);
	att = (Form_pg_attribute) GETSTRUCT(tup);
	notnull = att->attnotnull;
	initStringInfo(&type);
	ts_sql_type(&type, att->atttypid, att->attndims);
	ReleaseSysCache(tup);
	if (notnull)
		appendStringInfoString(buf, type.data);
	else
		append_or_null(buf, type.data);
	pfree(type.data);
}

/* The type of an aggregate node: count, or sum/avg/min/max over its agg_col. */
static void
ts_aggregate_type(StringInfo buf, CormNode *node)
{
	const char *fname = NULL;
	Oid			argtype;
	Oid			funcid;
	Oid			rettype;
	bool		retset;
	int			nvargs;
	Oid			vatype;
	Oid		   *true_typeids;
	List	   *argdefaults;
	StringInfoData type;

	switch (node->agg)
	{
		case CORM_AGG_COUNT:
			/* bigint, 0 when there is no row */
			appendStringInfoString(buf, "number");
			return;
		case CORM_AGG_SUM:
			fname = "sum";
			break;
		case CORM_AGG_AVG:
			fname = "avg";
			break;
		case CORM_AGG_MIN:
			fname = "min";
			break;
		case CORM_AGG_MAX:
			fname = "max";
			break;
		case CORM_AGG_NONE:
			elog(ERROR, "corm: no aggregate");
	}
	argtype = getBaseType(node->table->coltypes[node->agg_col]);
	if (func_get_detail(list_make2(makeString("pg_catalog"), makeString((char *) fname)),
						NIL, NIL, 1, &argtype, false, false, false,
						&funcid, &rettype, &retset, &nvargs, &vatype,
						&true_typeids, &argdefaults) != FUNCDETAIL_AGGREGATE ||
		IsPolymorphicType(rettype))
		/* min(anyenum) and the like: the column's own type */
		rettype = node->table->coltypes[node->agg_col];
	/* null when no row matches */
	initStringInfo(&type);
	ts_sql_type(&type, rettype, 0);
	append_or_null(buf, type.data);
	pfree(type.data);
}

/*
 * The type of a relationship node's value (render_relationship): objects,
 * an aggregate, or what noload writes.
 */
static void
ts_relationship_type(StringInfo buf, TsState *st, CormNode *child)
{
	bool		collection = child->rel->uselist;

	if (child->strategy == CORM_LAZY_NOLOAD)
		appendStringInfoString(buf, collection ? "[]" : "null");
	else if (child->agg != CORM_AGG_NONE)
		ts_aggregate_type(buf, child);
	else if (collection)
		appendStringInfo(buf, "%s[]", shape_name(st, child));
	else
		appendStringInfo(buf, "%s | null", shape_name(st, child));
}

/* The type of an association proxy's value (render_proxy). */
static void
ts_proxy_type(StringInfo buf, TsState *st, CormNode *proxy)
{
	StringInfoData value;
	bool		collection;

	if (proxy->via == NULL)
	{
		/* noload */
		appendStringInfoString(buf, "[]");
		return;
	}
	collection = proxy->via->rel->uselist;
	initStringInfo(&value);
	if (proxy->via_attr)
		ts_relationship_type(&value, st, proxy->via_attr);
	else
		ts_column_type(&value, proxy->via->table, proxy->proxy_col);
	if (collection)
	{
		if (strchr(value.data, '|') != NULL)
			appendStringInfo(buf, "(%s)[]", value.data);
		else
			appendStringInfo(buf, "%s[]", value.data);
	}
	else if (strcmp(value.data, "null") == 0 || strcmp(value.data, "unknown") == 0 ||
			 (value.len > 7 && strcmp(value.data + value.len - 7, " | null") == 0))
		appendStringInfoString(buf, value.data);
	else
		appendStringInfo(buf, "%s | null", value.data);
	pfree(value.data);
}

/* A comment's text: what could close it is broken up. */
static void
append_comment_text(StringInfo buf, const char *s)
{
	for (; *s; s++)
	{
		appendStringInfoChar(buf, *s);
		if (s[0] == '*' && s[1] == '/')
			appendStringInfoChar(buf, ' ');
	}
}

/* One interface: node's shown columns, then its keys in render order. */
static void
ts_interface(StringInfo buf, TsState *st, TsShape *shape)
{
	CormNode   *node = shape->node;
	CormTable  *t = node->table;
	ListCell   *lc;
	int			i;

	appendStringInfoString(buf, "\n/* ");
	if (node->kind != CORM_NODE_ROOT)
	{
		append_comment_text(buf, node->path);
		appendStringInfoString(buf, ": ");
	}
	appendStringInfoString(buf, "an object of ");
	append_comment_text(buf, t->sqlname);
	if (node->recursion < 0)
		appendStringInfoString(buf, " (recursive: *)");
	else if (node->recursion > 0)
		appendStringInfo(buf, " (recursive: *%d)", node->recursion);
	appendStringInfo(buf, " */\nexport interface %s {\n", shape->name);
	for (i = 0; i < t->ncols; i++)
	{
		if (node->show && !node->show[i])
			continue;
		appendStringInfoString(buf, "  ");
		append_property_name(buf, get_attname(t->relid, t->attnums[i], false));
		appendStringInfoString(buf, ": ");
		ts_column_type(buf, t, i);
		appendStringInfoString(buf, ";\n");
	}
	foreach(lc, node->children)
	{
		CormNode   *child = lfirst(lc);

		/*
		 * Optional: a recursive node's own key (left out at the depth asked
		 * for), and under '*' every key (left out where a cycle closes).
		 */
		bool		optional = node->recursion < 0 ||
			(child == node && node->recursion > 0);

		appendStringInfoString(buf, "  ");
		append_property_name(buf, child->key);
		appendStringInfoString(buf, optional ? "?: " : ": ");
		if (child->kind == CORM_NODE_PROXY)
			ts_proxy_type(buf, st, child);
		else
			ts_relationship_type(buf, st, child);
		appendStringInfoString(buf, ";\n");
	}
	appendStringInfoString(buf, "}\n");
}

static char *
typescript_for(CormNode *root, List *specs)
{
	TsState		st = {NIL, NIL};
	StringInfoData buf;
	StringInfoData root_name;
	const char *load_name;
	const char *get_name;
	ListCell   *lc;

	initStringInfo(&root_name);
	append_pascal(&root_name, get_rel_name(root->table->relid));
	if (root_name.len == 0 || (root_name.data[0] >= '0' && root_name.data[0] <= '9'))
	{
		/* a name without ASCII letters first: T, as in T2fa */
		char	   *s = pstrdup(root_name.data);

		resetStringInfo(&root_name);
		appendStringInfo(&root_name, "T%s", s);
	}
	load_name = take_name(&st, psprintf("%sLoad", root_name.data));
	get_name = take_name(&st, psprintf("%sGet", root_name.data));
	name_shapes(&st, root, root_name.data);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "/*\n * Generated by corm_typescript(): the JSON that corm_load returns\n * root: ");
	append_comment_text(&buf, root->table->sqlname);
	appendStringInfoString(&buf, "\n * load: ");
	append_comment_text(&buf, specs ? corm_load_spec_to_string(specs) : "(none)");
	appendStringInfo(&buf, "\n * corm_load(root, load) returns %s; corm_get(root, id, load) returns %s.\n */\n",
					 load_name, get_name);
	foreach(lc, st.shapes)
		ts_interface(&buf, &st, lfirst(lc));
	appendStringInfo(&buf, "\n/* corm_load(root, load) */\nexport type %s = %s[];\n",
					 load_name, shape_name(&st, root));
	appendStringInfo(&buf, "\n/* corm_get(root, id, load): null when no row has the id */\nexport type %s = %s | null;\n",
					 get_name, shape_name(&st, root));
	return buf.data;
}

static Datum
typescript_common(FunctionCallInfo fcinfo, bool jsonb_spec)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt;
	CormCachePin *pin;
	List	   *specs;
	CormNode   *root;
	char	   *result;
	text	   *out;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument root must not be NULL")));
	cxt = AllocSetContextCreate(CurrentMemoryContext, "corm typescript", ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(cxt);
	pin = corm_cache_pin(cxt);
	if (PG_ARGISNULL(1))
		specs = corm_parse_load_spec(NULL);
	else if (jsonb_spec)
		specs = corm_parse_load_spec_jsonb(PG_GETARG_JSONB_P(1));
	else
		specs = corm_parse_load_spec(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	root = corm_plan_load(PG_GETARG_OID(0), specs);
	result = typescript_for(root, specs);
	MemoryContextSwitchTo(caller);
	out = cstring_to_text(result);
	corm_cache_unpin(pin);
	SPI_finish();
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(cxt);
	PG_RETURN_TEXT_P(out);
}

/* corm_typescript(root regclass, load text DEFAULT NULL) RETURNS text */
Datum
corm_typescript(PG_FUNCTION_ARGS)
{
	return typescript_common(fcinfo, false);
}

/* corm_typescript(root regclass, load jsonb) RETURNS text */
Datum
corm_typescript_jsonb(PG_FUNCTION_ARGS)
{
	return typescript_common(fcinfo, true);
}
