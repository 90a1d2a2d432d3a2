/*-------------------------------------------------------------------------
 *
 * spec.h
 *	  The load spec of corm_load() and friends, parsed into a tree.
 *
 *	  spec    := path (',' path)*
 *	  path    := segment ('.' segment)* [ '.' group ]
 *	  group   := '(' path (',' path)* ')'
 *	  segment := [ key '=' ] name [ '*' [N] ] [ ':' strategy ]
 *				 [ '(' option (',' option)* ')' ]
 *	  option  := word [ '=' value ]
 *	  value   := integer | string | word | '[' [ word (',' word)* ] ']'
 *
 * Paths merge into one tree, by key: 'books:selectin.reviews,
 * books.publisher' and 'books:selectin.(reviews, publisher)' both give one
 * node "books" with children "reviews" and "publisher".  key=name loads
 * relationship name under the output key key (an alias); the options are
 * those of the jsonb spec (where, order_by, limit, offset, columns,
 * exclude, count, sum, avg, min, max, inner; spec.c lists their values).
 * Both forms give the same tree for the same meaning.  The parsers are
 * pure (no catalog access): whether the names exist, and whether '*' and
 * the options are allowed on them, is for the loader to check.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_SPEC_H
#define CORM_SPEC_H

#include "postgres.h"

#include "nodes/pg_list.h"

/* An aggregate a key holds instead of objects (1.1 options). */
typedef enum CormAggKind
{
	CORM_AGG_NONE = 0,
	CORM_AGG_COUNT,				/* count: the number of related rows */
	CORM_AGG_SUM,				/* sum, avg, min, max of agg_column */
	CORM_AGG_AVG,
	CORM_AGG_MIN,
	CORM_AGG_MAX
} CormAggKind;

/*
 * The per-node options of version 1.1 (SPEC.md, "Loading with options").
 * Both spec forms fill them: the jsonb spec (spec_jsonb.c) and the text
 * spec's option syntax (spec.c).  The parsers check what they can alone
 * (JSON types, ranges, options that exclude each other); plan.c checks the
 * rest against the catalog (column names, self-references, aliases).
 */
typedef struct CormSpecOptions
{
	bool		given;			/* any of the options below */
	char	   *where;			/* SQL expression over the target, or NULL */
	char	   *order_by;		/* SQL sort list over the target, or NULL */
	bool		has_limit;
	int64		limit;			/* >= 0 when has_limit */
	int64		offset;			/* >= 0; 0 is none */
	List	   *columns;		/* char * column names, or NIL */
	bool		columns_given;	/* columns or exclude was given */
	bool		exclude;		/* columns lists the ones left out */
	CormAggKind agg;
	char	   *agg_column;		/* for sum/avg/min/max */
	bool		inner;
} CormSpecOptions;

typedef struct CormSpecNode
{
	char	   *name;			/* the output key: an alias, or the
								 * relationship's own name */
	char	   *relationship;	/* the relationship or proxy it loads; NULL
								 * when it is name itself */
	int			position;		/* 1-based position of the key in the spec;
								 * 0 in a jsonb spec */
	int			strategy;		/* a CormLazy value from corm.h (never
								 * CORM_LAZY_RAISE), or -1 when not given */
	int			strategy_position;	/* 1-based position of the strategy
									 * word, 0 when not given */
	int			recursion;		/* 0: no '*'; -1: '*' (to the leaves); N >=
								 * 1: '*N' */
	int			recursion_position; /* 1-based position of the '*', 0 when
									 * not given */
	CormSpecOptions options;
	List	   *children;		/* CormSpecNode *, in order of first
								 * appearance */
} CormSpecNode;

/* The relationship a spec node loads. */
#define CORM_SPEC_RELATIONSHIP(node) \
	((node)->relationship ? (node)->relationship : (node)->name)

extern List *corm_parse_load_spec(const char *spec);	/* top-level
														 * CormSpecNode list */
extern char *corm_load_spec_to_string(List *nodes); /* canonical text, e.g.
													 * books:selectin(limit=3).(reviews,n=reviews(count)),
													 * which parses back to the same tree */

/* spec_options.c */
extern const char *corm_agg_name(CormAggKind agg);
extern void corm_spec_check_node(const CormSpecNode *node, const char *path);

/* spec_jsonb.c: the jsonb form (a Jsonb *, as void * to keep this header pure) */
extern List *corm_parse_load_spec_jsonb(void *spec);

#endif							/* CORM_SPEC_H */
