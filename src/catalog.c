/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing corm's catalog tables, corm.relationship,
 *	  corm.association_proxy and corm.primary_key.
 *
 * Ordinary roles may read the catalog but not write it: the registration
 * functions check that the caller owns the tables involved, then write the
 * catalog as its owner (the role that created the extension), much as
 * ri_triggers.c runs referential actions as the table owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "corm.h"

/* The OID of corm.<relname>, or InvalidOid when missing_ok and absent. */
Oid
corm_catalog_relid(const char *relname, bool missing_ok)
{
	Oid			nsp = get_namespace_oid(CORM_CATALOG_SCHEMA, missing_ok);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(relname, nsp) : InvalidOid;

	if (!OidIsValid(relid) && !missing_ok)
		elog(ERROR, "corm catalog table corm.%s does not exist", relname);
	return relid;
}

/*
 * Serialize registrations: checks such as "is this name free" and "does the
 * mirror match" read the catalog and must not race with another writer.
 */
void
corm_catalog_lock(void)
{
	LockRelationOid(corm_catalog_relid("relationship", false), ShareRowExclusiveLock);
	LockRelationOid(corm_catalog_relid("association_proxy", false), ShareRowExclusiveLock);
	if (OidIsValid(corm_catalog_relid("primary_key", true)))
		LockRelationOid(corm_catalog_relid("primary_key", true), ShareRowExclusiveLock);
}

/*
 * corm.primary_key, or InvalidOid where the extension is still 1.0 (the
 * library is newer than the installed SQL until ALTER EXTENSION UPDATE).
 */
static Oid
primary_key_relid(void)
{
	return corm_catalog_relid("primary_key", true);
}

/* A table's schema-qualified, quoted name, for statements. */
char *
corm_qualified_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* Whether a column is declared NOT NULL. */
bool
corm_column_not_null(Oid relid, AttrNumber attnum)
{
	HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	bool		result;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for column %d of relation %u", attnum, relid);
	result = ((Form_pg_attribute) GETSTRUCT(tup))->attnotnull;
	ReleaseSysCache(tup);
	return result;
}

/* "parent.name" for messages, with the table as regclass prints it. */
char *
corm_relationship_display(Oid parent, const char *name)
{
	char	   *relname = get_rel_name(parent);

	return psprintf("%s.%s", relname ? relname : "?", name);
}

/* Run a catalog-writing statement as the owner of the catalog. */
static void
execute_as_catalog_owner(const char *sql, int nargs, Oid *argtypes, Datum *values,
						 const char *nulls, int expected)
{
	HeapTuple	tup;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	int			save_nestlevel;
	int			ret;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(corm_catalog_relid("relationship", false)));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for corm.relationship");
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	/* as the owner, nothing of the caller's search_path */
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);
	if (ret < 0)
		elog(ERROR, "corm catalog statement failed: %s", SPI_result_code_string(ret));
	if (expected >= 0 && SPI_processed != (uint64) expected)
		elog(ERROR, "corm catalog statement changed " UINT64_FORMAT " rows, expected %d",
			 SPI_processed, expected);
	SPI_finish();
	AtEOXact_GUC(true, save_nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

static char *
getattr_text(HeapTuple tup, TupleDesc desc, const char *colname)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, SPI_fnumber(desc, colname), &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static Datum
getattr(HeapTuple tup, TupleDesc desc, const char *colname, bool *isnull)
{
	int			fnum = SPI_fnumber(desc, colname);

	if (fnum <= 0)
		elog(ERROR, "corm catalog has no column \"%s\"", colname);
	return SPI_getbinval(tup, desc, fnum, isnull);
}

static void
bool_array(Datum d, bool *out, int n)
{
	Datum	   *elems;
	bool	   *nulls;
	int			count;
	int			i;

	deconstruct_array(DatumGetArrayTypeP(d), BOOLOID, 1, true, TYPALIGN_CHAR,
					  &elems, &nulls, &count);
	if (count != n)
		elog(ERROR, "corm catalog: order_by arrays differ in length");
	for (i = 0; i < n; i++)
		out[i] = !nulls[i] && DatumGetBool(elems[i]);
}

/* Convert one corm.relationship row (palloc'd in the current context). */
static CormRelationship *
relationship_from_tuple(HeapTuple tup, TupleDesc desc)
{
	CormRelationship *rel = palloc0(sizeof(CormRelationship));
	bool		isnull;
	Datum		d;
	bool		flags[CORM_MAX_KEYS];
	AttrNumber	attnums[CORM_MAX_KEYS];
	int			i;

	rel->parent = DatumGetObjectId(getattr(tup, desc, "parent", &isnull));
	rel->name = getattr_text(tup, desc, "name");
	rel->target = DatumGetObjectId(getattr(tup, desc, "target", &isnull));
	rel->direction = corm_direction_from_name(getattr_text(tup, desc, "direction"));
	rel->nlocal = corm_attref_array_attnums(getattr(tup, desc, "local_columns", &isnull),
											rel->parent, rel->local_attnums,
											CORM_MAX_KEYS, "local_columns");
	rel->nremote = corm_attref_array_attnums(getattr(tup, desc, "remote_columns", &isnull),
											 rel->target, rel->remote_attnums,
											 CORM_MAX_KEYS, "remote_columns");
	d = getattr(tup, desc, "secondary", &isnull);
	rel->secondary = isnull ? InvalidOid : DatumGetObjectId(d);
	if (OidIsValid(rel->secondary))
	{
		corm_attref_array_attnums(getattr(tup, desc, "secondary_local_columns", &isnull),
								  rel->secondary, rel->secondary_local_attnums,
								  CORM_MAX_KEYS, "secondary_local_columns");
		corm_attref_array_attnums(getattr(tup, desc, "secondary_remote_columns", &isnull),
								  rel->secondary, rel->secondary_remote_attnums,
								  CORM_MAX_KEYS, "secondary_remote_columns");
	}
	rel->uselist = DatumGetBool(getattr(tup, desc, "uselist", &isnull));
	rel->lazy = corm_parse_lazy(getattr_text(tup, desc, "lazy"));
	rel->cascade = corm_cascade_from_array(getattr(tup, desc, "cascade", &isnull));
	rel->passive_deletes = corm_parse_passive_deletes(getattr_text(tup, desc, "passive_deletes"));
	rel->single_parent = DatumGetBool(getattr(tup, desc, "single_parent", &isnull));

	rel->norder = corm_attref_array_attnums(getattr(tup, desc, "order_by", &isnull),
											rel->target, attnums, CORM_MAX_KEYS, "order_by");
	for (i = 0; i < rel->norder; i++)
		rel->order_by[i].attnum = attnums[i];
	bool_array(getattr(tup, desc, "order_by_desc", &isnull), flags, rel->norder);
	for (i = 0; i < rel->norder; i++)
		rel->order_by[i].desc = flags[i];
	bool_array(getattr(tup, desc, "order_by_nulls_first", &isnull), flags, rel->norder);
	for (i = 0; i < rel->norder; i++)
		rel->order_by[i].nulls_first = flags[i];

	d = getattr(tup, desc, "join_depth", &isnull);
	rel->join_depth = isnull ? -1 : DatumGetInt32(d);
	rel->back_populates = getattr_text(tup, desc, "back_populates");
	return rel;
}

static CormProxy *
proxy_from_tuple(HeapTuple tup, TupleDesc desc)
{
	CormProxy  *proxy = palloc0(sizeof(CormProxy));
	bool		isnull;
	Datum		d;

	proxy->parent = DatumGetObjectId(getattr(tup, desc, "parent", &isnull));
	proxy->name = getattr_text(tup, desc, "name");
	proxy->relationship = getattr_text(tup, desc, "relationship");
	proxy->target_relationship = getattr_text(tup, desc, "target_relationship");
	d = getattr(tup, desc, "target_column", &isnull);
	if (!isnull)
	{
		CormAttref *ref = (CormAttref *) DatumGetPointer(d);

		proxy->target = ref->relid;
		proxy->target_attnum = ref->attnum;
	}
	return proxy;
}

/*
 * Run a catalog query and convert every row with convert(), allocating the
 * results in the caller's memory context.
 */
static List *
query_catalog(const char *sql, int nargs, Oid *argtypes, Datum *values,
			  void *(*convert) (HeapTuple, TupleDesc))
{
	MemoryContext outer = CurrentMemoryContext;
	List	   *result = NIL;
	uint64		i;
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* not read-only: see what this transaction just wrote */
	ret = SPI_execute_with_args(sql, nargs, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "corm catalog query failed: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		MemoryContext spi = MemoryContextSwitchTo(outer);

		result = lappend(result, convert(SPI_tuptable->vals[i], SPI_tuptable->tupdesc));
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return result;
}

static void *
convert_relationship(HeapTuple tup, TupleDesc desc)
{
	return relationship_from_tuple(tup, desc);
}

static void *
convert_proxy(HeapTuple tup, TupleDesc desc)
{
	return proxy_from_tuple(tup, desc);
}

CormRelationship *
corm_catalog_get_relationship(Oid parent, const char *name)
{
	Oid			argtypes[2] = {REGCLASSOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(parent), CStringGetTextDatum(name)};
	List	   *rows;

	rows = query_catalog("SELECT * FROM corm.relationship "
						 "WHERE parent OPERATOR(pg_catalog.=) $1 AND name OPERATOR(pg_catalog.=) $2",
						 2, argtypes, values, convert_relationship);
	return rows ? linitial(rows) : NULL;
}

CormProxy *
corm_catalog_get_proxy(Oid parent, const char *name)
{
	Oid			argtypes[2] = {REGCLASSOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(parent), CStringGetTextDatum(name)};
	List	   *rows;

	rows = query_catalog("SELECT * FROM corm.association_proxy "
						 "WHERE parent OPERATOR(pg_catalog.=) $1 AND name OPERATOR(pg_catalog.=) $2",
						 2, argtypes, values, convert_proxy);
	return rows ? linitial(rows) : NULL;
}

List *
corm_catalog_all_relationships(void)
{
	return query_catalog("SELECT * FROM corm.relationship ORDER BY parent, name",
						 0, NULL, NULL, convert_relationship);
}

List *
corm_catalog_all_proxies(void)
{
	return query_catalog("SELECT * FROM corm.association_proxy ORDER BY parent, name",
						 0, NULL, NULL, convert_proxy);
}

static Datum
bool_array_datum(const CormSortKey *keys, int n, bool nulls_first)
{
	Datum		elems[CORM_MAX_KEYS];
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = BoolGetDatum(nulls_first ? keys[i].nulls_first : keys[i].desc);
	return PointerGetDatum(construct_array(elems, n, BOOLOID, 1, true, TYPALIGN_CHAR));
}

void
corm_catalog_insert_relationship(const CormRelationship *rel)
{
	Oid			attref_array = get_array_type(corm_attref_type_oid());
	Oid			argtypes[19] = {
		REGCLASSOID, TEXTOID, REGCLASSOID, TEXTOID, attref_array, attref_array,
		REGCLASSOID, attref_array, attref_array, BOOLOID, TEXTOID, TEXTARRAYOID,
		TEXTOID, BOOLOID, attref_array, BOOLARRAYOID, BOOLARRAYOID,
		INT4OID, TEXTOID
	};
	Datum		values[19];
	char		nulls[19];
	AttrNumber	order_attnums[CORM_MAX_KEYS];
	int			i;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = ObjectIdGetDatum(rel->parent);
	values[1] = CStringGetTextDatum(rel->name);
	values[2] = ObjectIdGetDatum(rel->target);
	values[3] = CStringGetTextDatum(corm_direction_name(rel->direction));
	values[4] = corm_attref_array(rel->parent, rel->local_attnums, rel->nlocal);
	values[5] = corm_attref_array(rel->target, rel->remote_attnums, rel->nremote);
	if (OidIsValid(rel->secondary))
	{
		values[6] = ObjectIdGetDatum(rel->secondary);
		values[7] = corm_attref_array(rel->secondary, rel->secondary_local_attnums, rel->nlocal);
		values[8] = corm_attref_array(rel->secondary, rel->secondary_remote_attnums, rel->nremote);
	}
	else
		nulls[6] = nulls[7] = nulls[8] = 'n';
	values[9] = BoolGetDatum(rel->uselist);
	values[10] = CStringGetTextDatum(corm_lazy_name(rel->lazy));
	values[11] = corm_cascade_array(rel->cascade);
	values[12] = CStringGetTextDatum(corm_passive_deletes_name(rel->passive_deletes));
	values[13] = BoolGetDatum(rel->single_parent);
	for (i = 0; i < rel->norder; i++)
		order_attnums[i] = rel->order_by[i].attnum;
	values[14] = corm_attref_array(rel->target, order_attnums, rel->norder);
	values[15] = bool_array_datum(rel->order_by, rel->norder, false);
	values[16] = bool_array_datum(rel->order_by, rel->norder, true);
	values[17] = Int32GetDatum(rel->join_depth);
	if (rel->join_depth < 0)
		nulls[17] = 'n';
	if (rel->back_populates)
		values[18] = CStringGetTextDatum(rel->back_populates);
	else
		nulls[18] = 'n';

	execute_as_catalog_owner("INSERT INTO corm.relationship "
							 "(parent, name, target, direction, local_columns, remote_columns, "
							 " secondary, secondary_local_columns, secondary_remote_columns, "
							 " uselist, lazy, cascade, passive_deletes, single_parent, "
							 " order_by, order_by_desc, order_by_nulls_first, join_depth, "
							 " back_populates) "
							 "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
							 "$14, $15, $16, $17, $18, $19)",
							 19, argtypes, values, nulls, 1);
}

void
corm_catalog_insert_proxy(const CormProxy *proxy)
{
	Oid			argtypes[5] = {REGCLASSOID, TEXTOID, TEXTOID, TEXTOID, corm_attref_type_oid()};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};

	values[0] = ObjectIdGetDatum(proxy->parent);
	values[1] = CStringGetTextDatum(proxy->name);
	values[2] = CStringGetTextDatum(proxy->relationship);
	if (proxy->target_relationship)
	{
		values[3] = CStringGetTextDatum(proxy->target_relationship);
		nulls[4] = 'n';
	}
	else
	{
		CormAttref *ref = palloc0(sizeof(CormAttref));

		ref->relid = proxy->target;
		ref->attnum = proxy->target_attnum;
		values[4] = PointerGetDatum(ref);
		nulls[3] = 'n';
	}
	execute_as_catalog_owner("INSERT INTO corm.association_proxy "
							 "(parent, name, relationship, target_relationship, target_column) "
							 "VALUES ($1, $2, $3, $4, $5)",
							 5, argtypes, values, nulls, 1);
}

void
corm_catalog_delete_relationship(Oid parent, const char *name)
{
	Oid			argtypes[2] = {REGCLASSOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(parent), CStringGetTextDatum(name)};

	execute_as_catalog_owner("DELETE FROM corm.relationship "
							 "WHERE parent OPERATOR(pg_catalog.=) $1 AND name OPERATOR(pg_catalog.=) $2",
							 2, argtypes, values, NULL, 1);
}

void
corm_catalog_delete_proxy(Oid parent, const char *name)
{
	Oid			argtypes[2] = {REGCLASSOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(parent), CStringGetTextDatum(name)};

	execute_as_catalog_owner("DELETE FROM corm.association_proxy "
							 "WHERE parent OPERATOR(pg_catalog.=) $1 AND name OPERATOR(pg_catalog.=) $2",
							 2, argtypes, values, NULL, 1);
}

/*
 * Association proxies that stop working without relationship parent.name:
 * those going through it, and those proxying it from the other end.
 */
List *
corm_catalog_proxies_using(Oid parent, const char *name)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, corm_catalog_all_proxies())
	{
		CormProxy  *proxy = lfirst(lc);
		bool		uses = false;

		if (proxy->parent == parent && strcmp(proxy->relationship, name) == 0)
			uses = true;
		else if (proxy->target_relationship && strcmp(proxy->target_relationship, name) == 0)
		{
			CormRelationship *via = corm_catalog_get_relationship(proxy->parent,
																  proxy->relationship);

			uses = via != NULL && via->target == parent;
		}
		if (uses)
			result = lappend(result, proxy);
	}
	return result;
}

/* ---------- declared keys (corm.primary_key) ---------- */

/*
 * The declared key of relid into attnums (at most CORM_MAX_KEYS): the
 * number of its columns, 0 when none is declared.
 */
int
corm_catalog_get_primary_key(Oid relid, AttrNumber *attnums)
{
	Oid			argtypes[1] = {REGCLASSOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	int			n = 0;
	int			ret;

	if (!OidIsValid(primary_key_relid()))
		return 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* not read-only: see what this transaction just wrote */
	ret = SPI_execute_with_args("SELECT columns FROM corm.primary_key "
								"WHERE relid OPERATOR(pg_catalog.=) $1",
								1, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "corm catalog query failed: %s", SPI_result_code_string(ret));
	if (SPI_processed > 0)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		n = corm_attref_array_attnums(d, relid, attnums, CORM_MAX_KEYS, "primary_key");
	}
	SPI_finish();
	return n;
}

/* Every table with a declared key, with its columns (for the DDL guards). */
List *
corm_catalog_all_primary_keys(void)
{
	MemoryContext outer = CurrentMemoryContext;
	List	   *result = NIL;
	uint64		i;

	if (!OidIsValid(primary_key_relid()))
		return NIL;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute("SELECT relid, columns FROM corm.primary_key ORDER BY relid",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "corm catalog query failed");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		MemoryContext spi = MemoryContextSwitchTo(outer);
		CormDeclaredKey *key = palloc0(sizeof(CormDeclaredKey));

		key->relid = DatumGetObjectId(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		key->n = corm_attref_array_attnums(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull),
										   key->relid, key->attnums, CORM_MAX_KEYS,
										   "primary_key");
		result = lappend(result, key);
		MemoryContextSwitchTo(spi);
	}
	SPI_finish();
	return result;
}

/* Declare (or, n 0, remove) the key of relid. */
void
corm_catalog_set_primary_key(Oid relid, const AttrNumber *attnums, int n)
{
	Oid			argtypes[2] = {REGCLASSOID, get_array_type(corm_attref_type_oid())};
	Datum		values[2];

	if (!OidIsValid(primary_key_relid()))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("corm.primary_key does not exist"),
				 errhint("Update the extension: ALTER EXTENSION corm UPDATE.")));
	values[0] = ObjectIdGetDatum(relid);
	execute_as_catalog_owner("DELETE FROM corm.primary_key WHERE relid OPERATOR(pg_catalog.=) $1",
							 1, argtypes, values, NULL, -1);
	if (n == 0)
		return;
	values[1] = corm_attref_array(relid, attnums, n);
	execute_as_catalog_owner("INSERT INTO corm.primary_key (relid, columns) VALUES ($1, $2)",
							 2, argtypes, values, NULL, 1);
}
