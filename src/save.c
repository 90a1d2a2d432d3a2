/*-------------------------------------------------------------------------
 *
 * save.c
 *	  Write-through: corm_link() and corm_unlink(), bulk many-to-many
 *	  association in one statement.
 *
 * Both run with the caller's privileges (INSERT / DELETE on the association
 * table, SELECT on both sides), check every id before changing anything, and
 * return how many association rows they actually inserted or deleted:
 * existing links are skipped, missing ones are not an error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "access/htup_details.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "deparse.h"
#include "load.h"
#include "save_walk.h"

PG_FUNCTION_INFO_V1(corm_link);
PG_FUNCTION_INFO_V1(corm_unlink);
PG_FUNCTION_INFO_V1(corm_save);
PG_FUNCTION_INFO_V1(corm_merge);

/* The many-to-many relationship parent.name, with single-column keys. */
static CormRelationship *
link_relationship(Oid parent, const char *name)
{
	CormRelationship *rel = corm_catalog_get_relationship(parent, name);

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("relationship \"%s\" does not exist on table \"%s\"", name, get_rel_name(parent)),
				 errhint("corm.relationships lists the registered relationships.")));
	if (rel->direction != CORM_MANY_TO_MANY)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("relationship \"%s\" is %s, not many_to_many",
						corm_relationship_display(parent, name), corm_direction_name(rel->direction)),
				 errhint("corm_link and corm_unlink add and remove rows of a many-to-many relationship's secondary table.")));
	if (rel->nlocal != 1 || rel->nremote != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("corm_link and corm_unlink do not support composite keys"),
				 errdetail("Relationship \"%s\" joins %d and %d columns.",
						   corm_relationship_display(parent, name), rel->nlocal, rel->nremote)));
	return rel;
}

static char *
datum_text(Oid type, Datum value)
{
	Oid			outfunc;
	bool		isvarlena;

	getTypeOutputInfo(type, &outfunc, &isvarlena);
	return OidOutputFunctionCall(outfunc, value);
}

/* ERROR unless every id names a row: the call changes nothing otherwise. */
static void
check_ids(CormRelationship *rel, Oid idtype, Oid arraytype, Datum *args)
{
	Oid			argtypes[2] = {idtype, arraytype};
	int			ret;

	ret = SPI_execute_with_args(corm_deparse_link_parent_exists(rel, idtype), 1, argtypes, args,
								NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "corm_link: lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("no row of \"%s\" has %s %s", get_rel_name(rel->parent),
						get_attname(rel->parent, rel->local_attnums[0], false),
						datum_text(idtype, args[0]))));

	ret = SPI_execute_with_args(corm_deparse_link_missing_targets(rel, get_element_type(arraytype)),
								2, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "corm_link: lookup failed");
	{
		bool		isnull;
		int64		missing = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 2, &isnull));

		if (missing > 0)
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("%lld of the target ids name no row of \"%s\"", (long long) missing,
							get_rel_name(rel->target)),
					 errdetail("Missing: %s.", SPI_getvalue(SPI_tuptable->vals[0],
															 SPI_tuptable->tupdesc, 1)
							   ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)
							   : "NULL"),
					 errhint("Nothing was changed.")));
	}
}

static Datum
link_or_unlink(FunctionCallInfo fcinfo, bool link)
{
	CormRelationship *rel;
	Oid			idtype;
	Oid			arraytype;
	Oid			argtypes[2];
	Datum		args[2];
	char	   *sql;
	int			ret;
	int64		changed;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments of %s must not be NULL", link ? "corm_link" : "corm_unlink")));
	idtype = get_fn_expr_argtype(fcinfo->flinfo, 2);
	arraytype = get_fn_expr_argtype(fcinfo->flinfo, 3);
	args[0] = PG_GETARG_DATUM(2);
	args[1] = PG_GETARG_DATUM(3);
	argtypes[0] = idtype;
	argtypes[1] = arraytype;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rel = link_relationship(PG_GETARG_OID(0), text_to_cstring(PG_GETARG_TEXT_PP(1)));
	check_ids(rel, idtype, arraytype, args);

	sql = link ? corm_deparse_link_insert(rel, idtype, get_element_type(arraytype))
		: corm_deparse_link_delete(rel, idtype, get_element_type(arraytype));
	ret = SPI_execute_with_args(sql, 2, argtypes, args, NULL, false, 0);
	if (ret < 0)
		elog(ERROR, "corm_link: statement failed: %s", SPI_result_code_string(ret));
	changed = (int64) SPI_processed;
	SPI_finish();
	PG_RETURN_INT64(changed);
}

/* corm_link(parent, name, parent_id, target_ids) RETURNS bigint */
Datum
corm_link(PG_FUNCTION_ARGS)
{
	return link_or_unlink(fcinfo, true);
}

/* corm_unlink(parent, name, parent_id, target_ids) RETURNS bigint */
Datum
corm_unlink(PG_FUNCTION_ARGS)
{
	return link_or_unlink(fcinfo, false);
}

/* ---------- corm_save / corm_merge ---------- */

/*
 * The walk itself is save_walk.c's; this part gives it the database: the
 * graph converted from jsonb, the catalog through corm's cache, and the
 * rows written through SPI with the statements of deparse_save.c.  Values
 * go through jsonb_populate_record(), so they convert exactly as
 * PostgreSQL converts JSON to the column types, errors included.
 * Everything runs with the caller's privileges; any ERROR leaves nothing
 * written.
 */

static char *
json_text(JsonbValue *v)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (v->type == jbvBinary)
		JsonbToCString(&buf, v->val.binary.data, v->val.binary.len);
	else
	{
		Jsonb	   *jb = JsonbValueToJsonb(v);

		JsonbToCString(&buf, &jb->root, VARSIZE(jb));
	}
	return buf.data;
}

static Datum
jsonb_datum(const char *text)
{
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

/* The value of key in a saved row (jsonb), as JSON text. */
static char *
row_value(Jsonb *row, const char *key)
{
	JsonbValue	k;
	JsonbValue *v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	v = findJsonbValueFromContainer(&row->root, JB_FOBJECT, &k);
	return v ? json_text(v) : pstrdup("null");
}

static const char *
attname_of_rel(Oid relid, AttrNumber attnum)
{
	return get_attname(relid, attnum, false);
}

/* Run a statement with one jsonb (and optionally a second) parameter. */
static int
run_json(const char *sql, const char *arg1, const char *arg2, bool read_only)
{
	Oid			types[2] = {JSONBOID, JSONBOID};
	Datum		values[2];
	int			ret;

	values[0] = jsonb_datum(arg1);
	values[1] = arg2 ? jsonb_datum(arg2) : (Datum) 0;
	ret = SPI_execute_with_args(sql, arg2 ? 2 : 1, types, values, NULL, read_only, 0);
	if (ret < 0)
		elog(ERROR, "corm save statement failed: %s", SPI_result_code_string(ret));
	return ret;
}

/* The primary key of relid, as attribute numbers. */
static int
primary_key(Oid relid, AttrNumber *pk)
{
	CormTable  *t = corm_cached_table(relid);
	int			i;

	for (i = 0; i < t->npk; i++)
		pk[i] = t->attnums[t->pk[i]];
	return t->npk;
}

/* Whether names holds column attnum of relid. */
static bool
names_column(List *names, Oid relid, AttrNumber attnum)
{
	const char *name = get_attname(relid, attnum, false);
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return true;
	return false;
}

/*
 * Write one object's row: update it (given columns only) when its primary
 * key is given and exists; otherwise insert it — when the key is given,
 * with ON CONFLICT on it, so that a concurrent transaction inserting the
 * same new key meanwhile makes this an update (two merges of one new key
 * both succeed).  A declared key (corm_primary_key) has no unique index for
 * ON CONFLICT to use: the row is inserted, and the shard's own key refuses
 * a concurrent duplicate.  Returns the stored row.
 */
static Jsonb *
write_row(Oid relid, const char *args, List *names)
{
	AttrNumber	pk[CORM_MAX_KEYS];
	int			npk = primary_key(relid, pk);
	bool		have_pk = npk > 0;
	bool		exists = false;
	List	   *set_names = NIL;	/* given columns but the key */
	ListCell   *lc;
	char	   *sql;
	int			i;

	for (i = 0; i < npk && have_pk; i++)
		have_pk = names_column(names, relid, pk[i]);
	foreach(lc, names)
	{
		bool		is_pk = false;

		for (i = 0; i < npk; i++)
			is_pk |= strcmp((char *) lfirst(lc), get_attname(relid, pk[i], false)) == 0;
		if (!is_pk)
			set_names = lappend(set_names, lfirst(lc));
	}

	if (have_pk)
	{
		run_json(corm_deparse_row_exists(relid, pk, npk), args, NULL, false);
		exists = SPI_processed > 0;
	}
	if (exists && set_names == NIL)
		sql = corm_deparse_row_select(relid, pk, npk);
	else if (exists)
		sql = corm_deparse_row_update(relid, pk, npk, set_names);
	else if (have_pk && !corm_cached_table(relid)->pk_declared)
		sql = corm_deparse_row_upsert(relid, pk, npk, names, set_names);
	else
		sql = corm_deparse_row_insert(relid, names);
	run_json(sql, args, NULL, false);
	if (SPI_processed != 1)
		elog(ERROR, "corm save: expected one row of \"%s\"", get_rel_name(relid));
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		return DatumGetJsonbPCopy(d);
	}
}

/* merge: the stored children of a one-to-many not in the given list lose their parent */
static void
deassociate_children(CormRelationship *rel, Jsonb *row, List *kept_pks)
{
	AttrNumber	pk[CORM_MAX_KEYS];
	int			npk = primary_key(rel->target, pk);
	StringInfoData parent;
	StringInfoData kept;
	char	   *parent_json;
	char	   *kept_json;
	ListCell   *lc;
	int			i;
	bool		not_null = false;

	if (rel->passive_deletes == CORM_PASSIVE_ALL)
		return;					/* corm never nullifies these */
	initStringInfo(&parent);
	for (i = 0; i < rel->nremote; i++)
		corm_save_json_member(&parent, attname_of_rel(rel->target, rel->remote_attnums[i]),
					  row_value(row, attname_of_rel(rel->parent, rel->local_attnums[i])));
	initStringInfo(&kept);
	foreach(lc, kept_pks)
		appendStringInfo(&kept, "%s%s", kept.len ? ", " : "", (char *) lfirst(lc));
	parent_json = psprintf("{%s}", parent.data);
	kept_json = psprintf("[%s]", kept.data);

	if (rel->cascade & CORM_CASCADE_DELETE_ORPHAN)
	{
		run_json(corm_deparse_deassociate(rel, pk, npk, CORM_DEASSOCIATE_DELETE),
				 parent_json, kept_json, false);
		return;
	}
	for (i = 0; i < rel->nremote; i++)
		not_null |= corm_column_not_null(rel->target, rel->remote_attnums[i]);
	if (not_null)
	{
		run_json(corm_deparse_deassociate(rel, pk, npk, CORM_DEASSOCIATE_FIND),
				 parent_json, kept_json, true);
		if (SPI_processed > 0)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("merge would de-associate children of relationship \"%s\", but their key is NOT NULL",
							corm_relationship_display(rel->parent, rel->name)),
					 errhint("Give the whole collection, or add delete-orphan to the relationship's cascade.")));
		return;
	}
	run_json(corm_deparse_deassociate(rel, pk, npk, CORM_DEASSOCIATE_NULLIFY),
			 parent_json, kept_json, false);
}

/* The primary key of a saved row as a JSON object, e.g. {"id": 5}. */
static char *
pk_json(Oid relid, Jsonb *row)
{
	CormTable  *t = corm_cached_table(relid);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (i = 0; i < t->npk; i++)
	{
		const char *pk = get_attname(relid, t->attnums[t->pk[i]], false);

		if (i)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, pk);
		appendStringInfo(&buf, ": %s", row_value(row, pk));
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* Link a saved parent row and a saved target row through rel's secondary table. */
static void
link_rows(CormRelationship *rel, Jsonb *prow, Jsonb *trow)
{
	StringInfoData values;
	List	   *names = NIL;
	int			i;

	initStringInfo(&values);
	for (i = 0; i < rel->nlocal; i++)
	{
		const char *col = attname_of_rel(rel->secondary, rel->secondary_local_attnums[i]);

		names = lappend(names, (char *) col);
		corm_save_json_member(&values, col,
					  row_value(prow, attname_of_rel(rel->parent, rel->local_attnums[i])));
	}
	for (i = 0; i < rel->nremote; i++)
	{
		const char *col = attname_of_rel(rel->secondary, rel->secondary_remote_attnums[i]);

		names = lappend(names, (char *) col);
		corm_save_json_member(&values, col,
					  row_value(trow, attname_of_rel(rel->target, rel->remote_attnums[i])));
	}
	run_json(corm_deparse_secondary_insert(rel, names), psprintf("{%s}", values.data), NULL, false);
}

/* merge: the association rows of a parent to targets not in the given list go */
static void
unlink_others(CormRelationship *rel, Jsonb *prow, List *kept_rows)
{
	StringInfoData parent;
	StringInfoData kept;
	ListCell   *lc;
	int			i;

	initStringInfo(&parent);
	for (i = 0; i < rel->nlocal; i++)
		corm_save_json_member(&parent, attname_of_rel(rel->secondary, rel->secondary_local_attnums[i]),
					  row_value(prow, attname_of_rel(rel->parent, rel->local_attnums[i])));
	initStringInfo(&kept);
	foreach(lc, kept_rows)
	{
		Jsonb	   *trow = lfirst(lc);
		StringInfoData one;

		initStringInfo(&one);
		for (i = 0; i < rel->nremote; i++)
			corm_save_json_member(&one, attname_of_rel(rel->secondary, rel->secondary_remote_attnums[i]),
						  row_value(trow, attname_of_rel(rel->target, rel->remote_attnums[i])));
		appendStringInfo(&kept, "%s{%s}", kept.len ? ", " : "", one.data);
	}
	run_json(corm_deparse_secondary_delete_others(rel), psprintf("{%s}", parent.data),
			 psprintf("[%s]", kept.data), false);
}

/* ---------- the walker's operations ---------- */

static bool
op_is_column(void *arg, Oid relid, const char *name)
{
	return get_attnum(relid, name) > 0;
}

static CormRelationship *
op_relationship(void *arg, Oid relid, const char *name)
{
	return corm_cached_relationship(relid, name);
}

static const char *
op_attname(void *arg, Oid relid, AttrNumber attnum)
{
	return get_attname(relid, attnum, false);
}

static const char *
op_relname(void *arg, Oid relid)
{
	char	   *name = get_rel_name(relid);

	return name ? name : "?";
}

static void *
op_write_row(void *arg, Oid relid, const char *values, List *columns)
{
	return write_row(relid, values, columns);
}

static char *
op_row_value(void *arg, void *row, const char *column)
{
	return row_value((Jsonb *) row, column);
}

static char *
op_row_key(void *arg, Oid relid, void *row)
{
	return pk_json(relid, (Jsonb *) row);
}

static void
op_link(void *arg, CormRelationship *rel, void *prow, void *trow)
{
	link_rows(rel, (Jsonb *) prow, (Jsonb *) trow);
}

static void
op_unlink_others(void *arg, CormRelationship *rel, void *prow, List *kept)
{
	unlink_others(rel, (Jsonb *) prow, kept);
}

static void
op_deassociate(void *arg, CormRelationship *rel, void *prow, List *kept)
{
	deassociate_children(rel, (Jsonb *) prow, kept);
}

static const CormSaveOps save_ops = {
	.arg = NULL,
	.is_column = op_is_column,
	.relationship = op_relationship,
	.attname = op_attname,
	.relname = op_relname,
	.write_row = op_write_row,
	.row_value = op_row_value,
	.row_key = op_row_key,
	.link = op_link,
	.unlink_others = op_unlink_others,
	.deassociate = op_deassociate,
};

/* A jsonb value as the walker's CormGraph. */
static CormGraph *
graph_from_jsonb(JsonbValue *v)
{
	CormGraph  *g = palloc0(sizeof(CormGraph));

	check_stack_depth();
	g->json = json_text(v);
	if (v->type == jbvNull)
		g->kind = CORM_GRAPH_NULL;
	else if (v->type != jbvBinary || JsonContainerIsScalar(v->val.binary.data))
		g->kind = CORM_GRAPH_SCALAR;
	else
	{
		JsonbContainer *c = v->val.binary.data;
		JsonbIterator *it = JsonbIteratorInit(c);
		JsonbIteratorToken tok;
		JsonbValue	item;
		int			n = JsonContainerSize(c);

		g->kind = JsonContainerIsObject(c) ? CORM_GRAPH_OBJECT : CORM_GRAPH_ARRAY;
		g->items = palloc(sizeof(CormGraph *) * Max(n, 1));
		if (g->kind == CORM_GRAPH_OBJECT)
			g->keys = palloc(sizeof(char *) * Max(n, 1));
		while ((tok = JsonbIteratorNext(&it, &item, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY)
				g->keys[g->nitems] = pnstrdup(item.val.string.val, item.val.string.len);
			else if (tok == WJB_VALUE || tok == WJB_ELEM)
				g->items[g->nitems++] = graph_from_jsonb(&item);
		}
	}
	return g;
}

static Datum
save_common(FunctionCallInfo fcinfo, bool merge)
{
	Oid			root;
	Jsonb	   *graph;
	CormGraph  *top;
	List	   *objects = NIL;
	List	   *rows = NIL;
	List	   *spec = NIL;
	char	   *spec_text;
	StringInfoData out;
	bool		is_array;
	ListCell   *lc;
	text	   *result;
	MemoryContext caller = CurrentMemoryContext;
	CormCachePin *pin;
	JsonbValue	rootval;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments of %s must not be NULL", merge ? "corm_merge" : "corm_save")));
	root = PG_GETARG_OID(0);
	graph = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
											   CStringGetDatum(text_to_cstring(PG_GETARG_TEXT_PP(1)))));
	rootval.type = jbvBinary;
	rootval.val.binary.data = &graph->root;
	rootval.val.binary.len = VARSIZE(graph) - VARHDRSZ;
	top = graph_from_jsonb(&rootval);
	is_array = top->kind == CORM_GRAPH_ARRAY;
	if (is_array)
		for (i = 0; i < top->nitems; i++)
			objects = lappend(objects, top->items[i]);
	else if (top->kind == CORM_GRAPH_OBJECT)
		objects = list_make1(top);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a graph is a JSON object or an array of objects")));

	pin = corm_cache_pin(CurrentMemoryContext);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, objects)
		rows = lappend(rows, corm_save_walk(&save_ops, merge, root, lfirst(lc), &spec));

	/* the graph back, as corm_load renders it, with generated keys and defaults */
	spec_text = corm_save_spec_text(spec);
	initStringInfo(&out);
	if (is_array)
		appendStringInfoChar(&out, '[');
	/* read what this call wrote: a new command, a snapshot that sees it */
	CommandCounterIncrement();
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	foreach(lc, rows)
	{
		text	   *obj = corm_get_object(root, jsonb_datum(pk_json(root, lfirst(lc))), JSONBOID,
										  spec_text);

		if (foreach_current_index(lc) > 0)
			appendStringInfoChar(&out, ',');
		if (obj)
			appendBinaryStringInfo(&out, VARDATA_ANY(obj), VARSIZE_ANY_EXHDR(obj));
		else
			appendStringInfoString(&out, "null");
	}
	PopActiveSnapshot();
	if (is_array)
		appendStringInfoChar(&out, ']');
	MemoryContextSwitchTo(caller);
	result = cstring_to_text_with_len(out.data, out.len);
	corm_cache_unpin(pin);
	SPI_finish();
	PG_RETURN_TEXT_P(result);
}

/* corm_save(root, graph json) RETURNS json */
Datum
corm_save(PG_FUNCTION_ARGS)
{
	return save_common(fcinfo, false);
}

/* corm_merge(root, graph json) RETURNS json */
Datum
corm_merge(PG_FUNCTION_ARGS)
{
	return save_common(fcinfo, true);
}
