/*-------------------------------------------------------------------------
 *
 * exec.c
 *	  Running a load: the root statement, then every node below it in
 *	  breadth-first order, each by its strategy; rows stream from the executor
 *	  into a DestReceiver that renders their columns once and files them
 *	  under the parent key they belong to (a hash on the key type's own hash
 *	  and equality functions).
 *
 *	  select    one statement per parent key
 *	  selectin  one statement per batch of at most corm.batch_size (500) parent keys (= ANY)
 *	  subquery  one statement re-running the parent's statement as a subquery
 *	  joined    no statement of its own: LEFT JOINed into the parent's
 *
 *	  Recursive nodes ('*', '*N') fetch level after level, each time for the
 *	  keys of the rows the previous level brought that were not fetched yet,
 *	  so cycles in the data end the loop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/hash.h"
#include "common/hashfn.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "load.h"

/*
 * Keys per selectin statement, and roots per batch of corm_load_rows
 * (corm.batch_size).  Results never depend on it; the tests lower it to
 * cross batch boundaries with a few dozen rows on an assert-enabled build.
 */
int			corm_batch_size = 500;

/* ---------- hashing tuples of Datums ---------- */

typedef struct KeyHashKey
{
	uint32		hash;
	Datum	   *values;
	CormKeySpec *spec;
} KeyHashKey;

typedef struct KeyHashEntry
{
	KeyHashKey	key;			/* must be first */
	int			first;			/* first row of the group, or a flag */
	int			last;
	int			count;
} KeyHashEntry;

void
corm_keyspec_init(CormKeySpec *spec, int n, const Oid *types, const Oid *collations)
{
	int			i;

	spec->n = n;
	spec->hash = palloc(sizeof(FmgrInfo) * Max(n, 1));
	spec->eq = palloc(sizeof(FmgrInfo) * Max(n, 1));
	spec->collations = palloc(sizeof(Oid) * Max(n, 1));
	spec->byval = palloc(sizeof(bool) * Max(n, 1));
	spec->len = palloc(sizeof(int16) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		TypeCacheEntry *tc = lookup_type_cache(types[i],
											   TYPECACHE_HASH_PROC_FINFO | TYPECACHE_EQ_OPR_FINFO);

		if (!OidIsValid(tc->hash_proc_finfo.fn_oid) || !OidIsValid(tc->eq_opr_finfo.fn_oid))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("corm cannot match keys of type %s", format_type_be(types[i])),
					 errhint("Join and primary key columns need a type with hash and equality support.")));
		fmgr_info_copy(&spec->hash[i], &tc->hash_proc_finfo, CurrentMemoryContext);
		fmgr_info_copy(&spec->eq[i], &tc->eq_opr_finfo, CurrentMemoryContext);
		spec->collations[i] = collations[i];
		spec->byval[i] = tc->typbyval;
		spec->len[i] = tc->typlen;
	}
}

static uint32
keyhash_hash(const void *key, Size keysize)
{
	return ((const KeyHashKey *) key)->hash;
}

static int
keyhash_match(const void *key1, const void *key2, Size keysize)
{
	const KeyHashKey *a = key1;
	const KeyHashKey *b = key2;
	int			i;

	if (a->hash != b->hash)
		return 1;
	for (i = 0; i < a->spec->n; i++)
		if (!DatumGetBool(FunctionCall2Coll(&a->spec->eq[i], a->spec->collations[i],
											a->values[i], b->values[i])))
			return 1;
	return 0;
}

HTAB *
corm_keyhash_create(const char *name, CormKeySpec *spec, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(KeyHashKey);
	ctl.entrysize = sizeof(KeyHashEntry);
	ctl.hash = keyhash_hash;
	ctl.match = keyhash_match;
	ctl.hcxt = cxt;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/*
 * Find (or with insert, add) the entry for key; an added entry gets a copy
 * of the key in keycxt.
 */
void *
corm_keyhash_enter(HTAB *hash, CormKeySpec *spec, Datum *key, bool insert, bool *found,
				   MemoryContext keycxt)
{
	KeyHashKey	k;
	KeyHashEntry *entry;
	uint32		h = 0;
	int			i;

	for (i = 0; i < spec->n; i++)
	{
		uint32		hi = DatumGetUInt32(FunctionCall1Coll(&spec->hash[i], spec->collations[i], key[i]));

		h = hash_combine(h, hi);
	}
	k.hash = h;
	k.values = key;
	k.spec = spec;
	entry = hash_search_with_hash_value(hash, &k, h, insert ? HASH_ENTER : HASH_FIND, found);
	if (entry && !*found)
	{
		MemoryContext old = MemoryContextSwitchTo(keycxt);

		entry->key.values = palloc(sizeof(Datum) * Max(spec->n, 1));
		for (i = 0; i < spec->n; i++)
			entry->key.values[i] = datumCopy(key[i], spec->byval[i], spec->len[i]);
		MemoryContextSwitchTo(old);
		entry->first = entry->last = -1;
		entry->count = 0;
	}
	return entry;
}

/*
 * The first row of node's group for parent key key (-1 when none), and in
 * count how many rows the group has.
 */
int
corm_level_group(CormNode *node, Datum *key, int *count)
{
	KeyHashEntry *entry;
	bool		found;

	*count = 0;
	if (node->level.groups == NULL)
		return -1;
	entry = corm_keyhash_enter(node->level.groups, &node->keyspec, key, false, &found, NULL);
	if (!found)
		return -1;
	*count = entry->count;
	return entry->first;
}

/* ---------- the arena rows live in ---------- */

#define ARENA_BLOCK (1024 * 1024)

static void *
arena_alloc(CormLoad *load, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	if (size > load->arena_left)
	{
		Size		block = Max(ARENA_BLOCK, size);

		load->arena = MemoryContextAllocHuge(load->rows_cxt, block);
		load->arena_left = block;
	}
	p = load->arena;
	load->arena += size;
	load->arena_left -= size;
	return p;
}

static Datum
arena_datum(CormLoad *load, Datum value, bool byval, int16 len)
{
	Size		size;
	void	   *copy;

	if (byval)
		return value;
	size = datumGetSize(value, byval, len);
	copy = arena_alloc(load, size);
	memcpy(copy, DatumGetPointer(value), size);
	return PointerGetDatum(copy);
}

/* ---------- receiving rows ---------- */

/* Which nodes a statement's result columns belong to, in order. */
typedef struct Layout
{
	CormNode   *node;
	int			offset;			/* first result column of the node */
	bool		is_base;		/* the statement's own node (not joined) */
} Layout;

typedef struct CormReceiver
{
	DestReceiver pub;
	CormLoad   *load;
	List	   *layout;
	uint64		rows;
	StringInfoData buf;
	Datum		prev[CORM_MAX_KEYS * 3];	/* base node: previous (key, pk) */
	bool		have_prev;
} CormReceiver;

static int
add_layout(List **layout, CormNode *node, int offset, bool is_base)
{
	Layout	   *l = palloc(sizeof(Layout));
	List	   *all;
	ListCell   *lc;

	l->node = node;
	l->offset = offset;
	l->is_base = is_base;
	*layout = lappend(*layout, l);
	offset += (node->agg != CORM_AGG_NONE ? 1 : node->table->ncols) +
		(node->kind == CORM_NODE_ROOT ? 0 : node->nkeys + list_length(node->fused));
	if (node->recursion != 0)
		return offset;
	/* joined descendants, in the order deparse_load.c joins them */
	all = list_concat(list_copy(node->children), node->hidden);
	foreach(lc, all)
	{
		CormNode   *child = lfirst(lc);

		if (child != node && child->kind == CORM_NODE_RELATIONSHIP &&
			child->strategy == CORM_LAZY_JOINED && !node->stream)
			offset = add_layout(layout, child, offset, false);
	}
	return offset;
}

static void
level_add_row(CormLoad *load, CormNode *node, CormRow *row, Datum *jkey)
{
	CormLevel  *level = &node->level;
	int			idx;
	bool		found;
	KeyHashEntry *group;

	if (level->nrows == level->maxrows)
	{
		level->maxrows = Max(64, level->maxrows * 2);
		level->rows = level->rows ? repalloc_huge(level->rows, sizeof(CormRow) * level->maxrows)
			: MemoryContextAllocHuge(load->rows_cxt, sizeof(CormRow) * level->maxrows);
	}
	idx = level->nrows++;
	level->rows[idx] = *row;
	level->rows[idx].next = -1;
	if (node->kind == CORM_NODE_ROOT)
		return;

	if (level->groups == NULL)
		level->groups = corm_keyhash_create("corm groups", &node->keyspec, load->rows_cxt);

	/* rows of one parent arrive together: no hashing while the key stays */
	group = level->last_group;
	if (group != NULL)
	{
		int			i;

		for (i = 0; i < node->keyspec.n && group != NULL; i++)
			if (!datumIsEqual(jkey[i], group->key.values[i], node->keyspec.byval[i],
							  node->keyspec.len[i]))
				group = NULL;
	}
	if (group == NULL)
	{
		group = corm_keyhash_enter(level->groups, &node->keyspec, jkey, true, &found, load->rows_cxt);
		level->last_group = group;
	}
	if (group->last >= 0)
		level->rows[group->last].next = idx;
	else
		group->first = idx;
	group->last = idx;
	group->count++;
}

/*
 * An aggregate's row: its value (JSON text, as to_json rendered it) for one
 * parent key.  Joined, the parent's rows repeat it: taken once per key.
 */
static void
receive_aggregate(CormReceiver *r, Layout *l, Datum *cols, bool *colnulls)
{
	CormNode   *node = l->node;
	Datum	   *jkey = cols + 1;
	CormRow		row;
	text	   *value;
	int			i;

	for (i = 0; i < node->nkeys; i++)
		if (colnulls[1 + i])
			return;
	if (!l->is_base)
	{
		bool		found;

		if (node->level.seen == NULL)
			node->level.seen = corm_keyhash_create("corm seen", &node->seenspec, r->load->rows_cxt);
		corm_keyhash_enter(node->level.seen, &node->seenspec, jkey, true, &found, r->load->rows_cxt);
		if (found)
			return;
	}
	if (colnulls[0])
	{
		row.json = "null";
		row.jsonlen = 4;
	}
	else
	{
		value = DatumGetTextPP(cols[0]);
		row.jsonlen = VARSIZE_ANY_EXHDR(value);
		row.json = arena_alloc(r->load, row.jsonlen);
		memcpy(row.json, VARDATA_ANY(value), row.jsonlen);
	}
	row.vals = NULL;
	level_add_row(r->load, node, &row, jkey);
}

/*
 * The aggregates fused into node's statement, from a row of it (after its
 * columns and join key): each is one value per parent key, filed once.
 */
static void
receive_fused(CormReceiver *r, CormNode *node, Datum *jkey, Datum *vals, bool *nulls)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, node->fused)
	{
		CormNode   *agg = lfirst(lc);
		CormRow		row;
		bool		found;

		if (agg->level.seen == NULL)
			agg->level.seen = corm_keyhash_create("corm seen", &agg->seenspec, r->load->rows_cxt);
		corm_keyhash_enter(agg->level.seen, &agg->seenspec, jkey, true, &found, r->load->rows_cxt);
		if (!found)
		{
			if (nulls[i])
			{
				row.json = "null";
				row.jsonlen = 4;
			}
			else
			{
				text	   *value = DatumGetTextPP(vals[i]);

				row.jsonlen = VARSIZE_ANY_EXHDR(value);
				row.json = arena_alloc(r->load, row.jsonlen);
				memcpy(row.json, VARDATA_ANY(value), row.jsonlen);
			}
			row.vals = NULL;
			level_add_row(r->load, agg, &row, jkey);
		}
		i++;
	}
}

/* Take the columns of one node from a result row. */
static void
receive_node(CormReceiver *r, Layout *l, Datum *values, bool *isnull)
{
	CormNode   *node = l->node;
	CormTable  *t = node->table;
	Datum	   *cols = values + l->offset;
	bool	   *colnulls = isnull + l->offset;
	int			nkeys = node->kind == CORM_NODE_ROOT ? 0 : node->nkeys;
	Datum	   *jkey = cols + t->ncols;
	CormRow		row;
	MemoryContext old;
	int			i;
	bool		first = true;

	if (node->agg != CORM_AGG_NONE)
	{
		receive_aggregate(r, l, cols, colnulls);
		return;
	}

	/* a LEFT JOIN that found nothing */
	if (colnulls[t->pk[0]])
		return;
	for (i = 0; i < nkeys; i++)
		if (colnulls[t->ncols + i])
			return;
	if (node->fused != NIL)
		receive_fused(r, node, jkey, jkey + nkeys, colnulls + t->ncols + nkeys);

	/* joins repeat rows: keep each (parent key, primary key) once */
	if (l->is_base)
	{
		int			n = nkeys + t->npk;
		bool		same = r->have_prev;

		for (i = 0; i < n && same; i++)
		{
			Datum		v = i < nkeys ? jkey[i] : cols[t->pk[i - nkeys]];

			same = datumIsEqual(v, r->prev[i], node->seenspec.byval[i], node->seenspec.len[i]);
		}
		if (same)
			return;
		old = MemoryContextSwitchTo(r->load->rows_cxt);
		for (i = 0; i < n; i++)
		{
			Datum		v = i < nkeys ? jkey[i] : cols[t->pk[i - nkeys]];

			if (r->have_prev && !node->seenspec.byval[i])
				pfree(DatumGetPointer(r->prev[i]));
			r->prev[i] = datumCopy(v, node->seenspec.byval[i], node->seenspec.len[i]);
		}
		MemoryContextSwitchTo(old);
		r->have_prev = true;
	}
	else
	{
		Datum		seen[CORM_MAX_KEYS * 3];
		bool		found;

		for (i = 0; i < nkeys; i++)
			seen[i] = jkey[i];
		for (i = 0; i < t->npk; i++)
			seen[nkeys + i] = cols[t->pk[i]];
		if (node->level.seen == NULL)
			node->level.seen = corm_keyhash_create("corm seen", &node->seenspec, r->load->rows_cxt);
		corm_keyhash_enter(node->level.seen, &node->seenspec, seen, true, &found, r->load->rows_cxt);
		if (found)
			return;
	}

	/* render the columns once, now */
	resetStringInfo(&r->buf);
	appendStringInfoChar(&r->buf, '{');
	for (i = 0; i < t->ncols; i++)
	{
		if (node->show && !node->show[i])
			continue;
		if (!first)
			appendStringInfoChar(&r->buf, ',');
		first = false;
		appendBinaryStringInfo(&r->buf, t->out[i].key, t->out[i].keylen);
		corm_json_append_value(&r->buf, &t->out[i], cols[i], colnulls[i]);
	}

	/* one arena allocation: the JSON, the kept values, their null flags */
	row.jsonlen = r->buf.len;
	row.vals = arena_alloc(r->load, MAXALIGN(sizeof(Datum) * node->nkept + node->nkept) + r->buf.len);
	row.json = (char *) row.vals + MAXALIGN(sizeof(Datum) * node->nkept + node->nkept);
	memcpy(row.json, r->buf.data, r->buf.len);
	for (i = 0; i < t->ncols; i++)
	{
		if (node->keep_pos[i] < 0)
			continue;
		CORM_ROW_NULL(node, &row, i) = colnulls[i];
		CORM_ROW_VAL(node, &row, i) = colnulls[i] ? (Datum) 0
			: arena_datum(r->load, cols[i], t->colbyval[i], t->collen[i]);
	}
	level_add_row(r->load, node, &row, jkey);
}

static bool
receive_slot(TupleTableSlot *slot, DestReceiver *self)
{
	CormReceiver *r = (CormReceiver *) self;
	ListCell   *lc;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	foreach(lc, r->layout)
		receive_node(r, lfirst(lc), slot->tts_values, slot->tts_isnull);
	r->rows++;
	return true;
}

static void
receiver_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
receiver_shutdown(DestReceiver *self)
{
}

static void
receiver_destroy(DestReceiver *self)
{
}

/*
 * Whether the root's statement (and so a subquery re-running it) embeds
 * the caller's where or order_by: such statements are not kept.
 */
static bool
embeds_caller_text(CormLoad *load)
{
	return load->where != NULL || load->order_by != NULL || load->caller_text;
}

/* The root's statement, or a subquery re-running it: kept unless it embeds text. */
static CormPlanUse
root_use(CormLoad *load)
{
	return embeds_caller_text(load) ? CORM_PLAN_ONCE : CORM_PLAN_KEPT;
}

/* A statement whose only parameters are parent keys. */
static CormPlanUse
keyed_use(CormLoad *load)
{
	return load->caller_text ? CORM_PLAN_ONCE : CORM_PLAN_KEPT_GENERIC;
}

static ParamListInfo
make_params(int nargs, Oid *argtypes, Datum *args, bool *argnulls)
{
	ParamListInfo params = makeParamList(nargs);
	int			i;

	for (i = 0; i < nargs; i++)
	{
		params->params[i].value = args[i];
		params->params[i].isnull = argnulls[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = argtypes[i];
	}
	return params;
}

/* A receiver filing the rows of a statement whose own node is node. */
static void
receiver_init(CormReceiver *r, CormLoad *load, CormNode *node)
{
	memset(r, 0, sizeof(*r));
	r->pub.receiveSlot = receive_slot;
	r->pub.rStartup = receiver_startup;
	r->pub.rShutdown = receiver_shutdown;
	r->pub.rDestroy = receiver_destroy;
	r->pub.mydest = DestNone;
	r->load = load;
	add_layout(&r->layout, node, 0, true);
	initStringInfo(&r->buf);
}

/*
 * Run one statement, filing its rows; record it for corm_explain.  use:
 * whether its plan is kept (the statement is made of catalog names only),
 * and how (corm_plan_acquire).
 */
static void
run_statement(CormLoad *load, CormNode *node, const char *strategy, const char *sql,
			  int nargs, Oid *argtypes, Datum *args, bool *argnulls, CormPlanUse use)
{
	CormPlan   *cp;
	CormReceiver r;
	SPIExecuteOptions options;
	ParamListInfo params = make_params(nargs, argtypes, args, argnulls);
	int			ret;

	receiver_init(&r, load, node);

	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = true;
	options.dest = (DestReceiver *) &r;
	cp = corm_plan_acquire(sql, nargs, argtypes, use);
	PG_TRY();
	{
		ret = SPI_execute_plan_extended(cp->plan, &options);
	}
	PG_CATCH();
	{
		/* in use no more; an unkept plan goes with the SPI context */
		cp->refcount--;
		PG_RE_THROW();
	}
	PG_END_TRY();
	corm_plan_release(cp);
	/* rows went to our receiver, so SPI reports no SELECT result of its own */
	if (ret < 0)
		elog(ERROR, "corm statement failed: %s", SPI_result_code_string(ret));

	if (load->record)
	{
		MemoryContext old = MemoryContextSwitchTo(load->cxt);
		CormStep   *step = palloc(sizeof(CormStep));

		step->path = node->kind == CORM_NODE_ROOT ? NULL : pstrdup(node->path);
		step->strategy = strategy;
		step->statement = pstrdup(sql);
		step->rows = r.rows;
		load->steps = lappend(load->steps, step);
		MemoryContextSwitchTo(old);
	}
}

/* ---------- strategies ---------- */

/* Distinct non-NULL keys of rows [from, to) of owner's level, at columns cols. */
static List *
collect_keys(CormNode *node, CormNode *owner, int from, int to, const int *cols,
			 HTAB *fetched, MemoryContext cxt)
{
	HTAB	   *seen = corm_keyhash_create("corm keys", &node->keyspec, CurrentMemoryContext);
	CormLevel  *level = &owner->level;
	List	   *keys = NIL;
	int			i;
	int			k;

	for (i = from; i < to; i++)
	{
		CormRow    *row = &level->rows[i];
		Datum	   *key = palloc(sizeof(Datum) * node->nkeys);
		bool		found;
		bool		null = false;

		for (k = 0; k < node->nkeys; k++)
		{
			null |= CORM_ROW_NULL(owner, row, cols[k]);
			key[k] = CORM_ROW_VAL(owner, row, cols[k]);
		}
		if (null)
			continue;
		corm_keyhash_enter(seen, &node->keyspec, key, true, &found, CurrentMemoryContext);
		if (found)
			continue;
		if (fetched)
		{
			corm_keyhash_enter(fetched, &node->keyspec, key, true, &found, cxt);
			if (found)
				continue;
		}
		keys = lappend(keys, key);
	}
	hash_destroy(seen);
	return keys;
}

/* One statement per key. */
static void
fetch_single(CormLoad *load, CormNode *node, List *keys)
{
	Oid			argtypes[CORM_MAX_KEYS];
	bool		nulls[CORM_MAX_KEYS] = {0};
	int			nargs;
	char	   *sql = corm_sql_keyed(node, true, &nargs, argtypes);
	ListCell   *lc;

	foreach(lc, keys)
	{
		CHECK_FOR_INTERRUPTS();
		run_statement(load, node, "select", sql, nargs, argtypes, lfirst(lc), nulls,
					  keyed_use(load));
	}
}

/* Batches of at most load->batch_size keys, passed as arrays. */
static void
fetch_batches(CormLoad *load, CormNode *node, List *keys, const char *strategy, int batch)
{
	Oid			argtypes[CORM_MAX_KEYS];
	bool		nulls[CORM_MAX_KEYS] = {0};
	Datum		args[CORM_MAX_KEYS];
	int			nargs;
	char	   *sql;
	int			start;

	if (keys == NIL)
		return;
	sql = corm_sql_keyed(node, false, &nargs, argtypes);
	for (start = 0; start < list_length(keys); start += batch)
	{
		int			n = Min(batch, list_length(keys) - start);
		int			k;
		int			i;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < node->nkeys; k++)
		{
			Datum	   *elems = palloc(sizeof(Datum) * n);
			int16		typlen;
			bool		typbyval;
			char		typalign;

			for (i = 0; i < n; i++)
				elems[i] = ((Datum *) list_nth(keys, start + i))[k];
			get_typlenbyvalalign(node->key_types[k], &typlen, &typbyval, &typalign);
			args[k] = PointerGetDatum(construct_array(elems, n, node->key_types[k],
													  typlen, typbyval, typalign));
		}
		run_statement(load, node, strategy, sql, nargs, argtypes, args, nulls, keyed_use(load));
	}
}

static void
root_args(CormLoad *load, Datum *args, bool *nulls)
{
	args[0] = load->limit;
	nulls[0] = load->limit_null;
	args[1] = load->offset;
	nulls[1] = load->offset_null;
	args[2] = load->id;
	nulls[2] = false;
}

/* Whether node's rows came with its parent's statement. */
static bool
came_with_parent(CormNode *node)
{
	return node->kind == CORM_NODE_RELATIONSHIP && node->strategy == CORM_LAZY_JOINED &&
		node->parent->recursion == 0 && !node->parent->stream;
}

/* Load node's rows for all rows of its parent. */
static void
fetch_node(CormLoad *load, CormNode *node)
{
	CormLevel  *plevel = &node->parent->level;
	List	   *keys;

	if (node->recursion != 0)
		node->level.fetched = corm_keyhash_create("corm fetched", &node->keyspec, load->rows_cxt);
	if (came_with_parent(node))
	{
		/* only remember which parent keys were fetched, for recursion */
		if (node->recursion != 0)
			(void) collect_keys(node, node->parent, 0, plevel->nrows, node->parent_key,
								node->level.fetched, load->rows_cxt);
		return;
	}

	keys = collect_keys(node, node->parent, 0, plevel->nrows, node->parent_key,
						node->level.fetched, load->rows_cxt);
	switch (node->strategy)
	{
		case CORM_LAZY_SELECT:
			fetch_single(load, node, keys);
			break;
		case CORM_LAZY_SUBQUERY:
			if (keys != NIL && corm_sql_has_source(node->parent))
			{
				Oid			argtypes[3];
				Datum		args[3];
				bool		nulls[3];
				int			nargs;
				char	   *sql = corm_sql_subquery(load, node, &nargs, argtypes);

				root_args(load, args, nulls);
				run_statement(load, node, "subquery", sql, nargs, argtypes, args, nulls,
							  root_use(load));
			}
			else
				fetch_batches(load, node, keys, "subquery", INT_MAX);
			break;
		default:
			/* selectin; and joined below a recursive node, whose levels come in batches */
			fetch_batches(load, node, keys, "selectin", load->batch_size);
			break;
	}
}

/* Further levels of a recursive node, from its own rows. */
static void
fetch_recursion(CormLoad *load, CormNode *node)
{
	CormLevel  *level = &node->level;
	int			depth = 1;

	while (node->recursion < 0 || depth < node->recursion)
	{
		int			from = level->done_rows;
		List	   *keys;

		CHECK_FOR_INTERRUPTS();
		level->done_rows = level->nrows;
		keys = collect_keys(node, node, from, level->nrows, node->parent_key, level->fetched,
							load->rows_cxt);
		if (keys == NIL)
			break;
		if (node->strategy == CORM_LAZY_SELECT)
			fetch_single(load, node, keys);
		else
			fetch_batches(load, node, keys, "selectin", load->batch_size);
		depth++;
	}
}

static void
execute_below(CormLoad *load, CormNode *node)
{
	List	   *all = list_concat(list_copy(node->children), node->hidden);
	List	   *next = NIL;
	ListCell   *lc;

	foreach(lc, all)
	{
		CormNode   *child = lfirst(lc);

		if (child == node || child->kind != CORM_NODE_RELATIONSHIP ||
			child->strategy == CORM_LAZY_NOLOAD)
			continue;
		if (child->fused_into != NULL)
			continue;			/* its rows come with its host's */
		fetch_node(load, child);
		if (child->recursion != 0)
			fetch_recursion(load, child);
		next = lappend(next, child);
	}
	/* breadth first: a level is complete before anything below it loads */
	foreach(lc, next)
		execute_below(load, lfirst(lc));
}

void
corm_execute(CormLoad *load)
{
	Oid			argtypes[3];
	Datum		args[3];
	bool		nulls[3];
	int			nargs;
	char	   *sql;

	load->caller_text = corm_plan_has_caller_text(load->root);
	sql = corm_sql_root(load, load->root, &nargs, argtypes);
	root_args(load, args, nulls);
	run_statement(load, load->root, "root", sql, nargs, argtypes, args, nulls,
				  root_use(load));
	execute_below(load, load->root);
}

/* ---------- corm_load_rows: roots in batches ---------- */

/* Forget every node's rows, for the next batch of roots. */
static void
reset_levels(CormNode *node)
{
	List	   *all = list_concat(list_copy(node->children), node->hidden);
	ListCell   *lc;

	memset(&node->level, 0, sizeof(CormLevel));
	foreach(lc, all)
	{
		CormNode   *child = lfirst(lc);

		if (child != node && child->kind == CORM_NODE_RELATIONSHIP)
			reset_levels(child);
		else if (child->kind == CORM_NODE_PROXY && child->via)
			reset_levels(child->via);
	}
}

/*
 * The load of corm_load_rows: the root statement runs as a cursor, read
 * load->batch_size roots at a time; each batch's relationships are loaded,
 * each root handed to emit, and all of the batch's rows freed before the
 * next, so memory is bounded by a batch, not by the result.  Every
 * statement runs on the same snapshot (read-only SPI, in a STABLE
 * function), so the batches together are the graph corm_load would return.
 */
void
corm_execute_stream(CormLoad *load, CormEmitRoot emit, void *arg)
{
	CormNode   *root = load->root;
	Oid			argtypes[3];
	Datum		args[3];
	bool		nulls[3];
	int			nargs;
	char	   *sql;
	CormPlan   *cp;
	Portal		portal;
	CormReceiver r;
	MemoryContext old;

	Assert(root->stream);
	load->caller_text = corm_plan_has_caller_text(root);
	sql = corm_sql_root(load, root, &nargs, argtypes);
	root_args(load, args, nulls);
	cp = corm_plan_acquire(sql, nargs, argtypes, root_use(load));
	PG_TRY();
	{
		portal = SPI_cursor_open_with_paramlist(NULL, cp->plan,
												make_params(nargs, argtypes, args, nulls), true);
		for (;;)
		{
			TupleTableSlot *slot;
			uint64		i;
			int			row;

			CHECK_FOR_INTERRUPTS();
			SPI_cursor_fetch(portal, true, load->batch_size);
			if (SPI_processed == 0)
				break;

			old = MemoryContextSwitchTo(load->rows_cxt);
			receiver_init(&r, load, root);
			slot = MakeSingleTupleTableSlot(SPI_tuptable->tupdesc, &TTSOpsHeapTuple);
			for (i = 0; i < SPI_processed; i++)
			{
				ExecStoreHeapTuple(SPI_tuptable->vals[i], slot, false);
				receive_slot(slot, (DestReceiver *) &r);
			}
			ExecDropSingleTupleTableSlot(slot);
			SPI_freetuptable(SPI_tuptable);
			execute_below(load, root);
			MemoryContextSwitchTo(old);

			for (row = 0; row < root->level.nrows; row++)
				emit(load, row, arg);

			reset_levels(root);
			MemoryContextReset(load->rows_cxt);
			load->arena = NULL;
			load->arena_left = 0;
		}
		SPI_cursor_close(portal);
	}
	PG_CATCH();
	{
		cp->refcount--;
		PG_RE_THROW();
	}
	PG_END_TRY();
	corm_plan_release(cp);
}
