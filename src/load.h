/*-------------------------------------------------------------------------
 *
 * load.h
 *	  Types shared by the loader: plan.c builds a tree of CormNodes, deparse_load.c
 *	  writes their statements, exec.c runs them and fills each node's
 *	  CormLevel, render.c writes the JSON.
 *
 * Every strategy fills the same structure (a node's rows, grouped by the
 * parent key they belong to) and one renderer reads it, so all strategies
 * return the same JSON by construction; they differ only in the statements
 * that bring the rows in.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_LOAD_H
#define CORM_LOAD_H

#include "postgres.h"

#include "executor/spi.h"
#include "lib/ilist.h"
#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/hsearch.h"

#include "corm.h"
#include "json_out.h"
#include "spec.h"

/* A table as the loader sees it; cached per backend (cache.c). */
typedef struct CormTable
{
	Oid			relid;
	char	   *sqlname;		/* quoted, qualified */
	char	   *relname;		/* quoted, for the root's alias */
	int			ncols;			/* live columns, in attnum order */
	AttrNumber *attnums;
	char	  **colnames;		/* quoted */
	Oid		   *coltypes;
	Oid		   *colcollations;
	bool	   *colbyval;
	int16	   *collen;
	CormColumnOut *out;
	int			npk;
	int		   *pk;				/* column indexes of the primary key */
	bool		pk_declared;	/* the key is corm_primary_key()'s: no unique
								 * index enforces it here (docs/scaling.md) */
	bool		foreign_parts;	/* a partitioned table with foreign partitions */
} CormTable;

/* Hashing a tuple of Datums with each type's own hash and equality. */
typedef struct CormKeySpec
{
	int			n;
	FmgrInfo   *hash;
	FmgrInfo   *eq;
	Oid		   *collations;
	bool	   *byval;
	int16	   *len;
} CormKeySpec;

/*
 * One loaded row: its columns rendered once, and the values of the columns
 * keys are read from (the node's kept columns).  Both live in the load's
 * arena; a row costs its JSON plus a few words.
 */
typedef struct CormRow
{
	char	   *json;			/* '{' and the columns, without the closing brace */
	Datum	   *vals;			/* nkept values, then nkept null flags */
	int32		jsonlen;
	int32		next;			/* next row of the same group, or -1 */
} CormRow;

/* A kept column's value and null flag in a row of node. */
#define CORM_ROW_VAL(node, row, col) ((row)->vals[(node)->keep_pos[col]])
#define CORM_ROW_NULL(node, row, col) \
	(((bool *) ((row)->vals + (node)->nkept))[(node)->keep_pos[col]])

/* The rows of one node, grouped by parent key. */
typedef struct CormLevel
{
	CormRow    *rows;
	int			nrows;
	int			maxrows;
	HTAB	   *groups;			/* parent key -> first and last row */
	HTAB	   *seen;			/* joined: (parent key, primary key) already taken */
	int			done_rows;		/* recursion: rows whose children were fetched */
	HTAB	   *fetched;		/* recursion: parent keys already fetched */
	void	   *last_group;		/* the group the last row went to */
} CormLevel;

typedef enum CormNodeKind
{
	CORM_NODE_ROOT,
	CORM_NODE_RELATIONSHIP,
	CORM_NODE_PROXY
} CormNodeKind;

typedef struct CormNode
{
	CormNodeKind kind;
	char	   *key;			/* JSON key; NULL for a node loaded for a proxy */
	char	   *path;			/* for corm_explain */
	struct CormNode *parent;
	CormRelationship *rel;		/* RELATIONSHIP */
	CormTable  *table;			/* the rows this node loads */
	CormLazy	strategy;
	int			recursion;		/* 0; -1 for '*'; N for '*N' */
	bool		stream;			/* ROOT of corm_load_rows: fetched in batches,
								 * so nothing is loaded with it (joined) or
								 * re-runs its statement (subquery) */
	List	   *children;		/* rendered in list order (sorted by key) */
	List	   *hidden;			/* nodes loaded only for proxies */

	/* PROXY */
	CormProxy  *proxy;
	struct CormNode *via;		/* hidden node loading proxy->relationship */
	struct CormNode *via_attr;	/* hidden node under via, for a relationship */
	int			proxy_col;		/* column index in via->table, for a column */

	/* the join, as indexes into the parent's columns */
	int			nkeys;
	int		   *parent_key;		/* parent columns holding rel's local columns */
	Oid		   *key_types;		/* their (base) types */
	CormKeySpec keyspec;
	CormKeySpec seenspec;		/* parent key + own primary key */
	int		   *own_key;		/* recursion: own columns holding local columns */

	/* 1.1 options (SPEC.md, "Loading with options"); see plan.c */
	const char *where;			/* checked fragment over the target, or NULL */
	const char *order_by;		/* checked sort list over the target, or NULL */
	bool		has_limit;
	int64		limit;			/* per parent object */
	int64		offset;
	bool	   *show;			/* columns rendered; NULL: all of them */
	int			nshown;
	CormAggKind agg;			/* the key holds an aggregate, not objects */
	int			agg_col;		/* column of sum/avg/min/max */
	bool		inner;			/* parents without a matching row are left out */
	bool		optioned;		/* rows come from the per-parent form of
								 * deparse_load.c (options or inner children) */
	struct CormNode *fused_into;	/* aggregate computed by this sibling's
									 * statement (window aggregates), or NULL */
	List	   *fused;			/* the aggregates this node's statement computes */

	bool	   *keep;			/* which of table's columns rows keep values of */
	int			nkept;
	int		   *keep_pos;		/* column -> position among the kept, or -1 */
	CormLevel	level;
} CormNode;

/* One executed statement, for corm_explain. */
typedef struct CormStep
{
	char	   *path;
	const char *strategy;
	char	   *statement;
	uint64		rows;
} CormStep;

/* The state of one corm_load / corm_get / corm_explain call. */
typedef struct CormLoad
{
	MemoryContext cxt;
	MemoryContext rows_cxt;		/* loaded rows: cxt, or per batch of roots
								 * for corm_load_rows */
	char	   *arena;			/* rows are carved from big blocks: no per-row headers */
	Size		arena_left;
	CormNode   *root;
	const char *where;			/* validated fragments, or NULL */
	const char *order_by;
	bool		caller_text;	/* some statement embeds a caller's fragment:
								 * none is kept */
	Datum		limit;
	bool		limit_null;
	Datum		offset;
	bool		offset_null;
	int			batch_size;		/* corm.batch_size when the load began */
	bool		by_id;			/* corm_get: root restricted to one primary key */
	Datum		id;
	Oid			id_type;		/* corm_get(anyelement); JSONBOID for the composite form */
	bool		record;			/* keep CormSteps */
	List	   *steps;
} CormLoad;

/*
 * How a statement's plan is used (cache.c): prepared for this one use (it
 * embeds a caller's text), or kept; a kept statement keyed by a batch of
 * parent keys is always run with its generic plan (see corm_plan_acquire).
 */
typedef enum CormPlanUse
{
	CORM_PLAN_ONCE,
	CORM_PLAN_KEPT,
	CORM_PLAN_KEPT_GENERIC
} CormPlanUse;

/* A prepared statement in use (cache.c). */
typedef struct CormPlan
{
	SPIPlanPtr	plan;
	int			refcount;		/* uses in progress: not evicted while > 0 */
	bool		kept;			/* in the cache (else freed on release) */
	CormPlanUse use;
	char	   *sql;
	int			nargs;
	Oid		   *argtypes;
	char		key[NAMEDATALEN];
	dlist_node	lru;
} CormPlan;

/* cache.c */
extern int	corm_plan_cache_size;
extern void corm_cache_init(void);
typedef struct CormCachePin CormCachePin;
extern CormCachePin *corm_cache_pin(MemoryContext call_cxt);
extern void corm_cache_unpin(CormCachePin *pin);
extern List *corm_cached_relationships(Oid parent);
extern List *corm_cached_all_relationships(void);
extern CormRelationship *corm_cached_relationship(Oid parent, const char *name);
extern List *corm_cached_proxies(Oid parent);
extern CormTable *corm_cached_table(Oid relid);
extern CormPlan *corm_plan_acquire(const char *sql, int nargs, Oid *argtypes, CormPlanUse use);
extern void corm_plan_release(CormPlan *cp);

/* exec.c */
extern int	corm_batch_size;

/* plan.c */
extern int	corm_max_load_nodes;
extern CormNode *corm_plan_load(Oid root, List *specs);
extern bool corm_plan_has_caller_text(CormNode *node);

/* deparse_load.c */
extern void corm_check_fragment(const char *text, bool is_where);
extern void corm_check_node_fragment(const char *text, bool is_where, CormTable *target,
									 const char *path);
extern char *corm_sql_root(CormLoad *load, CormNode *root, int *nargs, Oid *argtypes);
extern char *corm_sql_keyed(CormNode *node, bool single, int *nargs, Oid *argtypes);
extern char *corm_sql_subquery(CormLoad *load, CormNode *node, int *nargs, Oid *argtypes);
extern bool corm_sql_has_source(CormNode *node);

/* exec.c */
extern void corm_execute(CormLoad *load);
typedef void (*CormEmitRoot) (CormLoad *load, int row, void *arg);
extern void corm_execute_stream(CormLoad *load, CormEmitRoot emit, void *arg);
extern void corm_keyspec_init(CormKeySpec *spec, int n, const Oid *types, const Oid *collations);
extern HTAB *corm_keyhash_create(const char *name, CormKeySpec *spec, MemoryContext cxt);
extern void *corm_keyhash_enter(HTAB *hash, CormKeySpec *spec, Datum *key, bool insert,
								bool *found, MemoryContext keycxt);

extern int	corm_level_group(CormNode *node, Datum *key, int *count);

/* load.c */
extern text *corm_get_object(Oid root, Datum id, Oid id_type, const char *spec);

/* render.c */
extern text *corm_render(CormLoad *load, bool single);
extern text *corm_render_root_row(CormLoad *load, int row);

#endif							/* CORM_LOAD_H */
