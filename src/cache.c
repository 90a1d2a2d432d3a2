/*-------------------------------------------------------------------------
 *
 * cache.c
 *	  Per-backend caches of the loader and the triggers: relationships by
 *	  parent table, table descriptions (columns, output functions, primary
 *	  key), and prepared statements (kept with SPI_keepplan).
 *
 * The caches come in generations.  A call (a load, a trigger, a save)
 * pins the generation that is current when it begins and reads only that
 * one until it ends, whatever happens meanwhile: so nothing it holds can
 * be freed under it, by an invalidation or by a nested call.
 *
 * Invalidation follows pg_cron's chain: a statement trigger on corm's
 * catalog tables (corm_catalog_changed) sends a relcache invalidation for
 * corm.relationship; every backend's relcache callback, registered in
 * _PG_init, sees it, as it sees DDL on any table the current generation
 * describes, and renames of schemas and types (syscache callbacks: corm's
 * statements spell them by name).  A callback only marks the generation
 * invalid (no catalog access, no errors).  The next call to begin starts a
 * new generation; an invalid one is freed at the beginning of a later call
 * once no call pins it.
 *
 * Kept statements are made of catalog names only — never a caller's
 * where or order_by — keyed by their text (a function of the node's
 * relationship, strategy and shape, within a generation), at most
 * corm.plan_cache_size of them, the least recently used going first, but
 * never one that a call is running.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "common/hashfn.h"
#include "lib/ilist.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "load.h"

PG_FUNCTION_INFO_V1(corm_catalog_changed);

/* corm.plan_cache_size: prepared statements kept per backend */
int			corm_plan_cache_size = 256;

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
	List	   *plans;			/* CormPlan *, all with this hash */
} PlanEntry;

/*
 * One generation of the caches: what calls that began while it was current
 * read.  An invalidation only marks it invalid; the next call to begin
 * makes a new one, and an invalid generation is freed once no call pins it
 * any more — at the beginning of a later call, never inside a callback or
 * under a call that still uses it.
 */
typedef struct CacheGeneration
{
	MemoryContext cxt;
	HTAB	   *rels;			/* RelEntry by relid */
	HTAB	   *plans;			/* PlanEntry by hash of the text */
	dlist_head	lru;			/* CormPlan, most recently used first */
	int			nplans;
	List	   *all_relationships;	/* every relationship, for the triggers */
	bool		have_all;
	Oid		   *watched;		/* relations it describes */
	int			nwatched;
	int			maxwatched;
	int			pins;			/* calls using it */
	bool		valid;
} CacheGeneration;

/* A call's hold on a generation (see corm_cache_pin). */
struct CormCachePin
{
	CacheGeneration *gen;
	bool		released;
	MemoryContextCallback callback;
};

static CacheGeneration *current = NULL;	/* for calls that begin now */
static List *retired = NIL;		/* invalid, still pinned */
static List *pins = NIL;		/* CormCachePin *, innermost call last */

/* The generation of the innermost call: what corm_cached_*() read. */
static CacheGeneration *
active(void)
{
	if (pins == NIL)
		elog(ERROR, "corm cache used outside a call");
	return ((CormCachePin *) llast(pins))->gen;
}

static void
relcache_callback(Datum arg, Oid relid)
{
	int			i;

	if (current == NULL || !current->valid)
		return;
	if (!OidIsValid(relid))
	{
		current->valid = false;
		return;
	}
	for (i = 0; i < current->nwatched; i++)
		if (current->watched[i] == relid)
		{
			current->valid = false;
			return;
		}
}

/*
 * Schemas and types are spelt by name in corm's statements: a rename (or a
 * schema dropped and made again under the same name) must not leave a
 * statement naming another object.
 */
static void
syscache_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	if (current != NULL)
		current->valid = false;
}

void
corm_cache_init(void)
{
	CacheRegisterRelcacheCallback(relcache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, syscache_callback, (Datum) 0);
	CacheRegisterSyscacheCallback(TYPEOID, syscache_callback, (Datum) 0);
}

static void
watch(CacheGeneration *gen, Oid relid)
{
	int			i;

	for (i = 0; i < gen->nwatched; i++)
		if (gen->watched[i] == relid)
			return;
	if (gen->nwatched == gen->maxwatched)
	{
		gen->maxwatched = Max(16, gen->maxwatched * 2);
		gen->watched = gen->watched ? repalloc(gen->watched, sizeof(Oid) * gen->maxwatched)
			: MemoryContextAlloc(gen->cxt, sizeof(Oid) * gen->maxwatched);
	}
	gen->watched[gen->nwatched++] = relid;
}

static void
free_generation(CacheGeneration *gen)
{
	dlist_iter	iter;

	dlist_foreach(iter, &gen->lru)
		SPI_freeplan(dlist_container(CormPlan, lru, iter.cur)->plan);
	MemoryContextDelete(gen->cxt);
}

static CacheGeneration *
new_generation(void)
{
	MemoryContext cxt = AllocSetContextCreate(CacheMemoryContext, "corm cache",
											  ALLOCSET_DEFAULT_SIZES);
	CacheGeneration *gen = MemoryContextAllocZero(cxt, sizeof(CacheGeneration));
	HASHCTL		ctl;

	gen->cxt = cxt;
	gen->valid = true;
	dlist_init(&gen->lru);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(RelEntry);
	ctl.hcxt = cxt;
	gen->rels = hash_create("corm relationships", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN;
	ctl.entrysize = sizeof(PlanEntry);
	ctl.hcxt = cxt;
	gen->plans = hash_create("corm plans", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	/* the catalog's own tables first: registration invalidates through them */
	watch(gen, corm_catalog_relid("relationship", false));
	watch(gen, corm_catalog_relid("association_proxy", false));
	return gen;
}

/* The call is over: it no longer uses its generation. */
void
corm_cache_unpin(CormCachePin *pin)
{
	if (pin->released)
		return;
	pins = list_delete_ptr(pins, pin);
	pin->gen->pins--;
	pin->released = true;
}

/* The call's memory goes (it failed, or returned without unpinning). */
static void
unpin_callback(void *arg)
{
	corm_cache_unpin((CormCachePin *) arg);
}

/*
 * Begin a call that reads the caches: until corm_cache_unpin() (or the
 * reset or deletion of call_cxt, when the call fails), corm_cached_*()
 * read one generation, whatever invalidations arrive or nested calls do
 * meanwhile.  A call that finds the current generation invalid starts a
 * new one; it frees the old ones that no call holds any more.
 */
CormCachePin *
corm_cache_pin(MemoryContext call_cxt)
{
	CormCachePin *pin;
	MemoryContext old;
	ListCell   *lc;

	AcceptInvalidationMessages();
	foreach(lc, retired)
	{
		CacheGeneration *gen = lfirst(lc);

		if (gen->pins == 0)
		{
			retired = foreach_delete_current(retired, lc);
			free_generation(gen);
		}
	}
	if (current != NULL && !current->valid)
	{
		if (current->pins == 0)
			free_generation(current);
		else
		{
			old = MemoryContextSwitchTo(TopMemoryContext);
			retired = lappend(retired, current);
			MemoryContextSwitchTo(old);
		}
		current = NULL;
	}
	if (current == NULL)
		current = new_generation();

	/* in call_cxt: it must outlive the callback, which runs as call_cxt goes */
	pin = MemoryContextAllocZero(call_cxt, sizeof(CormCachePin));
	pin->gen = current;
	pin->callback.func = unpin_callback;
	pin->callback.arg = pin;
	MemoryContextRegisterResetCallback(call_cxt, &pin->callback);
	old = MemoryContextSwitchTo(TopMemoryContext);
	pins = lappend(pins, pin);
	MemoryContextSwitchTo(old);
	current->pins++;
	return pin;
}

static RelEntry *
rel_entry(Oid relid)
{
	CacheGeneration *gen = active();
	bool		found;
	RelEntry   *entry = hash_search(gen->rels, &relid, HASH_ENTER, &found);

	if (!found)
	{
		entry->relationships = NIL;
		entry->proxies = NIL;
		entry->table = NULL;
		/* once the catalog is read, a table not in it has no relationships */
		entry->have_relationships = gen->have_all;
		watch(gen, relid);
	}
	return entry;
}

/*
 * Read the whole catalog, once per generation: every parent's relationships
 * and proxies, and the list of all relationships the triggers use.  Once
 * only, so that every CormRelationship of a generation is one object: the
 * planner compares them by address.
 */
static void
read_catalog(CacheGeneration *gen)
{
	List	   *rels = corm_catalog_all_relationships();
	List	   *proxies = corm_catalog_all_proxies();
	MemoryContext old = MemoryContextSwitchTo(gen->cxt);
	HASH_SEQ_STATUS status;
	RelEntry   *e;
	ListCell   *lc;

	Assert(!gen->have_all);
	foreach(lc, rels)
	{
		CormRelationship *rel = lfirst(lc);
		CormRelationship *copy = palloc(sizeof(CormRelationship));

		memcpy(copy, rel, sizeof(CormRelationship));
		copy->name = pstrdup(rel->name);
		copy->back_populates = rel->back_populates ? pstrdup(rel->back_populates) : NULL;
		gen->all_relationships = lappend(gen->all_relationships, copy);
		e = rel_entry(rel->parent);
		e->relationships = lappend(e->relationships, copy);
		watch(gen, rel->target);
		if (OidIsValid(rel->secondary))
			watch(gen, rel->secondary);
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

	hash_seq_init(&status, gen->rels);
	while ((e = hash_seq_search(&status)) != NULL)
		e->have_relationships = true;
	gen->have_all = true;
}

/* The entry of relid, its relationships read. */
static RelEntry *
rel_entry_read(Oid relid)
{
	RelEntry   *entry = rel_entry(relid);

	if (!entry->have_relationships)
	{
		read_catalog(active());
		entry = rel_entry(relid);
	}
	return entry;
}

/* The relationships whose parent is relid (cached; do not modify). */
List *
corm_cached_relationships(Oid parent)
{
	return rel_entry_read(parent)->relationships;
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
	CacheGeneration *gen = active();

	if (!gen->have_all)
		read_catalog(gen);
	return gen->all_relationships;
}

List *
corm_cached_proxies(Oid parent)
{
	return rel_entry_read(parent)->proxies;
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

	old = MemoryContextSwitchTo(active()->cxt);
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

	t->foreign_parts = corm_has_foreign_partitions(relid);
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
	else
	{
		/* a table that cannot have a primary key may have a declared one */
		AttrNumber	key[CORM_MAX_KEYS];

		t->npk = corm_catalog_get_primary_key(relid, key);
		t->pk_declared = t->npk > 0;
		t->pk = palloc(sizeof(int) * Max(t->npk, 1));
		for (i = 0; i < t->npk; i++)
		{
			int			c;

			for (c = 0; c < t->ncols; c++)
				if (t->attnums[c] == key[i])
					t->pk[i] = c;
		}
	}
	table_close(rel, AccessShareLock);
	MemoryContextSwitchTo(old);
	entry->table = t;
	return t;
}

/*
 * Free the least recently used kept statements beyond corm.plan_cache_size,
 * skipping those in use (an outer call may be running one).
 */
static void
evict_plans(CacheGeneration *gen)
{
	dlist_node *node;
	dlist_node *prev;

	if (dlist_is_empty(&gen->lru))
		return;
	for (node = dlist_tail_node(&gen->lru); gen->nplans > corm_plan_cache_size; node = prev)
	{
		CormPlan   *cp = dlist_container(CormPlan, lru, node);
		PlanEntry  *entry;

		prev = dlist_has_prev(&gen->lru, node) ? dlist_prev_node(&gen->lru, node) : NULL;
		if (cp->refcount > 0)
		{
			if (prev == NULL)
				break;
			continue;
		}
		dlist_delete(&cp->lru);
		entry = hash_search(gen->plans, cp->key, HASH_FIND, NULL);
		entry->plans = list_delete_ptr(entry->plans, cp);
		if (entry->plans == NIL)
			hash_search(gen->plans, cp->key, HASH_REMOVE, NULL);
		SPI_freeplan(cp->plan);
		pfree(cp->sql);
		pfree(cp->argtypes);
		pfree(cp);
		gen->nplans--;
		if (prev == NULL)
			break;
	}
}

/*
 * Always run plan with its generic plan (CORM_PLAN_KEPT_GENERIC), unless it
 * reads a partitioned table: there only a custom plan prunes partitions
 * while planning, and a generic one plans (and, in PostgreSQL 15, locks at
 * each execution) every partition, foreign ones included.
 */
static void
use_generic_plan(SPIPlanPtr plan)
{
	List	   *sources = SPI_plan_get_plan_sources(plan);
	ListCell   *lc;
	ListCell   *rc;

	foreach(lc, sources)
	{
		CachedPlanSource *source = lfirst(lc);

		foreach(rc, source->relationOids)
			if (get_rel_relkind(lfirst_oid(rc)) == RELKIND_PARTITIONED_TABLE)
				return;
	}
	foreach(lc, sources)
		((CachedPlanSource *) lfirst(lc))->cursor_options |= CURSOR_OPT_GENERIC_PLAN;
}

/*
 * A prepared statement for sql, kept in the active generation and marked in
 * use until corm_plan_release(): the least recently used of those not in
 * use go when more than corm.plan_cache_size are kept.  Only statements
 * made of catalog names are kept; one that embeds a caller's text
 * (CORM_PLAN_ONCE) is prepared for this use only and freed on release, so
 * that distinct where clauses cannot fill the backend.
 *
 * CORM_PLAN_KEPT_GENERIC: the statement's only parameters are parent keys
 * (one, or arrays of a batch).  The plan cache would compare each custom
 * plan's cost with the generic one's, and a custom plan for a one-key
 * array always looks cheaper than a generic plan that assumes a longer
 * array: every call would be planned again (a tenth of a corm_get's
 * time).  The generic plan of such a statement is an index probe per key,
 * the plan a custom one picks as well for the batches corm sends (but see
 * use_generic_plan).  plan_cache_mode, when set to force a kind of plan,
 * still wins (PostgreSQL checks it first).
 */
CormPlan *
corm_plan_acquire(const char *sql, int nargs, Oid *argtypes, CormPlanUse use)
{
	bool		keep = use != CORM_PLAN_ONCE;
	CacheGeneration *gen = active();
	char		key[NAMEDATALEN];
	PlanEntry  *entry = NULL;
	CormPlan   *cp;
	MemoryContext old;
	ListCell   *lc;
	bool		found;
	SPIPlanPtr	plan;

	if (keep)
	{
		/* the text can be long: key by its hash, compare texts on a hit */
		memset(key, 0, sizeof(key));
		snprintf(key, sizeof(key), "%08x:%zu",
				 hash_bytes((const unsigned char *) sql, strlen(sql)), strlen(sql));
		entry = hash_search(gen->plans, key, HASH_ENTER, &found);
		if (!found)
			entry->plans = NIL;
		foreach(lc, entry->plans)
		{
			cp = lfirst(lc);
			if (cp->nargs == nargs && cp->use == use && strcmp(cp->sql, sql) == 0 &&
				memcmp(cp->argtypes, argtypes, sizeof(Oid) * nargs) == 0)
			{
				dlist_move_head(&gen->lru, &cp->lru);
				cp->refcount++;
				return cp;
			}
		}
	}

	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for corm statement: %s", SPI_result_code_string(SPI_result));
	if (use == CORM_PLAN_KEPT_GENERIC)
		use_generic_plan(plan);
	old = MemoryContextSwitchTo(keep ? gen->cxt : CurrentMemoryContext);
	cp = palloc0(sizeof(CormPlan));
	cp->plan = plan;
	cp->refcount = 1;
	cp->kept = keep;
	cp->use = use;
	if (keep)
	{
		SPI_keepplan(plan);
		cp->sql = pstrdup(sql);
		cp->nargs = nargs;
		cp->argtypes = palloc(sizeof(Oid) * Max(nargs, 1));
		memcpy(cp->argtypes, argtypes, sizeof(Oid) * nargs);
		memcpy(cp->key, key, NAMEDATALEN);
		entry->plans = lappend(entry->plans, cp);
		dlist_push_head(&gen->lru, &cp->lru);
		gen->nplans++;
	}
	MemoryContextSwitchTo(old);
	if (keep)
		evict_plans(gen);
	return cp;
}

/* The statement is no longer in use (also after an ERROR in it). */
void
corm_plan_release(CormPlan *cp)
{
	cp->refcount--;
	if (!cp->kept)
	{
		SPI_freeplan(cp->plan);
		pfree(cp);
	}
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
