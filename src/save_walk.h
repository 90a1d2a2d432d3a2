/*-------------------------------------------------------------------------
 *
 * save_walk.h
 *	  The graph walker of corm_save / corm_merge, apart from the database.
 *
 * save_walk.c decides, for a graph given as a CormGraph, which rows to
 * write in which order (many-to-one objects first, then the object, then
 * its children and association rows) and what a merge de-associates; it
 * reaches the catalog and the tables only through CormSaveOps.  save.c
 * gives it the real operations (SPI, corm's cache); the libFuzzer target
 * in test/fuzz gives it a fake schema, so that the walker is fuzzed alone
 * (ASan, UBSan) on arbitrary graphs.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_SAVE_WALK_H
#define CORM_SAVE_WALK_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "corm.h"

/* A JSON value, as much of it as the walker needs. */
typedef enum CormGraphKind
{
	CORM_GRAPH_NULL,
	CORM_GRAPH_SCALAR,			/* string, number or boolean: json holds its text */
	CORM_GRAPH_OBJECT,
	CORM_GRAPH_ARRAY
} CormGraphKind;

typedef struct CormGraph
{
	CormGraphKind kind;
	char	   *json;			/* the value as JSON text (every kind) */
	int			nitems;			/* OBJECT: members; ARRAY: elements */
	char	  **keys;			/* OBJECT: member names */
	struct CormGraph **items;
} CormGraph;

/*
 * What the walker asks of the database.  A saved row is opaque to the
 * walker (void *); it reads column values of it as JSON text.
 */
typedef struct CormSaveOps
{
	void	   *arg;
	bool		(*is_column) (void *arg, Oid relid, const char *name);
	CormRelationship *(*relationship) (void *arg, Oid relid, const char *name);
	const char *(*attname) (void *arg, Oid relid, AttrNumber attnum);
	const char *(*relname) (void *arg, Oid relid);
	/* write one row: values is a JSON object of the given columns (names, char *) */
	void	   *(*write_row) (void *arg, Oid relid, const char *values, List *columns);
	char	   *(*row_value) (void *arg, void *row, const char *column);
	/* the primary key of a saved row of relid, as a JSON object */
	char	   *(*row_key) (void *arg, Oid relid, void *row);
	/* many-to-many: link a saved parent row and target row */
	void		(*link) (void *arg, CormRelationship *rel, void *prow, void *trow);
	/* merge: association rows of prow to targets not in kept (saved rows) go */
	void		(*unlink_others) (void *arg, CormRelationship *rel, void *prow, List *kept);
	/* merge: children of prow not in kept (their keys, JSON) are de-associated */
	void		(*deassociate) (void *arg, CormRelationship *rel, void *prow, List *kept);
} CormSaveOps;

/* The load spec covering the relationships a graph held: a tree of names. */
typedef struct CormSaveSpec
{
	char	   *name;
	List	   *children;		/* CormSaveSpec * */
} CormSaveSpec;

extern void *corm_save_walk(const CormSaveOps *ops, bool merge, Oid relid, CormGraph *object,
							List **spec);
extern char *corm_save_spec_text(List *spec);
extern void corm_save_json_member(StringInfo buf, const char *key, const char *json);

#endif							/* CORM_SAVE_WALK_H */
