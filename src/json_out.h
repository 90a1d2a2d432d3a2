/*-------------------------------------------------------------------------
 *
 * json_out.h
 *	  Rendering column values as to_json(row) does (json_out.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_JSON_OUT_H
#define CORM_JSON_OUT_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

typedef enum CormJsonCategory
{
	CORM_JSON_BOOL,
	CORM_JSON_INTEGER,			/* int2, int4, int8: digits written directly */
	CORM_JSON_NUMERIC,
	CORM_JSON_DATETIME,
	CORM_JSON_RAW,				/* json, jsonb, and to_json() results */
	CORM_JSON_TEXT,				/* text, varchar: escaped straight from the datum */
	CORM_JSON_STRING
} CormJsonCategory;

/* How one column is rendered: looked up once, used for every value. */
typedef struct CormColumnOut
{
	char	   *key;			/* "name": escaped, with the colon */
	int			keylen;
	CormJsonCategory category;
	bool		via_sql;		/* the statement selects to_json(column) */
	Oid			typid;			/* base type */
	FmgrInfo	outfunc;
} CormColumnOut;

extern void corm_json_column_init(CormColumnOut *out, const char *name, Oid typid);
extern char *corm_json_column_expr(Oid typid, const char *colexpr);
extern void corm_json_append_value(StringInfo buf, const CormColumnOut *out,
								   Datum value, bool isnull);

#endif							/* CORM_JSON_OUT_H */
