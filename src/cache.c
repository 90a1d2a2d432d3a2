/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  Per-backend caches of the loader: relationships by parent table, table
 *	  descriptions (columns, output functions, primary key), and prepared
 *	  statements (kept with SPI_keepplan, keyed by their text).
 *
 * Invalidation follows pg_cron's chain: a statement trigger on corm's
 * catalog tables (corm_catalog_changed) sends a relcache invalidation for
 * corm.relationship; every backend's relcache callback, registered in
 * _PG_init, sees it, as it sees DDL on any table the caches describe, and
 * only sets a flag (no catalog access, no errors).  The next load finds the
 * flag and throws everything away before it starts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_index.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "load.h"

PG_FUNCTION_INFO_V1(corm_catalog_changed);

typedef struct RelEntry
{
	Oid			relid;			/* hash key */
	List	   *relationships;	/* CormRelationship *, of this parent */
	List	   *proxies;		/* CormProxy * */
	CormTable  *table;			/* NULL until asked for */
	bool		have_relationships;
} RelEntry;

typedef struct PlanEntry
{
	char		key[NAMEDATALEN];	/* hash of the text; collisions chained below */
	List	   *plans;			/* PlanText *, all with this hash */
} PlanEntry;

typedef struct PlanText
{
	char	   *sql;
	int			nargs;
	Oid		   *argtypes;
	SPIPlanPtr	plan;
} PlanText;

static MemoryContext cache_cxt = NULL;
static HTAB *rel_cache = NULL;
static HTAB *plan_cache = NULL;
static bool cache_stale = false;
static List *all_relationships = NIL;	/* every relationship, for the triggers */
static bool have_all = false;

/* Relations the caches describe: an invalidation of any of them flushes. */
static Oid *watched = NULL;
static int	nwatched = 0;
static int	maxwatched = 0;

static void
relcache_callback(Datum arg, Oid relid)
{
	int			i;

	if (!OidIsValid(relid))
	{
		cache_stale = true;
		return;
	}
	for (i = 0; i < nwatched; i++)
		if (watched[i] == relid)
		{
			cache_stale = true;
			return;
		}
}

void
corm_cache_init(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
}

static void
watch(Oid relid)
{
	int			i;

	for (i = 0; i < nwatched; i++)
		if (watched[i] == relid)
			return;
	if (nwatched == maxwatched)
	{
		maxwatched = Max(16, maxwatched * 2);
		watched = watched ? repalloc(watched, sizeof(Oid) * maxwatched)
			: MemoryContextAlloc(cache_cxt, sizeof(Oid) * maxwatched);
	}
	watched[nwatched++] = relid;
}

/* Drop everything (if stale) and make sure the caches exist. */
void
corm_cache_check(void)
{
	HASHCTL		ctl;

	if (cache_stale && cache_cxt != NULL)
	{
		HASH_SEQ_STATUS status;
		PlanEntry  *entry;

		hash_seq_init(&status, plan_cache);
		while ((entry = hash_seq_search(&status)) != NULL)
		{
			ListCell   *lc;

			foreach(lc, entry->plans)
				SPI_freeplan(((PlanText *) lfirst(lc))->plan);
		}
		MemoryContextDelete(cache_cxt);
		cache_cxt = NULL;
		all_relationships = NIL;
		have_all = false;
		watched = NULL;
		nwatched = maxwatched = 0;
	}
	cache_stale = false;
	if (cache_cxt != NULL)
		return;

	cache_cxt = AllocSetContextCreate(CacheMemoryContext, "corm cache", ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(RelEntry);
	ctl.hcxt = cache_cxt;
	rel_cache = hash_create("corm relationships", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(PlanEntry);
	ctl.hcxt = cache_cxt;
	plan_cache = hash_create("corm plans", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	watch(corm_catalog_relid("relationship", false));
	watch(corm_catalog_relid("association_proxy", false));
}

static RelEntry *
rel_entry(Oid relid)
{
	bool		found;
	RelEntry   *entry = hash_search(rel_cache, &relid, HASH_ENTER, &found);

	if (!found)
	{
		entry->relationships = NIL;
		entry->proxies = NIL;
		entry->table = NULL;
		entry->have_relationships = false;
		watch(relid);
	}
	return entry;
}

/*
 * Read the whole catalog once: every parent's relationships and proxies, and
 * the list of all relationships the triggers use.  Entries that exist are
 * marked read too (those of tables without relationships stay empty).
 */
static void
read_catalog(void)
{
	List	   *rels = corm_catalog_all_relationships();
	List	   *proxies = corm_catalog_all_proxies();
	MemoryContext old = MemoryContextSwitchTo(cache_cxt);
	HASH_SEQ_STATUS status;
	RelEntry   *e;
	ListCell   *lc;

	hash_seq_init(&status, rel_cache);
	while ((e = hash_seq_search(&status)) != NULL)
	{
		e->relationships = NIL;
		e->proxies = NIL;
	}
	all_relationships = NIL;
	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);
		CormRelationship *copy = palloc(sizeof(CormRelationship));

		memcpy(copy, rel, sizeof(CormRelationship));
		copy->name = pstrdup(rel->name);
		copy->back_populates = rel->back_populates ? pstrdup(rel->back_populates) : NULL;
		all_relationships = lappend(all_relationships, copy);
		e = rel_entry(rel->parent);
		e->relationships = lappend(e->relationships, copy);
		watch(rel->target);
		if (OidIsValid(rel->secondary))
			watch(rel->secondary);
	}
	foreach(lc, proxies)
	{
		CormProxy  *proxy = lfirst(lc);
		CormProxy  *copy = palloc(sizeof(CormProxy));

		memcpy(copy, proxy, sizeof(CormProxy));
		copy->name = pstrdup(proxy->name);
		copy->relationship = pstrdup(proxy->relationship);
		copy->target_relationship = proxy->target_relationship
			? pstrdup(proxy->target_relationship) : NULL;
		e = rel_entry(proxy->parent);
		e->proxies = lappend(e->proxies, copy);
	}
	MemoryContextSwitchTo(old);

	hash_seq_init(&status, rel_cache);
	while ((e = hash_seq_search(&status)) != NULL)
		e->have_relationships = true;
	have_all = true;
}

/* The relationships whose parent is relid (cached; do not modify). */
List *
corm_cached_relationships(Oid parent)
{
	RelEntry   *entry = rel_entry(parent);

	if (!entry->have_relationships)
		read_catalog();
	return entry->relationships;
}

/* Relationship parent.name, or NULL (cached; do not modify). */
CormRelationship *
corm_cached_relationship(Oid parent, const char *name)
{
	ListCell   *lc;

	foreach(lc, corm_cached_relationships(parent))
	{
		CormRelationship *rel = lfirst(lc);

		if (strcmp(rel->name, name) == 0)
			return rel;
	}
	return NULL;
}

/* Every relationship (cached; do not modify). */
List *
corm_cached_all_relationships(void)
{
	if (!have_all)
		read_catalog();
	return all_relationships;
}

List *
corm_cached_proxies(Oid parent)
{
	RelEntry   *entry = rel_entry(parent);

	if (!entry->have_relationships)
		read_catalog();
	return entry->proxies;
}

/* Describe a table for loading: columns, their rendering, primary key. */
CormTable *
corm_cached_table(Oid relid)
{
	RelEntry   *entry = rel_entry(relid);
	MemoryContext old;
	Relation	rel;
	TupleDesc	desc;
	CormTable  *t;
	Oid			pkoid;
	int			i;

	if (entry->table)
		return entry->table;

	old = MemoryContextSwitchTo(cache_cxt);
	rel = table_open(relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	t = palloc0(sizeof(CormTable));
	t->relid = relid;
	t->relname = pstrdup(quote_identifier(RelationGetRelationName(rel)));
	t->sqlname = pstrdup(quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
													RelationGetRelationName(rel)));
	t->attnums = palloc(sizeof(AttrNumber) * desc->natts);
	t->colnames = palloc(sizeof(char *) * desc->natts);
	t->coltypes = palloc(sizeof(Oid) * desc->natts);
	t->colcollations = palloc(sizeof(Oid) * desc->natts);
	t->colbyval = palloc(sizeof(bool) * desc->natts);
	t->collen = palloc(sizeof(int16) * desc->natts);
	t->out = palloc(sizeof(CormColumnOut) * desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		t->attnums[t->ncols] = att->attnum;
		t->colnames[t->ncols] = pstrdup(quote_identifier(NameStr(att->attname)));
		t->coltypes[t->ncols] = att->atttypid;
		t->colcollations[t->ncols] = att->attcollation;
		t->colbyval[t->ncols] = att->attbyval;
		t->collen[t->ncols] = att->attlen;
		corm_json_column_init(&t->out[t->ncols], NameStr(att->attname), att->atttypid);
		t->ncols++;
	}

	pkoid = RelationGetPrimaryKeyIndex(rel);
	if (OidIsValid(pkoid))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkoid));
		Form_pg_index index = (Form_pg_index) GETSTRUCT(tup);

		t->npk = index->indnkeyatts;
		t->pk = palloc(sizeof(int) * t->npk);
		for (i = 0; i < t->npk; i++)
		{
			int			c;

			for (c = 0; c < t->ncols; c++)
				if (t->attnums[c] == index->indkey.values[i])
					t->pk[i] = c;
		}
		ReleaseSysCache(tup);
	}
	table_close(rel, AccessShareLock);
	MemoryContextSwitchTo(old);
	entry->table = t;
	return t;
}

/* A prepared statement for sql, prepared once per backend. */
SPIPlanPtr
corm_cached_plan(const char *sql, int nargs, Oid *argtypes)
{
	char		key[NAMEDATALEN];
	PlanEntry  *entry;
	PlanText   *pt;
	MemoryContext old;
	ListCell   *lc;
	bool		found;
	SPIPlanPtr	plan;

	/* the text can be long: key by its hash, compare texts on a hit */
	memset(key, 0, sizeof(key));
	snprintf(key, sizeof(key), "%08x:%zu", hash_bytes((const unsigned char *) sql, strlen(sql)),
			 strlen(sql));
	entry = hash_search(plan_cache, key, HASH_ENTER, &found);
	if (!found)
		entry->plans = NIL;
	foreach(lc, entry->plans)
	{
		pt = lfirst(lc);
		if (pt->nargs == nargs && strcmp(pt->sql, sql) == 0 &&
			memcmp(pt->argtypes, argtypes, sizeof(Oid) * nargs) == 0)
			return pt->plan;
	}

	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for corm statement: %s", SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	old = MemoryContextSwitchTo(cache_cxt);
	pt = palloc(sizeof(PlanText));
	pt->sql = pstrdup(sql);
	pt->nargs = nargs;
	pt->argtypes = palloc(sizeof(Oid) * Max(nargs, 1));
	memcpy(pt->argtypes, argtypes, sizeof(Oid) * nargs);
	pt->plan = plan;
	entry->plans = lappend(entry->plans, pt);
	MemoryContextSwitchTo(old);
	return plan;
}

/*
 * Statement trigger on corm's catalog tables: tell every backend (this one
 * included, at the next command) that cached relationships are stale.
 */
Datum
corm_catalog_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "corm_catalog_changed: not called by trigger manager");
	CacheInvalidateRelcacheByRelid(corm_catalog_relid("relationship", false));
	return PointerGetDatum(NULL);
}
