/*-------------------------------------------------------------------------
 *
 * automap.c
 *	  corm_automap(): register relationships for the foreign keys of a
 *	  schema, as SQLAlchemy's automap does for its classes.
 *
 * Every foreign key between two tables of the schema becomes a pair of
 * relationships with back_populates: many-to-one on the referring table,
 * one-to-many (one-to-one when the key columns are unique) on the
 * referenced one.  A junction table -- exactly two foreign keys, every
 * column in one of them (automap's _is_many_to_many) -- becomes a
 * many-to-many pair between the two tables it joins instead.  The naming
 * rules are in README, "Automap".
 *
 * The catalogs are read through the system caches and catalog scans, never
 * through SQL, so the caller's search_path cannot redirect anything; the
 * relationships are registered by corm_relationship()'s own C code, with all
 * its checks.  Everything that could make a registration fail for a
 * foreseeable reason (a name taken, a table not owned) is checked first and
 * reported as skipped; any other error aborts the whole call, which then has
 * written nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "corm.h"

PG_FUNCTION_INFO_V1(corm_automap);

/* register.c; called directly, so that nothing is looked up by name */
extern Datum corm_relationship(PG_FUNCTION_ARGS);

#define AUTOMAP_NARGS	20		/* corm_relationship()'s arguments */

/* One foreign key constraint between two tables automap maps. */
typedef struct AmFk
{
	Oid			conoid;
	char	   *conname;
	Oid			conrelid;		/* referring table */
	Oid			confrelid;		/* referenced table */
	int			nkeys;
	AttrNumber	conkey[CORM_MAX_KEYS];
	AttrNumber	confkey[CORM_MAX_KEYS];
} AmFk;

/* A relation of the schema. */
typedef struct AmTable
{
	Oid			relid;
	char	   *relname;
	const char *skip;			/* why corm cannot use it, or NULL */
	List	   *fks;			/* AmFk of its foreign keys to mapped tables */
	int			nfks_all;		/* all its own foreign keys, wherever they point */
} AmTable;

/* One relationship automap wants, and what became of it. */
typedef struct AmSide
{
	CormRelationship rel;		/* parent, target, direction, join columns */
	char	   *name;
	const AmFk *fk;				/* the constraint from the child (or secondary) */
	const AmFk *sfk;			/* many-to-many: secondary -> target */
	bool		uselist;
	CormRelationship *existing; /* a registered relationship that is this one */
	const char *action;
} AmSide;

typedef struct AmState
{
	bool		dry_run;
	List	   *tables;			/* AmTable, by name */
	List	   *registered;		/* CormRelationship in the catalog at the start */
	List	   *planned;		/* AmSide created (or, dry, to be created) */
	ReturnSetInfo *rsinfo;
} AmState;

static int
table_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((AmTable *) lfirst(a))->relname, ((AmTable *) lfirst(b))->relname);
}

static int
fk_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((AmFk *) lfirst(a))->conname, ((AmFk *) lfirst(b))->conname);
}

static AmTable *
find_table(AmState *st, Oid relid)
{
	ListCell   *lc;

	foreach(lc, st->tables)
	{
		AmTable    *t = lfirst(lc);

		if (t->relid == relid)
			return t;
	}
	return NULL;
}

/* Why corm refuses relation relid as a table, or NULL when it takes it. */
static const char *
skip_reason(Form_pg_class form, Oid relid)
{
	switch (form->relkind)
	{
		case RELKIND_VIEW:
			return "skipped: view";
		case RELKIND_MATVIEW:
			return "skipped: materialized view";
		case RELKIND_FOREIGN_TABLE:
			return "skipped: foreign table";
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
			break;
		default:
			return NULL;		/* not reported: indexes, sequences, ... */
	}
	if (form->relpersistence == RELPERSISTENCE_TEMP)
		return "skipped: temporary table";
	if (form->relkind == RELKIND_RELATION &&
		(has_superclass(relid) || find_inheritance_children(relid, NoLock) != NIL))
		return "skipped: inheritance";
	return NULL;
}

/*
 * The relations of schema nsp corm could map or reports as skipped, sorted
 * by name.  Partitions are left out: their partitioned table stands for them.
 */
static List *
schema_tables(Oid nsp)
{
	Relation	pg_class = table_open(RelationRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	ScanKeyInit(&key, Anum_pg_class_relnamespace, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(nsp));
	scan = systable_beginscan(pg_class, InvalidOid, false, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);
		AmTable    *t;

		if (form->relkind != RELKIND_RELATION && form->relkind != RELKIND_PARTITIONED_TABLE &&
			form->relkind != RELKIND_VIEW && form->relkind != RELKIND_MATVIEW &&
			form->relkind != RELKIND_FOREIGN_TABLE)
			continue;
		if (form->relispartition)
			continue;
		t = palloc0(sizeof(AmTable));
		t->relid = form->oid;
		t->relname = pstrdup(NameStr(form->relname));
		t->skip = skip_reason(form, form->oid);
		result = lappend(result, t);
	}
	systable_endscan(scan);
	table_close(pg_class, AccessShareLock);
	list_sort(result, table_cmp);
	return result;
}

/*
 * The foreign keys of t that point at tables automap maps, sorted by name.
 * Clones of a constraint (on partitions, or to the partitions of a
 * referenced partitioned table) are not counted: the original stands for
 * them.
 */
static void
table_fks(AmState *st, AmTable *t)
{
	Relation	rel = table_open(t->relid, AccessShareLock);
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *info = lfirst(lc);
		HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(info->conoid));
		Form_pg_constraint con;
		AmTable    *target;
		AmFk	   *fk;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for constraint %u", info->conoid);
		con = (Form_pg_constraint) GETSTRUCT(tup);
		if (OidIsValid(con->conparentid))
		{
			ReleaseSysCache(tup);
			continue;
		}
		t->nfks_all++;
		target = find_table(st, info->confrelid);
		if (target != NULL && target->skip == NULL)
		{
			fk = palloc0(sizeof(AmFk));
			fk->conoid = info->conoid;
			fk->conname = pstrdup(NameStr(con->conname));
			fk->conrelid = info->conrelid;
			fk->confrelid = info->confrelid;
			fk->nkeys = info->nkeys;
			memcpy(fk->conkey, info->conkey, sizeof(AttrNumber) * info->nkeys);
			memcpy(fk->confkey, info->confkey, sizeof(AttrNumber) * info->nkeys);
			t->fks = lappend(t->fks, fk);
		}
		ReleaseSysCache(tup);
	}
	table_close(rel, AccessShareLock);
	list_sort(t->fks, fk_cmp);
}

static bool
has_attnum(const AttrNumber *attnums, int n, AttrNumber attnum)
{
	int			i;

	for (i = 0; i < n; i++)
		if (attnums[i] == attnum)
			return true;
	return false;
}

/* SQLAlchemy automap's junction rule: two foreign keys, every column in one. */
static bool
is_junction(AmTable *t)
{
	Relation	rel;
	TupleDesc	desc;
	AmFk	   *a;
	AmFk	   *b;
	bool		result = true;
	int			i;

	if (t->nfks_all != 2 || list_length(t->fks) != 2)
		return false;
	a = linitial(t->fks);
	b = lsecond(t->fks);
	rel = table_open(t->relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	for (i = 0; i < desc->natts && result; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		result = has_attnum(a->conkey, a->nkeys, att->attnum) ||
			has_attnum(b->conkey, b->nkeys, att->attnum);
	}
	table_close(rel, AccessShareLock);
	return result;
}

/* Whether the columns are exactly the key of a unique index (the PK included). */
static bool
columns_are_a_key(Oid relid, const AttrNumber *attnums, int n)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		result = false;

	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index index;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", lfirst_oid(lc));
		index = (Form_pg_index) GETSTRUCT(tup);
		if (index->indisunique && index->indisvalid && index->indnkeyatts == n &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
		{
			int			k;

			result = true;
			for (k = 0; k < n && result; k++)
				result = has_attnum(attnums, n, index->indkey.values[k]);
		}
		ReleaseSysCache(tup);
		if (result)
			break;
	}
	list_free(indexes);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * The many-to-one name of fk: its column without "_id" when it is one
 * column ending in "_id", else the referenced table's name.
 */
static char *
scalar_name(const AmFk *fk)
{
	if (fk->nkeys == 1)
	{
		char	   *col = get_attname(fk->conrelid, fk->conkey[0], false);
		size_t		len = strlen(col);

		if (len > 3 && strcmp(col + len - 3, "_id") == 0)
			return pnstrdup(col, len - 3);
	}
	return get_rel_name(fk->confrelid);
}

/*
 * The one-to-many name of fk: the referring table's name, or, when that
 * would not say which key it is (a self-reference, or several foreign keys
 * from the referring table to the referenced one),
 * "<referring table>_by_<many-to-one name>".
 */
static char *
collection_name(AmTable *t, const AmFk *fk)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, t->fks)
		if (((AmFk *) lfirst(lc))->confrelid == fk->confrelid)
			n++;
	if (fk->conrelid == fk->confrelid || n > 1)
		return psprintf("%s_by_%s", t->relname, scalar_name(fk));
	return pstrdup(t->relname);
}

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

/* Whether a registered relationship r is the relationship side s describes. */
static bool
side_matches(const AmSide *s, const CormRelationship *r)
{
	bool		s_scalar_o2m = s->rel.direction == CORM_ONE_TO_MANY;
	bool		r_o2m = r->direction == CORM_ONE_TO_MANY || r->direction == CORM_ONE_TO_ONE;

	if (r->parent != s->rel.parent || r->target != s->rel.target ||
		r->secondary != s->rel.secondary)
		return false;
	if (s_scalar_o2m ? !r_o2m : r->direction != s->rel.direction)
		return false;
	if (!OidIsValid(s->rel.secondary))
		return same_pairs(r->local_attnums, r->remote_attnums, r->nlocal,
						  s->rel.local_attnums, s->rel.remote_attnums, s->rel.nlocal);
	return same_pairs(r->local_attnums, r->secondary_local_attnums, r->nlocal,
					  s->rel.local_attnums, s->rel.secondary_local_attnums, s->rel.nlocal) &&
		same_pairs(r->remote_attnums, r->secondary_remote_attnums, r->nremote,
				   s->rel.remote_attnums, s->rel.secondary_remote_attnums, s->rel.nremote);
}

static CormRelationship *
find_registered(AmState *st, const AmSide *s)
{
	ListCell   *lc;

	foreach(lc, st->registered)
		if (side_matches(s, lfirst(lc)))
			return lfirst(lc);
	return NULL;
}

/* A side of a foreign key pair: many_to_one on the referring table, or its mirror. */
static AmSide *
fk_side(const AmFk *fk, bool many_to_one)
{
	AmSide	   *s = palloc0(sizeof(AmSide));

	s->fk = fk;
	s->rel.parent = many_to_one ? fk->conrelid : fk->confrelid;
	s->rel.target = many_to_one ? fk->confrelid : fk->conrelid;
	s->rel.direction = many_to_one ? CORM_MANY_TO_ONE : CORM_ONE_TO_MANY;
	s->rel.nlocal = s->rel.nremote = fk->nkeys;
	memcpy(s->rel.local_attnums, many_to_one ? fk->conkey : fk->confkey,
		   sizeof(AttrNumber) * fk->nkeys);
	memcpy(s->rel.remote_attnums, many_to_one ? fk->confkey : fk->conkey,
		   sizeof(AttrNumber) * fk->nkeys);
	s->uselist = !many_to_one;
	if (!many_to_one && columns_are_a_key(fk->conrelid, fk->conkey, fk->nkeys))
		s->uselist = false;
	return s;
}

/* A many-to-many side: parent by fk, target by sfk, both from the junction. */
static AmSide *
m2m_side(const AmFk *fk, const AmFk *sfk)
{
	AmSide	   *s = palloc0(sizeof(AmSide));

	s->fk = fk;
	s->sfk = sfk;
	s->rel.parent = fk->confrelid;
	s->rel.target = sfk->confrelid;
	s->rel.secondary = fk->conrelid;
	s->rel.direction = CORM_MANY_TO_MANY;
	s->rel.nlocal = fk->nkeys;
	memcpy(s->rel.local_attnums, fk->confkey, sizeof(AttrNumber) * fk->nkeys);
	memcpy(s->rel.secondary_local_attnums, fk->conkey, sizeof(AttrNumber) * fk->nkeys);
	s->rel.nremote = sfk->nkeys;
	memcpy(s->rel.remote_attnums, sfk->confkey, sizeof(AttrNumber) * sfk->nkeys);
	memcpy(s->rel.secondary_remote_attnums, sfk->conkey, sizeof(AttrNumber) * sfk->nkeys);
	s->uselist = true;
	return s;
}

static bool
owns(Oid relid)
{
#if PG_VERSION_NUM >= 160000
	return object_ownercheck(RelationRelationId, relid, GetUserId());
#else
	return pg_class_ownercheck(relid, GetUserId());
#endif
}

/*
 * Why s cannot be registered under its name, or NULL: the checks of
 * corm_relationship() that a schema's own names can fail, and the names
 * this call has already taken.
 */
static char *
name_problem(AmState *st, const AmSide *s)
{
	Oid			relid = s->rel.parent;
	ListCell   *lc;

	if (!corm_is_identifier_name(s->name))
		return pstrdup("it is not a valid relationship name");
	if (get_attnum(relid, s->name) > 0)
		return psprintf("\"%s\" is a column of table \"%s\"", s->name, get_rel_name(relid));
	foreach(lc, st->registered)
	{
		CormRelationship *r = lfirst(lc);

		if (r->parent == relid && strcmp(r->name, s->name) == 0)
			return psprintf("relationship \"%s\" already exists on table \"%s\"",
							s->name, get_rel_name(relid));
	}
	foreach(lc, st->planned)
	{
		AmSide	   *p = lfirst(lc);

		if (p->rel.parent == relid && strcmp(p->name, s->name) == 0)
			return psprintf("this call already maps another relationship \"%s\" on table \"%s\"",
							s->name, get_rel_name(relid));
	}
	if (corm_catalog_get_proxy(relid, s->name) != NULL)
		return psprintf("association proxy \"%s\" already exists on table \"%s\"",
						s->name, get_rel_name(relid));
	return NULL;
}

static void
set_name_arg(FunctionCallInfo fcinfo, int argno, const char *str)
{
	Name		n = palloc0(NAMEDATALEN);

	namestrcpy(n, str);
	fcinfo->args[argno].value = NameGetDatum(n);
	fcinfo->args[argno].isnull = false;
}

static void
set_text_arg(FunctionCallInfo fcinfo, int argno, const char *str)
{
	fcinfo->args[argno].value = CStringGetTextDatum(str);
	fcinfo->args[argno].isnull = false;
}

/* Register s by corm_relationship()'s C code, with back_populates when given. */
static void
register_side(const AmSide *s, const char *back_populates)
{
	LOCAL_FCINFO(fcinfo, AUTOMAP_NARGS);
	int			i;

	InitFunctionCallInfoData(*fcinfo, NULL, AUTOMAP_NARGS, InvalidOid, NULL, NULL);
	for (i = 0; i < AUTOMAP_NARGS; i++)
	{
		fcinfo->args[i].value = (Datum) 0;
		fcinfo->args[i].isnull = true;
	}
	/* argument numbers as in corm_relationship()'s SQL declaration */
	fcinfo->args[0].value = ObjectIdGetDatum(s->rel.parent);
	fcinfo->args[0].isnull = false;
	set_text_arg(fcinfo, 1, s->name);
	fcinfo->args[2].value = ObjectIdGetDatum(s->rel.target);
	fcinfo->args[2].isnull = false;
	if (back_populates)
		set_text_arg(fcinfo, 3, back_populates);
	if (OidIsValid(s->rel.secondary))
	{
		fcinfo->args[5].value = ObjectIdGetDatum(s->rel.secondary);
		fcinfo->args[5].isnull = false;
		set_name_arg(fcinfo, 7, s->sfk->conname);
	}
	set_name_arg(fcinfo, 6, s->fk->conname);
	if (!OidIsValid(s->rel.secondary))
		set_text_arg(fcinfo, 10, corm_direction_name(s->rel.direction));
	fcinfo->args[11].value = BoolGetDatum(s->uselist);
	fcinfo->args[11].isnull = false;
	set_text_arg(fcinfo, 12, "select");
	set_text_arg(fcinfo, 13, "save-update, merge");
	set_text_arg(fcinfo, 14, "false");
	fcinfo->args[15].value = BoolGetDatum(false);
	fcinfo->args[15].isnull = false;

	corm_relationship(fcinfo);
}

static void
emit(AmState *st, Oid parent, const char *name, Oid target, const char *direction,
	 const char *action)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	values[0] = ObjectIdGetDatum(parent);
	if (name)
		values[1] = CStringGetTextDatum(name);
	else
		nulls[1] = true;
	if (OidIsValid(target))
		values[2] = ObjectIdGetDatum(target);
	else
		nulls[2] = true;
	if (direction)
		values[3] = CStringGetTextDatum(direction);
	else
		nulls[3] = true;
	values[4] = CStringGetTextDatum(action);
	tuplestore_putvalues(st->rsinfo->setResult, st->rsinfo->setDesc, values, nulls);
}

static void
emit_side(AmState *st, const AmSide *s)
{
	CormDirection dir = s->existing ? s->existing->direction : s->rel.direction;

	if (!s->existing && dir == CORM_ONE_TO_MANY && !s->uselist)
		dir = CORM_ONE_TO_ONE;
	emit(st, s->rel.parent, s->existing ? s->existing->name : s->name, s->rel.target,
		 corm_direction_name(dir), s->action);
}

/*
 * Map a pair of sides, a and b, each the mirror of the other: registered
 * sides are reported as they are, the others named (after the
 * back_populates of a registered mirror, when it has one), checked, and
 * registered with back_populates naming their mirror.
 */
static void
map_pair(AmState *st, AmSide *a, AmSide *b, char *a_name, char *b_name)
{
	AmSide	   *sides[2] = {a, b};
	int			i;

	a->existing = find_registered(st, a);
	b->existing = find_registered(st, b);
	a->name = a->existing ? a->existing->name
		: (b->existing && b->existing->back_populates ? b->existing->back_populates : a_name);
	b->name = b->existing ? b->existing->name
		: (a->existing && a->existing->back_populates ? a->existing->back_populates : b_name);

	for (i = 0; i < 2; i++)
	{
		AmSide	   *s = sides[i];
		char	   *problem;

		if (s->existing)
		{
			s->action = "exists";
			continue;
		}
		if (!owns(s->rel.parent) || !owns(s->rel.target) ||
			(OidIsValid(s->rel.secondary) && !owns(s->rel.secondary)))
		{
			ereport(NOTICE,
					(errmsg("corm_automap: skipping relationship \"%s\": not the owner of its tables",
							corm_relationship_display(s->rel.parent, s->name)),
					 errhint("Registering a relationship needs ownership of the tables corm installs triggers on.")));
			s->action = "skipped: not owner";
			continue;
		}
		problem = name_problem(st, s);
		if (problem)
		{
			ereport(NOTICE,
					(errmsg("corm_automap: skipping relationship \"%s\": %s",
							corm_relationship_display(s->rel.parent, s->name), problem),
					 errhint("Register it by hand with corm_relationship() under another name.")));
			s->action = "skipped";
			continue;
		}
		s->action = st->dry_run ? "would create" : "created";
		st->planned = lappend(st->planned, s);
	}

	for (i = 0; i < 2; i++)
	{
		AmSide	   *s = sides[i];
		AmSide	   *m = sides[1 - i];
		bool		mirrored = m->existing != NULL || list_member_ptr(st->planned, m);

		if (!st->dry_run && list_member_ptr(st->planned, s))
			register_side(s, mirrored ? m->name : NULL);
		emit_side(st, s);
	}
}

/*
 * corm_automap(schema regnamespace, dry_run boolean)
 *		RETURNS TABLE (parent regclass, name text, target regclass,
 *					   direction text, action text)
 */
Datum
corm_automap(PG_FUNCTION_ARGS)
{
	AmState		st;
	Oid			nsp;
	ListCell   *lc;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments of corm_automap must not be NULL")));
	nsp = PG_GETARG_OID(0);
	if (!SearchSysCacheExists1(NAMESPACEOID, ObjectIdGetDatum(nsp)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_SCHEMA_NAME),
				 errmsg("schema with OID %u does not exist", nsp),
				 errhint("Pass the schema by name, e.g. corm_automap('public').")));

	memset(&st, 0, sizeof(st));
	st.dry_run = PG_GETARG_BOOL(1);
	InitMaterializedSRF(fcinfo, 0);
	st.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	/* serialize with registrations, so that the names checked stay free */
	if (!st.dry_run)
		corm_catalog_lock();
	st.registered = corm_catalog_all_relationships();
	st.tables = schema_tables(nsp);
	foreach(lc, st.tables)
	{
		AmTable    *t = lfirst(lc);

		if (t->skip == NULL)
			table_fks(&st, t);
	}

	foreach(lc, st.tables)
	{
		AmTable    *t = lfirst(lc);
		ListCell   *lc2;

		if (t->skip)
		{
			emit(&st, t->relid, NULL, InvalidOid, NULL, t->skip);
			continue;
		}
		if (is_junction(t))
		{
			AmFk	   *fa = linitial(t->fks);
			AmFk	   *fb = lsecond(t->fks);
			bool		self = fa->confrelid == fb->confrelid;

			/* each side after the table it reaches, or on a self-reference its key */
			map_pair(&st, m2m_side(fa, fb), m2m_side(fb, fa),
					 self ? scalar_name(fb) : get_rel_name(fb->confrelid),
					 self ? scalar_name(fa) : get_rel_name(fa->confrelid));
			continue;
		}
		foreach(lc2, t->fks)
		{
			AmFk	   *fk = lfirst(lc2);

			map_pair(&st, fk_side(fk, true), fk_side(fk, false),
					 scalar_name(fk), collection_name(t, fk));
		}
	}
	return (Datum) 0;
}
