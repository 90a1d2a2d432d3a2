/*-------------------------------------------------------------------------
 *
 * attref.c
 *	  The type corm.attref: a reference to one column of one table.
 *
 * corm's catalog must survive two things at once:
 *	 - renames: a relationship keeps working after its tables or columns are
 *	   renamed, so it is stored by table OID and attribute number;
 *	 - pg_dump / restore: OIDs change, and attribute numbers change too when
 *	   the original table had dropped columns.
 * regclass solves both for tables: stored as an OID, dumped and restored as a
 * name.  corm.attref does the same for a column: the binary form is
 * (relid, attnum), the text form is the qualified column name, e.g.
 * public.books.author_id, resolved again on input.
 *
 * A reference whose table no longer exists prints as #relid.attnum, which the
 * input function also accepts, so that such a row can still be dumped.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "corm.h"

PG_FUNCTION_INFO_V1(corm_attref_in);
PG_FUNCTION_INFO_V1(corm_attref_out);
PG_FUNCTION_INFO_V1(corm_attref_attname);
PG_FUNCTION_INFO_V1(corm_attref_relid);

static CormAttref *
make_attref(Oid relid, AttrNumber attnum)
{
	CormAttref *ref = (CormAttref *) palloc0(sizeof(CormAttref));

	ref->relid = relid;
	ref->attnum = attnum;
	return ref;
}

/*
 * Text input: schema.table.column (each part quoted as needed), or
 * #relid.attnum for a reference that could not be printed by name.
 */
Datum
corm_attref_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	List	   *names;
	char	   *colname;
	RangeVar   *rv;
	Oid			relid;
	AttrNumber	attnum;

	if (str[0] == '#')
	{
		unsigned int r;
		int			a;
		char		junk;

		if (sscanf(str + 1, "%u.%d%c", &r, &a, &junk) != 2 || a <= 0 || a > PG_INT16_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s: \"%s\"", "corm.attref", str)));
		PG_RETURN_POINTER(make_attref((Oid) r, (AttrNumber) a));
	}

#if PG_VERSION_NUM >= 160000
	names = stringToQualifiedNameList(str, NULL);
#else
	names = stringToQualifiedNameList(str);
#endif
	if (list_length(names) < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"", "corm.attref", str),
				 errhint("A column reference is written table.column or schema.table.column.")));

	colname = strVal(llast(names));
	names = list_truncate(names, list_length(names) - 1);
	rv = makeRangeVarFromNameList(names);
	relid = RangeVarGetRelid(rv, NoLock, false);
	attnum = get_attnum(relid, colname);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						colname, rv->relname)));
	PG_RETURN_POINTER(make_attref(relid, attnum));
}

/*
 * Text output: the table as regclass prints it (qualified unless visible on
 * the search_path, which pg_dump empties), then the quoted column name.
 */
Datum
corm_attref_out(PG_FUNCTION_ARGS)
{
	CormAttref *ref = (CormAttref *) PG_GETARG_POINTER(0);
	char	   *attname = get_attname(ref->relid, ref->attnum, true);
	HeapTuple	tup;
	StringInfoData buf;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(ref->relid));
	if (!HeapTupleIsValid(tup) || attname == NULL)
	{
		if (HeapTupleIsValid(tup))
			ReleaseSysCache(tup);
		PG_RETURN_CSTRING(psprintf("#%u.%d", ref->relid, ref->attnum));
	}
	ReleaseSysCache(tup);

	initStringInfo(&buf);
	if (RelationIsVisible(ref->relid))
		appendStringInfoString(&buf, quote_identifier(get_rel_name(ref->relid)));
	else
		appendStringInfoString(&buf,
							   quote_qualified_identifier(get_namespace_name(get_rel_namespace(ref->relid)),
														  get_rel_name(ref->relid)));
	appendStringInfo(&buf, ".%s", quote_identifier(attname));
	PG_RETURN_CSTRING(buf.data);
}

/* corm.attref_attname(corm.attref): the column's current name, for views */
Datum
corm_attref_attname(PG_FUNCTION_ARGS)
{
	CormAttref *ref = (CormAttref *) PG_GETARG_POINTER(0);
	char	   *attname = get_attname(ref->relid, ref->attnum, true);

	if (attname == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(attname));
}

/* corm.attref_relid(corm.attref): the column's table */
Datum
corm_attref_relid(PG_FUNCTION_ARGS)
{
	CormAttref *ref = (CormAttref *) PG_GETARG_POINTER(0);

	PG_RETURN_OID(ref->relid);
}

/* The OID of type corm.attref, looked up once per backend. */
Oid
corm_attref_type_oid(void)
{
	static Oid	typid = InvalidOid;

	/*
	 * The cached value goes stale if the extension is dropped and created
	 * again in this session, so check it still names our type.
	 */
	if (OidIsValid(typid) && SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typid)))
		return typid;

	typid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							CStringGetDatum("attref"),
							ObjectIdGetDatum(get_namespace_oid(CORM_CATALOG_SCHEMA, false)));
	if (!OidIsValid(typid))
		elog(ERROR, "type corm.attref does not exist");
	return typid;
}

/* Build a corm.attref[] datum for columns of one table. */
Datum
corm_attref_array(Oid relid, const AttrNumber *attnums, int n)
{
	Datum	   *elems = (Datum *) palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = PointerGetDatum(make_attref(relid, attnums[i]));
	return PointerGetDatum(construct_array(elems, n, corm_attref_type_oid(),
										   sizeof(CormAttref), false, TYPALIGN_INT));
}

/*
 * Unpack a corm.attref[] datum into attnums, checking that every element
 * refers to relid: the catalog must never mix up tables.  Returns the count.
 */
int
corm_attref_array_attnums(Datum array, Oid relid, AttrNumber *attnums, int maxn,
						  const char *what)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;

	deconstruct_array(arr, corm_attref_type_oid(), sizeof(CormAttref), false,
					  TYPALIGN_INT, &elems, &nulls, &n);
	if (n > maxn)
		elog(ERROR, "corm catalog: too many columns in %s", what);
	for (i = 0; i < n; i++)
	{
		CormAttref *ref = (CormAttref *) DatumGetPointer(elems[i]);

		if (nulls[i] || ref->relid != relid)
			elog(ERROR, "corm catalog: %s refers to a column of another table", what);
		attnums[i] = ref->attnum;
	}
	return n;
}
