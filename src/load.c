/*-------------------------------------------------------------------------
 *
 * load.c
 *	  The loading functions: corm_load(), corm_get() and corm_explain().
 *
 * Each call runs in a memory context of its own, deleted before it returns;
 * all its statements run through SPI with the caller's privileges, read-only
 * and on the calling query's snapshot, so the graph is consistent.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "load.h"

PG_FUNCTION_INFO_V1(corm_load);
PG_FUNCTION_INFO_V1(corm_load_jsonb);
PG_FUNCTION_INFO_V1(corm_get);
PG_FUNCTION_INFO_V1(corm_get_jsonb);
PG_FUNCTION_INFO_V1(corm_get_composite);
PG_FUNCTION_INFO_V1(corm_get_composite_jsonb);
PG_FUNCTION_INFO_V1(corm_explain);
PG_FUNCTION_INFO_V1(corm_explain_jsonb);
PG_FUNCTION_INFO_V1(corm_load_rows);
PG_FUNCTION_INFO_V1(corm_load_rows_jsonb);

/* A load spec argument: text (1.0) or jsonb (1.1), NULL when not given. */
typedef struct SpecArg
{
	char	   *text;
	Jsonb	   *jsonb;
} SpecArg;

static SpecArg
spec_arg(FunctionCallInfo fcinfo, int argno, bool is_jsonb)
{
	SpecArg		a = {NULL, NULL};

	if (PG_ARGISNULL(argno))
		return a;
	if (is_jsonb)
		a.jsonb = PG_GETARG_JSONB_P(argno);
	else
		a.text = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	return a;
}

static char *
opt_text(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static CormLoad *
new_load(void)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "corm load",
											  ALLOCSET_DEFAULT_SIZES);
	CormLoad   *load = MemoryContextAllocZero(cxt, sizeof(CormLoad));

	load->cxt = cxt;
	load->rows_cxt = cxt;
	load->limit_null = load->offset_null = true;
	/* read once: a function the load calls may SET it */
	load->batch_size = corm_batch_size;
	return load;
}

/*
 * A load's memory (its rows, their rendered columns, its statements'
 * results) goes with its context.  After a large load, glibc keeps what
 * was freed in its heap, resident, while the value returned is copied
 * twice more on its way out (the output function's string, the protocol
 * message): returning the freed memory to the system first keeps the
 * backend's peak at the larger of the two phases rather than their sum.
 */
#define CORM_TRIM_THRESHOLD		(32 * 1024 * 1024)

static void
end_load(CormLoad *load)
{
	Size		allocated = MemoryContextMemAllocated(load->cxt, true);

	MemoryContextDelete(load->cxt);
#ifdef __GLIBC__
	if (allocated >= CORM_TRIM_THRESHOLD)
		malloc_trim(0);
#endif
}

/* Set up a load from the common arguments (root, load, where, order_by, limit, offset). */
static CormLoad *
begin_load(FunctionCallInfo fcinfo, bool with_filters)
{
	CormLoad   *load;
	MemoryContext cxt;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument root must not be NULL")));
	load = new_load();
	cxt = load->cxt;
	if (with_filters)
	{
		MemoryContext old = MemoryContextSwitchTo(cxt);

		load->where = opt_text(fcinfo, 2);
		load->order_by = opt_text(fcinfo, 3);
		if (load->where)
			corm_check_fragment(load->where, true);
		if (load->order_by)
			corm_check_fragment(load->order_by, false);
		load->limit_null = PG_ARGISNULL(4);
		load->limit = load->limit_null ? (Datum) 0 : PG_GETARG_DATUM(4);
		load->offset_null = PG_ARGISNULL(5);
		load->offset = load->offset_null ? (Datum) 0 : PG_GETARG_DATUM(5);
		MemoryContextSwitchTo(old);
	}
	return load;
}

/* corm_get(root, id) with one value for a composite primary key */
static void
refuse_scalar_id(CormTable *t)
{
	StringInfoData example;
	int			i;

	initStringInfo(&example);
	for (i = 0; i < t->npk; i++)
	{
		if (i > 0)
			appendStringInfoString(&example, ", ");
		escape_json(&example, get_attname(t->relid, t->attnums[t->pk[i]], false));
		appendStringInfoString(&example, ": ...");
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the primary key of \"%s\" has %d columns, but the id is one value",
					get_rel_name(t->relid), t->npk),
			 errhint("Give the id as a JSON object with each key column by name: '{%s}'::jsonb.",
					 example.data)));
}

/*
 * Plan, run and render; returns the JSON text in the caller's memory
 * context, or NULL for corm_get when no row has the key.
 */
static text *
run_load(CormLoad *load, Oid root, SpecArg spec, bool single)
{
	MemoryContext caller = CurrentMemoryContext;
	CormCachePin *pin;
	int			save_nestlevel;
	text	   *result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(load->cxt);
	pin = corm_cache_pin(load->cxt);
	load->root = corm_plan_load(root, spec.jsonb ? corm_parse_load_spec_jsonb(spec.jsonb)
								: corm_parse_load_spec(spec.text));
	if (load->by_id && load->id_type != JSONBOID && load->root->table->npk != 1)
		refuse_scalar_id(load->root->table);

	/*
	 * A load only reads: the transaction is read-only while it runs, so a
	 * where, an order_by or a policy calling a function that writes fails
	 * (PostgreSQL's own rule: temporary tables excepted).
	 */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("transaction_read_only", "on", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	corm_execute(load);
	AtEOXact_GUC(true, save_nestlevel);

	/* rendered straight into the value returned */
	MemoryContextSwitchTo(caller);
	result = corm_render(load, single);
	corm_cache_unpin(pin);
	SPI_finish();
	MemoryContextSwitchTo(caller);
	return result;
}

/* corm_load(root, load, where, order_by, limit, offset) RETURNS json */
static Datum
load_common(FunctionCallInfo fcinfo, bool jsonb_spec)
{
	CormLoad   *load = begin_load(fcinfo, true);
	text	   *result;

	result = run_load(load, PG_GETARG_OID(0), spec_arg(fcinfo, 1, jsonb_spec), false);
	end_load(load);
	PG_RETURN_TEXT_P(result);
}

Datum
corm_load(PG_FUNCTION_ARGS)
{
	return load_common(fcinfo, false);
}

/* corm_load(root, load jsonb, ...): the 1.1 load spec with options */
Datum
corm_load_jsonb(PG_FUNCTION_ARGS)
{
	return load_common(fcinfo, true);
}

static Datum
get_common(FunctionCallInfo fcinfo, Oid id_type, bool jsonb_spec)
{
	CormLoad   *load = begin_load(fcinfo, false);
	text	   *result;

	if (PG_ARGISNULL(1))
		PG_RETURN_NULL();
	load->by_id = true;
	load->id = PG_GETARG_DATUM(1);
	load->id_type = id_type;
	result = run_load(load, PG_GETARG_OID(0), spec_arg(fcinfo, 2, jsonb_spec), true);
	end_load(load);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

/*
 * corm_get's object for an id of type id_type (JSONBOID: a composite key
 * as an object), or NULL: for corm_save and corm_merge, which call the
 * loader directly rather than through a function name that would be
 * looked up in the caller's search_path.
 */
text *
corm_get_object(Oid root, Datum id, Oid id_type, const char *spec)
{
	CormLoad   *load = new_load();
	text	   *result;

	load->by_id = true;
	load->id = id;
	load->id_type = id_type;
	result = run_load(load, root, (SpecArg) {(char *) spec, NULL}, true);
	end_load(load);
	return result;
}

/* corm_get(root, id anyelement, load) RETURNS json */
static Datum
get_scalar(FunctionCallInfo fcinfo, bool jsonb_spec)
{
	Oid			id_type = get_fn_expr_argtype(fcinfo->flinfo, 1);

	if (!OidIsValid(id_type))
		elog(ERROR, "corm_get: could not determine the type of id");
	return get_common(fcinfo, id_type, jsonb_spec);
}

Datum
corm_get(PG_FUNCTION_ARGS)
{
	return get_scalar(fcinfo, false);
}

Datum
corm_get_jsonb(PG_FUNCTION_ARGS)
{
	return get_scalar(fcinfo, true);
}

/*
 * corm_get(root, id jsonb, load) RETURNS json: a composite primary key as
 * an object with exactly the key's column names.
 */
static Datum
get_composite(FunctionCallInfo fcinfo, bool jsonb_spec)
{
	Jsonb	   *id;
	CormCachePin *pin;
	CormTable  *t;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return get_common(fcinfo, JSONBOID, jsonb_spec);
	id = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_OBJECT(id) || JB_ROOT_IS_SCALAR(id))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a composite id must be a JSON object"),
				 errhint("Give each primary key column by name, e.g. '{\"region\": \"eu\", \"order_no\": 5}'.")));

	/* exactly the primary key's columns, no more, no fewer */
	pin = corm_cache_pin(CurrentMemoryContext);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	t = corm_cached_table(PG_GETARG_OID(0));
	if (t->npk == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" has no primary key", get_rel_name(t->relid))));
	if ((int) JB_ROOT_COUNT(id) != t->npk)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the id has %d keys but the primary key of \"%s\" has %d columns",
						(int) JB_ROOT_COUNT(id), get_rel_name(t->relid), t->npk),
				 errhint("Give each primary key column by name, and nothing else.")));
	for (i = 0; i < t->npk; i++)
	{
		char	   *col = get_attname(t->relid, t->attnums[t->pk[i]], false);
		JsonbValue	k;

		k.type = jbvString;
		k.val.string.val = col;
		k.val.string.len = strlen(col);
		if (findJsonbValueFromContainer(&id->root, JB_FOBJECT, &k) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the id has no key \"%s\"", col),
					 errhint("Give each primary key column of \"%s\" by name.", get_rel_name(t->relid))));
	}
	corm_cache_unpin(pin);
	SPI_finish();
	return get_common(fcinfo, JSONBOID, jsonb_spec);
}

Datum
corm_get_composite(PG_FUNCTION_ARGS)
{
	return get_composite(fcinfo, false);
}

Datum
corm_get_composite_jsonb(PG_FUNCTION_ARGS)
{
	return get_composite(fcinfo, true);
}

/*
 * corm_explain(root, load, where, order_by, limit, offset)
 *	 RETURNS TABLE (step, relationship, strategy, statement, rows):
 * runs the load and lists the statements it ran.
 */
static Datum
explain_common(FunctionCallInfo fcinfo, bool jsonb_spec)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CormLoad   *load = begin_load(fcinfo, true);
	ListCell   *lc;
	int			stepno = 0;

	InitMaterializedSRF(fcinfo, 0);
	load->record = true;
	(void) run_load(load, PG_GETARG_OID(0), spec_arg(fcinfo, 1, jsonb_spec), false);
	foreach(lc, load->steps)
	{
		CormStep   *step = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int32GetDatum(++stepno);
		if (step->path)
			values[1] = CStringGetTextDatum(step->path);
		else
			nulls[1] = true;
		values[2] = CStringGetTextDatum(step->strategy);
		values[3] = CStringGetTextDatum(step->statement);
		values[4] = Int64GetDatum((int64) step->rows);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	end_load(load);
	return (Datum) 0;
}

Datum
corm_explain(PG_FUNCTION_ARGS)
{
	return explain_common(fcinfo, false);
}

Datum
corm_explain_jsonb(PG_FUNCTION_ARGS)
{
	return explain_common(fcinfo, true);
}

/*
 * The result set of corm_load_rows, as InitMaterializedSRF() makes it but
 * with a smaller in-memory part than work_mem: the objects are written
 * once and read once, in order, so a temporary file costs little, and the
 * backend's memory stays at one batch of the graph (a work_mem of 64MB
 * would otherwise keep that much of the result as well).
 */
#define CORM_ROWS_MEMORY_KB 1024

static void
rows_result_init(ReturnSetInfo *rsinfo)
{
	MemoryContext old;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize) || rsinfo->expectedDesc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	rsinfo->setDesc = CreateTupleDescCopy(rsinfo->expectedDesc);
	rsinfo->setResult = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
											  false, Min(work_mem, CORM_ROWS_MEMORY_KB));
	rsinfo->returnMode = SFRM_Materialize;
	MemoryContextSwitchTo(old);
}

/* corm_load_rows: each root object as it is rendered goes into the result set. */
static void
emit_row(CormLoad *load, int row, void *arg)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) arg;
	MemoryContext old = MemoryContextSwitchTo(load->cxt);
	text	   *object = corm_render_root_row(load, row);
	Datum		value = PointerGetDatum(object);
	bool		isnull = false;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value, &isnull);
	pfree(object);
	MemoryContextSwitchTo(old);
}

/*
 * corm_load_rows(root, load, where, order_by, limit, offset) RETURNS SETOF
 * json: the objects of corm_load's array, one per row, in the same order.
 * Roots are loaded and rendered a batch at a time (exec.c), into a
 * tuplestore that spills to disk past work_mem: memory is bounded by a
 * batch, not by the result.
 */
static Datum
load_rows_common(FunctionCallInfo fcinfo, bool jsonb_spec)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CormLoad   *load;
	CormCachePin *pin;
	SpecArg		spec;
	int			save_nestlevel;
	MemoryContext caller = CurrentMemoryContext;

	rows_result_init(rsinfo);
	load = begin_load(fcinfo, true);
	load->rows_cxt = AllocSetContextCreate(load->cxt, "corm load batch", ALLOCSET_DEFAULT_SIZES);
	spec = spec_arg(fcinfo, 1, jsonb_spec);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(load->cxt);
	pin = corm_cache_pin(load->cxt);
	load->root = corm_plan_load(PG_GETARG_OID(0),
								spec.jsonb ? corm_parse_load_spec_jsonb(spec.jsonb)
								: corm_parse_load_spec(spec.text));
	load->root->stream = true;

	/* read-only, as run_load() */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("transaction_read_only", "on", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	corm_execute_stream(load, emit_row, rsinfo);
	AtEOXact_GUC(true, save_nestlevel);

	corm_cache_unpin(pin);
	SPI_finish();
	MemoryContextSwitchTo(caller);
	end_load(load);
	return (Datum) 0;
}

Datum
corm_load_rows(PG_FUNCTION_ARGS)
{
	return load_rows_common(fcinfo, false);
}

Datum
corm_load_rows_jsonb(PG_FUNCTION_ARGS)
{
	return load_rows_common(fcinfo, true);
}
