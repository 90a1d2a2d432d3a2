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

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "load.h"

PG_FUNCTION_INFO_V1(corm_link);
PG_FUNCTION_INFO_V1(corm_unlink);

static char *
qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

static const char *
column(Oid relid, AttrNumber attnum)
{
	return quote_identifier(get_attname(relid, attnum, false));
}

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
	char	   *sql;
	int			ret;

	sql = psprintf("SELECT 1 FROM %s WHERE %s OPERATOR(pg_catalog.=) $1",
				   qualified_name(rel->parent), column(rel->parent, rel->local_attnums[0]));
	ret = SPI_execute_with_args(sql, 1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "corm_link: lookup failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("no row of \"%s\" has %s %s", get_rel_name(rel->parent),
						get_attname(rel->parent, rel->local_attnums[0], false),
						datum_text(idtype, args[0]))));

	sql = psprintf("SELECT pg_catalog.string_agg(i::text, ', ' ORDER BY o), pg_catalog.count(*) "
				   "FROM pg_catalog.unnest($2) WITH ORDINALITY AS u(i, o) "
				   "WHERE i IS NULL OR NOT EXISTS (SELECT 1 FROM %s t WHERE t.%s OPERATOR(pg_catalog.=) u.i)",
				   qualified_name(rel->target), column(rel->target, rel->remote_attnums[0]));
	ret = SPI_execute_with_args(sql, 2, argtypes, args, NULL, true, 0);
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

	if (link)
		sql = psprintf("INSERT INTO %s AS s (%s, %s) "
					   "SELECT $1, u.i FROM (SELECT DISTINCT i FROM pg_catalog.unnest($2) AS i) u "
					   "WHERE NOT EXISTS (SELECT 1 FROM %s e WHERE e.%s OPERATOR(pg_catalog.=) $1 "
					   "AND e.%s OPERATOR(pg_catalog.=) u.i) ON CONFLICT DO NOTHING",
					   qualified_name(rel->secondary),
					   column(rel->secondary, rel->secondary_local_attnums[0]),
					   column(rel->secondary, rel->secondary_remote_attnums[0]),
					   qualified_name(rel->secondary),
					   column(rel->secondary, rel->secondary_local_attnums[0]),
					   column(rel->secondary, rel->secondary_remote_attnums[0]));
	else
		sql = psprintf("DELETE FROM %s WHERE %s OPERATOR(pg_catalog.=) $1 "
					   "AND %s OPERATOR(pg_catalog.=) ANY ($2)",
					   qualified_name(rel->secondary),
					   column(rel->secondary, rel->secondary_local_attnums[0]),
					   column(rel->secondary, rel->secondary_remote_attnums[0]));
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
