/*-------------------------------------------------------------------------
 *
 * register.c
 *	  The registration functions: corm_relationship(),
 *	  corm_association_proxy(), corm_drop_relationship() and
 *	  corm_primary_key().
 *
 * Every check runs before anything is written, and the catalog is locked
 * for the duration, so a failed call changes nothing and two concurrent
 * registrations cannot both take the same name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"


#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "corm.h"

PG_FUNCTION_INFO_V1(corm_relationship);
PG_FUNCTION_INFO_V1(corm_association_proxy);
PG_FUNCTION_INFO_V1(corm_drop_relationship);
PG_FUNCTION_INFO_V1(corm_primary_key);

/* Argument numbers of corm_relationship(), in SQL declaration order. */
enum
{
	ARG_PARENT,
	ARG_NAME,
	ARG_TARGET,
	ARG_BACK_POPULATES,
	ARG_BACKREF,
	ARG_SECONDARY,
	ARG_FOREIGN_KEY,
	ARG_SECONDARY_FOREIGN_KEY,
	ARG_LOCAL_COLUMNS,
	ARG_REMOTE_COLUMNS,
	ARG_DIRECTION,
	ARG_USELIST,
	ARG_LAZY,
	ARG_CASCADE,
	ARG_PASSIVE_DELETES,
	ARG_SINGLE_PARENT,
	ARG_ORDER_BY,
	ARG_JOIN_DEPTH,
	ARG_SECONDARY_LOCAL_COLUMNS,
	ARG_SECONDARY_REMOTE_COLUMNS
};

static void
require_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument %s must not be NULL", argname)));
}

static char *
text_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static char *
name_arg(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : pstrdup(NameStr(*PG_GETARG_NAME(argno)));
}

/* A text[] argument as a List of C strings; NIL when NULL. */
static List *
columns_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	List	   *result = NIL;

	if (PG_ARGISNULL(argno))
		return NIL;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be empty", argname)));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not contain NULL", argname)));
		result = lappend(result, TextDatumGetCString(elems[i]));
	}
	return result;
}

/*
 * A table corm works on: an ordinary or partitioned table, not temporary
 * (the catalog outlives the session), owned by the caller (corm installs
 * triggers on it).  Locked against concurrent DROP for the transaction.
 */
static void
check_table(Oid relid, const char *argname)
{
	HeapTuple	tup;
	Form_pg_class form;

	LockRelationOid(relid, AccessShareLock);
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("%s: relation with OID %u does not exist", argname, relid)));
	form = (Form_pg_class) GETSTRUCT(tup);

	/*
	 * Foreign tables take part as partitions of a registered partitioned
	 * table: there corm's cascade triggers (cloned by PostgreSQL onto every
	 * partition) and the declared key live, and rows are routed to their
	 * shard (docs/scaling.md).
	 */
	if (form->relkind == RELKIND_FOREIGN_TABLE && form->relispartition)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a foreign table", NameStr(form->relname)),
				 errdetail("corm registers ordinary and partitioned tables; a foreign table takes part as a partition of a registered partitioned table."),
				 errhint("Register its partitioned table \"%s\" instead.",
						 get_rel_name(get_partition_parent(relid, true)))));
	if (form->relkind == RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a foreign table", NameStr(form->relname)),
				 errdetail("corm registers ordinary and partitioned tables; a foreign table takes part as a partition of a registered partitioned table."),
				 errhint("Attach it as a partition of a partitioned table, declare that table's key with corm_primary_key() and register it (docs/scaling.md).")));
	if (form->relkind != RELKIND_RELATION && form->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", NameStr(form->relname)),
				 errdetail("%s must be an ordinary or partitioned table.", argname)));
	if (form->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("\"%s\" is a temporary table", NameStr(form->relname)),
				 errdetail("corm's catalog outlives the session, so relationships cannot use temporary tables.")));
	ReleaseSysCache(tup);

	/* inheritance (not partitioning): foreign keys do not reach into it, nor does corm */
	if (get_rel_relkind(relid) == RELKIND_RELATION &&
		(has_superclass(relid) || find_inheritance_children(relid, NoLock) != NIL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("\"%s\" is part of an inheritance hierarchy", get_rel_name(relid)),
				 errdetail("corm's relationships follow foreign keys, which do not reach into inheritance parents or children, so loads and cascades could not either."),
				 errhint("Use declarative partitioning instead of inheritance.")));

#if PG_VERSION_NUM >= 160000
	if (!object_ownercheck(RelationRelationId, relid, GetUserId()))
#else
	if (!pg_class_ownercheck(relid, GetUserId()))
#endif
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
}

/*
 * An attribute name must be usable as a JSON key and in a load spec, must
 * not shadow a column, and must be free on its table.
 */
static void
check_new_attribute(Oid relid, const char *name, const char *what)
{
	corm_check_attribute_name(name, what);
	if (get_attnum(relid, name) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("%s name \"%s\" is a column of table \"%s\"", what, name, get_rel_name(relid)),
				 errhint("Objects render their columns and relationships under one set of keys; choose another name.")));
	if (corm_catalog_get_relationship(relid, name) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("relationship \"%s\" already exists on table \"%s\"", name, get_rel_name(relid)),
				 errhint("Drop it first with corm_drop_relationship().")));
	if (corm_catalog_get_proxy(relid, name) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("association proxy \"%s\" already exists on table \"%s\"", name, get_rel_name(relid)),
				 errhint("Drop it first with corm_drop_relationship().")));
}

/* Whether relid has a primary key index (declared keys aside). */
static bool
has_primary_key_index(Oid relid)
{
	Relation	r = table_open(relid, AccessShareLock);
	bool		result = OidIsValid(RelationGetPrimaryKeyIndex(r));

	table_close(r, AccessShareLock);
	return result;
}

/* Whether relid has a primary key, or a key declared with corm_primary_key(). */
static bool
has_primary_key(Oid relid)
{
	AttrNumber	attnums[CORM_MAX_KEYS];

	return has_primary_key_index(relid) || corm_catalog_get_primary_key(relid, attnums) > 0;
}

/* Install or remove cascade triggers on every table rel involves. */
static void
sync_tables(const CormRelationship *rel)
{
	corm_sync_triggers(rel->parent);
	if (rel->target != rel->parent)
		corm_sync_triggers(rel->target);
	if (OidIsValid(rel->secondary))
		corm_sync_triggers(rel->secondary);
}

/* The direction a mirror of dir has. */
static bool
directions_mirror(CormDirection dir, CormDirection mirror)
{
	switch (dir)
	{
		case CORM_ONE_TO_MANY:
		case CORM_ONE_TO_ONE:
			return mirror == CORM_MANY_TO_ONE;
		case CORM_MANY_TO_ONE:
			return mirror == CORM_ONE_TO_MANY || mirror == CORM_ONE_TO_ONE;
		case CORM_MANY_TO_MANY:
			return mirror == CORM_MANY_TO_MANY;
	}
	return false;
}

/* Whether the column pairs (a1[i], b1[i]) are the same set as (a2[j], b2[j]). */
static bool
same_pairs(const AttrNumber *a1, const AttrNumber *b1, int n1,
		   const AttrNumber *a2, const AttrNumber *b2, int n2)
{
	int			i;
	int			j;

	if (n1 != n2)
		return false;
	for (i = 0; i < n1; i++)
	{
		bool		found = false;

		for (j = 0; j < n2 && !found; j++)
			found = a1[i] == a2[j] && b1[i] == b2[j];
		if (!found)
			return false;
	}
	return true;
}

/* The relationship a backref registers: rel read from the other end. */
static CormRelationship *
make_mirror(const CormRelationship *rel, const char *name)
{
	CormRelationship *m = palloc0(sizeof(CormRelationship));

	m->parent = rel->target;
	m->name = pstrdup(name);
	m->target = rel->parent;
	switch (rel->direction)
	{
		case CORM_ONE_TO_MANY:
		case CORM_ONE_TO_ONE:
			m->direction = CORM_MANY_TO_ONE;
			break;
		case CORM_MANY_TO_ONE:
			m->direction = CORM_ONE_TO_MANY;
			break;
		case CORM_MANY_TO_MANY:
			m->direction = CORM_MANY_TO_MANY;
			break;
	}
	m->nlocal = rel->nremote;
	memcpy(m->local_attnums, rel->remote_attnums, sizeof(AttrNumber) * rel->nremote);
	m->nremote = rel->nlocal;
	memcpy(m->remote_attnums, rel->local_attnums, sizeof(AttrNumber) * rel->nlocal);
	m->secondary = rel->secondary;
	memcpy(m->secondary_local_attnums, rel->secondary_remote_attnums,
		   sizeof(AttrNumber) * rel->nremote);
	memcpy(m->secondary_remote_attnums, rel->secondary_local_attnums,
		   sizeof(AttrNumber) * rel->nlocal);
	m->uselist = m->direction != CORM_MANY_TO_ONE;
	m->lazy = CORM_LAZY_SELECT;
	m->cascade = CORM_CASCADE_DEFAULT;
	m->passive_deletes = CORM_PASSIVE_FALSE;
	m->join_depth = -1;
	m->back_populates = rel->name;
	return m;
}

/*
 * back_populates names an existing relationship: it must join the same
 * columns the other way round, and point back here if it points anywhere.
 */
static void
check_mirror(const CormRelationship *rel, const CormRelationship *m)
{
	const char *problem = NULL;

	if (m->target != rel->parent)
		problem = "it targets another table";
	else if (!directions_mirror(rel->direction, m->direction))
		problem = psprintf("it is %s, and %s needs the opposite direction",
						   corm_direction_name(m->direction),
						   corm_direction_name(rel->direction));
	else if (m->secondary != rel->secondary)
		problem = "it goes through another secondary table";
	else if (!OidIsValid(rel->secondary) &&
			 !same_pairs(rel->local_attnums, rel->remote_attnums, rel->nlocal,
						 m->remote_attnums, m->local_attnums, m->nlocal))
		problem = "it joins other columns";
	else if (OidIsValid(rel->secondary) &&
			 (!same_pairs(rel->local_attnums, rel->secondary_local_attnums, rel->nlocal,
						  m->remote_attnums, m->secondary_remote_attnums, m->nremote) ||
			  !same_pairs(rel->remote_attnums, rel->secondary_remote_attnums, rel->nremote,
						  m->local_attnums, m->secondary_local_attnums, m->nlocal)))
		problem = "it joins other columns";
	else if (m->back_populates != NULL && strcmp(m->back_populates, rel->name) != 0)
		problem = psprintf("its back_populates is \"%s\"", m->back_populates);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("relationship \"%s\" does not mirror \"%s\"",
						corm_relationship_display(m->parent, m->name),
						corm_relationship_display(rel->parent, rel->name)),
				 errdetail("back_populates names \"%s\", but %s.", m->name, problem),
				 errhint("back_populates must name the relationship that joins the same columns in the opposite direction.")));
}

/*
 * corm_relationship(parent, name, target, back_populates, backref, secondary,
 *		foreign_key, secondary_foreign_key, local_columns, remote_columns,
 *		direction, uselist, lazy, cascade, passive_deletes, single_parent,
 *		order_by, join_depth, secondary_local_columns, secondary_remote_columns)
 */
Datum
corm_relationship(PG_FUNCTION_ARGS)
{
	CormRelationship *rel = palloc0(sizeof(CormRelationship));
	CormRelationship *mirror = NULL;
	char	   *back_populates = text_arg(fcinfo, ARG_BACK_POPULATES);
	char	   *backref = text_arg(fcinfo, ARG_BACKREF);
	char	   *direction = text_arg(fcinfo, ARG_DIRECTION);
	List	   *local_columns;
	List	   *remote_columns;
	List	   *secondary_local_columns;
	List	   *secondary_remote_columns;
	char	   *display;

	require_arg(fcinfo, ARG_PARENT, "parent");
	require_arg(fcinfo, ARG_NAME, "name");
	require_arg(fcinfo, ARG_TARGET, "target");
	require_arg(fcinfo, ARG_LAZY, "lazy");
	require_arg(fcinfo, ARG_CASCADE, "cascade");
	require_arg(fcinfo, ARG_PASSIVE_DELETES, "passive_deletes");
	require_arg(fcinfo, ARG_SINGLE_PARENT, "single_parent");
	local_columns = columns_arg(fcinfo, ARG_LOCAL_COLUMNS, "local_columns");
	remote_columns = columns_arg(fcinfo, ARG_REMOTE_COLUMNS, "remote_columns");
	secondary_local_columns = columns_arg(fcinfo, ARG_SECONDARY_LOCAL_COLUMNS,
										  "secondary_local_columns");
	secondary_remote_columns = columns_arg(fcinfo, ARG_SECONDARY_REMOTE_COLUMNS,
										   "secondary_remote_columns");

	rel->parent = PG_GETARG_OID(ARG_PARENT);
	rel->name = text_arg(fcinfo, ARG_NAME);
	rel->target = PG_GETARG_OID(ARG_TARGET);
	rel->secondary = PG_ARGISNULL(ARG_SECONDARY) ? InvalidOid : PG_GETARG_OID(ARG_SECONDARY);
	display = corm_relationship_display(rel->parent, rel->name);

	corm_catalog_lock();
	check_table(rel->parent, "parent");
	check_table(rel->target, "target");
	if (OidIsValid(rel->secondary))
		check_table(rel->secondary, "secondary");
	check_new_attribute(rel->parent, rel->name, "relationship");

	/* options first: they are cheap and their errors are the clearest */
	rel->lazy = corm_parse_lazy(text_arg(fcinfo, ARG_LAZY));
	rel->cascade = corm_parse_cascade(text_arg(fcinfo, ARG_CASCADE));
	rel->passive_deletes = corm_parse_passive_deletes(text_arg(fcinfo, ARG_PASSIVE_DELETES));
	rel->single_parent = PG_GETARG_BOOL(ARG_SINGLE_PARENT);
	rel->join_depth = PG_ARGISNULL(ARG_JOIN_DEPTH) ? -1 : PG_GETARG_INT32(ARG_JOIN_DEPTH);
	if (!PG_ARGISNULL(ARG_JOIN_DEPTH) && rel->join_depth < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("join_depth must not be negative"),
				 errhint("join_depth is how many levels eager loading recurses on a self-reference; NULL means it does not.")));

	corm_infer_join(rel, name_arg(fcinfo, ARG_FOREIGN_KEY),
					name_arg(fcinfo, ARG_SECONDARY_FOREIGN_KEY),
					local_columns, remote_columns,
					secondary_local_columns, secondary_remote_columns, direction);

	/* uselist defaults from the direction; a scalar one-to-many is one-to-one */
	rel->uselist = PG_ARGISNULL(ARG_USELIST) ? rel->direction != CORM_MANY_TO_ONE
		: PG_GETARG_BOOL(ARG_USELIST);
	if (rel->direction == CORM_ONE_TO_MANY && !rel->uselist)
		rel->direction = CORM_ONE_TO_ONE;

	/* SQLAlchemy's cascade rules (RelationshipProperty._check_cascade_settings) */
	if ((rel->cascade & CORM_CASCADE_DELETE_ORPHAN) && !rel->single_parent &&
		(rel->direction == CORM_MANY_TO_ONE || rel->direction == CORM_MANY_TO_MANY))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("delete-orphan cascade is not supported on %s relationship \"%s\" without single_parent",
						corm_direction_name(rel->direction), display),
				 errhint("Pass single_parent => true, or drop delete-orphan from cascade.")));
	if (rel->passive_deletes == CORM_PASSIVE_ALL &&
		(rel->cascade & (CORM_CASCADE_DELETE | CORM_CASCADE_DELETE_ORPHAN)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("passive_deletes 'all' cannot be combined with delete or delete-orphan cascade on relationship \"%s\"",
						display),
				 errhint("passive_deletes 'all' means corm never touches the children; 'true' leaves deletes to the database's ON DELETE action.")));
	if ((rel->cascade & CORM_CASCADE_DELETE_ORPHAN) && !(rel->cascade & CORM_CASCADE_DELETE))
		ereport(WARNING,
				(errmsg("delete-orphan cascade on relationship \"%s\" is usually combined with delete", display),
				 errhint("SQLAlchemy warns the same way: use cascade => 'all, delete-orphan'.")));

	corm_parse_order_by(rel, text_arg(fcinfo, ARG_ORDER_BY));

	if (back_populates && backref)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("backref and back_populates cannot both be given"),
				 errhint("backref registers the mirror relationship; back_populates names one registered separately.")));
	if (back_populates)
	{
		CormRelationship *existing;

		corm_check_attribute_name(back_populates, "back_populates");
		if (rel->parent == rel->target && strcmp(back_populates, rel->name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relationship \"%s\" cannot back-populate itself", display)));
		existing = corm_catalog_get_relationship(rel->target, back_populates);
		if (existing)
			check_mirror(rel, existing);
		else if (corm_catalog_get_proxy(rel->target, back_populates))
			ereport(ERROR,
					(errcode(ERRCODE_WRONG_OBJECT_TYPE),
					 errmsg("back_populates \"%s\" is an association proxy, not a relationship", back_populates)));
		rel->back_populates = back_populates;
	}
	if (backref)
	{
		if (rel->parent == rel->target && strcmp(backref, rel->name) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("backref \"%s\" has the name of the relationship itself", backref),
					 errhint("On a self-referential relationship the two ends need two names, e.g. children and parent.")));
		check_new_attribute(rel->target, backref, "backref");
		mirror = make_mirror(rel, backref);
		rel->back_populates = backref;
	}

	if ((rel->cascade & CORM_CASCADE_DELETE_ORPHAN) &&
		!has_primary_key(rel->direction == CORM_MANY_TO_ONE ? rel->parent : rel->target))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("delete-orphan on relationship \"%s\" needs a primary key on table \"%s\"",
						display, get_rel_name(rel->direction == CORM_MANY_TO_ONE ? rel->parent : rel->target)),
				 errdetail("corm finds orphans by pairing rows before and after an update by primary key."),
				 errhint("Add a primary key to the table (a partitioned table with foreign partitions: declare one with corm_primary_key()).")));

	corm_catalog_insert_relationship(rel);
	if (mirror)
		corm_catalog_insert_relationship(mirror);
	sync_tables(rel);
	PG_RETURN_VOID();
}

/* corm_association_proxy(parent, name, relationship, attribute) */
Datum
corm_association_proxy(PG_FUNCTION_ARGS)
{
	CormProxy  *proxy = palloc0(sizeof(CormProxy));
	CormRelationship *rel;
	char	   *attribute;

	require_arg(fcinfo, 0, "parent");
	require_arg(fcinfo, 1, "name");
	require_arg(fcinfo, 2, "relationship");
	require_arg(fcinfo, 3, "attribute");
	proxy->parent = PG_GETARG_OID(0);
	proxy->name = text_arg(fcinfo, 1);
	proxy->relationship = text_arg(fcinfo, 2);
	attribute = text_arg(fcinfo, 3);

	corm_catalog_lock();
	check_table(proxy->parent, "parent");
	check_new_attribute(proxy->parent, proxy->name, "association proxy");

	rel = corm_catalog_get_relationship(proxy->parent, proxy->relationship);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("relationship \"%s\" does not exist on table \"%s\"",
						proxy->relationship, get_rel_name(proxy->parent)),
				 errhint("An association proxy goes through a relationship of its own table; register that first.")));

	proxy->target = rel->target;
	proxy->target_attnum = get_attnum(rel->target, attribute);
	if (proxy->target_attnum <= 0)
	{
		proxy->target_attnum = 0;
		if (corm_catalog_get_relationship(rel->target, attribute) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("\"%s\" is neither a column nor a relationship of table \"%s\"",
							attribute, get_rel_name(rel->target)),
					 errhint("The attribute of an association proxy belongs to the target of relationship \"%s\".",
							 proxy->relationship)));
		proxy->target_relationship = attribute;
	}
	corm_catalog_insert_proxy(proxy);
	PG_RETURN_VOID();
}

/* corm_drop_relationship(parent, name, cascade): drop a relationship or proxy */
Datum
corm_drop_relationship(PG_FUNCTION_ARGS)
{
	Oid			parent;
	char	   *name;
	bool		cascade;
	CormRelationship *rel;
	List	   *dependents;
	ListCell   *lc;

	require_arg(fcinfo, 0, "parent");
	require_arg(fcinfo, 1, "name");
	require_arg(fcinfo, 2, "cascade");
	parent = PG_GETARG_OID(0);
	name = text_arg(fcinfo, 1);
	cascade = PG_GETARG_BOOL(2);

	corm_catalog_lock();
	rel = corm_catalog_get_relationship(parent, name);
	if (rel == NULL)
	{
		if (corm_catalog_get_proxy(parent, name) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("relationship \"%s\" does not exist on table \"%s\"",
							name, get_rel_name(parent)),
					 errhint("corm.relationships lists the registered relationships.")));
		check_table(parent, "parent");
		corm_catalog_delete_proxy(parent, name);
		PG_RETURN_VOID();
	}

	/* as for registration: corm's triggers live on all of these */
	check_table(rel->parent, "parent");
	check_table(rel->target, "target");
	if (OidIsValid(rel->secondary))
		check_table(rel->secondary, "secondary");

	dependents = corm_catalog_proxies_using(parent, name);
	if (dependents != NIL && !cascade)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		foreach(lc, dependents)
		{
			CormProxy  *proxy = lfirst(lc);

			appendStringInfo(&buf, "%sassociation proxy %s", buf.len ? "\n" : "",
							 corm_relationship_display(proxy->parent, proxy->name));
		}
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("cannot drop relationship \"%s\" because other objects depend on it",
						corm_relationship_display(parent, name)),
				 errdetail("%s depends on it.", buf.data),
				 errhint("Drop them first, or pass cascade => true to drop them too.")));
	}
	foreach(lc, dependents)
	{
		CormProxy  *proxy = lfirst(lc);

		ereport(NOTICE,
				(errmsg("drop cascades to association proxy %s",
						corm_relationship_display(proxy->parent, proxy->name))));
		corm_catalog_delete_proxy(proxy->parent, proxy->name);
	}
	corm_catalog_delete_relationship(parent, name);
	sync_tables(rel);
	PG_RETURN_VOID();
}

/*
 * corm_primary_key(tab, columns): declare the key of a table that cannot
 * have a primary key — a partitioned table with foreign partitions, where
 * PostgreSQL allows no unique index — so that corm can identify, order and
 * load its rows (SQLAlchemy's mapper primary_key).  corm trusts it: the
 * shards enforce it (docs/scaling.md).  columns NULL removes it.
 */
Datum
corm_primary_key(PG_FUNCTION_ARGS)
{
	Oid			relid;
	List	   *columns;
	AttrNumber	attnums[CORM_MAX_KEYS];
	int			n = 0;
	ListCell   *lc;

	require_arg(fcinfo, 0, "tab");
	relid = PG_GETARG_OID(0);
	columns = columns_arg(fcinfo, 1, "columns");

	corm_catalog_lock();
	check_table(relid, "tab");
	if (columns != NIL && has_primary_key_index(relid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("table \"%s\" has a primary key", get_rel_name(relid)),
				 errdetail("corm uses a table's primary key; a declared key is only for tables that cannot have one."),
				 errhint("Drop the primary key first, or leave it to corm.")));
	if (columns != NIL && !corm_has_foreign_partitions(relid))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("table \"%s\" can have a primary key", get_rel_name(relid)),
				 errdetail("A key is declared only for a partitioned table with foreign partitions, where PostgreSQL allows no unique index."),
				 errhint("Add a primary key: ALTER TABLE %s ADD PRIMARY KEY (...).",
						 corm_qualified_name(relid))));
	if (list_length(columns) > CORM_MAX_KEYS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_COLUMNS),
				 errmsg("a key has at most %d columns", CORM_MAX_KEYS)));
	foreach(lc, columns)
	{
		const char *name = lfirst(lc);
		AttrNumber	attnum = get_attnum(relid, name);
		int			i;

		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of table \"%s\" does not exist", name, get_rel_name(relid))));
		for (i = 0; i < n; i++)
			if (attnums[i] == attnum)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column \"%s\" appears twice in the key", name)));
		if (!corm_column_not_null(relid, attnum))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
					 errmsg("key column \"%s\" of table \"%s\" must be NOT NULL", name, get_rel_name(relid)),
					 errdetail("Key columns identify rows, as a primary key's do."),
					 errhint("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL.",
							 corm_qualified_name(relid), quote_identifier(name))));
		attnums[n++] = attnum;
	}
	corm_catalog_set_primary_key(relid, attnums, n);
	PG_RETURN_VOID();
}
