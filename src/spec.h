/*-------------------------------------------------------------------------
 *
 * spec.h
 *	  The load spec of corm_load() and friends, parsed into a tree.
 *
 *	  spec    := path (',' path)*
 *	  path    := segment ('.' segment)*
 *	  segment := name [ '*' [N] ] [ ':' strategy ]
 *
 * Paths merge into one tree: 'books:selectin.reviews, books.publisher'
 * gives one node "books" with children "reviews" and "publisher".  The
 * parser is pure (no catalog access): whether the names exist, and whether
 * '*' is allowed on them, is for the loader to check.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_SPEC_H
#define CORM_SPEC_H

#include "postgres.h"

#include "nodes/pg_list.h"

typedef struct CormSpecNode
{
	char	   *name;
	int			position;		/* 1-based position of the name in the spec */
	int			strategy;		/* a CormLazy value from corm.h (never
								 * CORM_LAZY_RAISE), or -1 when not given */
	int			strategy_position;	/* 1-based position of the strategy
									 * word, 0 when not given */
	int			recursion;		/* 0: no '*'; -1: '*' (to the leaves); N >=
								 * 1: '*N' */
	int			recursion_position; /* 1-based position of the '*', 0 when
									 * not given */
	List	   *children;		/* CormSpecNode *, in order of first
								 * appearance */
} CormSpecNode;

extern List *corm_parse_load_spec(const char *spec);	/* top-level
														 * CormSpecNode list */
extern char *corm_load_spec_to_string(List *nodes); /* canonical text, e.g.
													 * books:selectin.(reviews,publisher) */

#endif							/* CORM_SPEC_H */
