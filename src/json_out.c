/*-------------------------------------------------------------------------
 *
 * json_out.c
 *	  Rendering column values exactly as to_json(row) renders them.
 *
 * PostgreSQL 15's row_to_json looks up each value's type category and output
 * function per value.  corm looks them up once per column (CormColumnOut),
 * then writes every value straight into one StringInfo.  The categories and
 * their rendering mirror datum_to_json() in src/backend/utils/adt/json.c:
 * booleans and numbers bare (NaN and Infinity quoted), dates and timestamps
 * in ISO 8601 with a T, json and jsonb as they print, everything else as an
 * escaped string.  The commonest types skip the output function: integers
 * are written as digits, text and varchar escaped straight from the datum,
 * with the same escapes as escape_json().  Arrays, composites and types with a cast to json are
 * rendered by PostgreSQL itself: the statement selects to_json(column) for
 * them (corm_json_column_expr), and the result is copied as it is.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/lsyscache.h"

#include "json_out.h"

/* Whether PostgreSQL must render this type (array, composite, cast to json). */
static bool
rendered_by_sql(Oid typid)
{
	Oid			castfunc;

	typid = getBaseType(typid);
	switch (typid)
	{
		case BOOLOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case JSONOID:
		case JSONBOID:
			return false;
		default:
			break;
	}
	if (OidIsValid(get_element_type(typid)) || typid == ANYARRAYOID ||
		typid == ANYCOMPATIBLEARRAYOID || typid == RECORDARRAYOID ||
		type_is_rowtype(typid))
		return true;
	return typid >= FirstNormalObjectId &&
		find_coercion_pathway(JSONOID, typid, COERCION_EXPLICIT, &castfunc) == COERCION_PATH_FUNC &&
		OidIsValid(castfunc);
}

/*
 * Set up the rendering of one column of type typid; its JSON key is name.
 * Allocations go into CurrentMemoryContext, which must live as long as out.
 */
void
corm_json_column_init(CormColumnOut *out, const char *name, Oid typid)
{
	Oid			base = getBaseType(typid);
	Oid			outfunc;
	bool		isvarlena;
	StringInfoData key;

	initStringInfo(&key);
	escape_json(&key, name);
	appendStringInfoChar(&key, ':');
	out->key = key.data;
	out->keylen = key.len;

	out->via_sql = rendered_by_sql(typid);
	if (out->via_sql)
	{
		/* the statement selects to_json(column): copy its text */
		out->category = CORM_JSON_RAW;
		base = JSONOID;
	}
	else if (base == BOOLOID)
		out->category = CORM_JSON_BOOL;
	else if (base == INT2OID || base == INT4OID || base == INT8OID)
		out->category = CORM_JSON_INTEGER;
	else if (base == FLOAT4OID || base == FLOAT8OID || base == NUMERICOID)
		out->category = CORM_JSON_NUMERIC;
	else if (base == TEXTOID || base == VARCHAROID)
		out->category = CORM_JSON_TEXT;
	else if (base == DATEOID || base == TIMESTAMPOID || base == TIMESTAMPTZOID)
		out->category = CORM_JSON_DATETIME;
	else if (base == JSONOID || base == JSONBOID)
		out->category = CORM_JSON_RAW;
	else
		out->category = CORM_JSON_STRING;
	out->typid = base;
	getTypeOutputInfo(base, &outfunc, &isvarlena);
	fmgr_info(outfunc, &out->outfunc);
}

/* The select-list expression for column colexpr (already quoted). */
char *
corm_json_column_expr(Oid typid, const char *colexpr)
{
	if (rendered_by_sql(typid))
		return psprintf("pg_catalog.to_json(%s)", colexpr);
	return pstrdup(colexpr);
}

/* escape_json() for a string of known length (text holds no NUL bytes) */
static void
escape_json_len(StringInfo buf, const char *str, int len)
{
	const char *end = str + len;
	const char *run = str;
	const char *p;

	enlargeStringInfo(buf, len + 2);
	appendStringInfoCharMacro(buf, '"');
	for (p = str; p < end; p++)
	{
		unsigned char c = (unsigned char) *p;
		const char *esc;

		if (c >= ' ' && c != '"' && c != '\\')
			continue;
		/* flush the run of characters that need no escape */
		appendBinaryStringInfo(buf, run, p - run);
		run = p + 1;
		switch (c)
		{
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			case '"':
				esc = "\\\"";
				break;
			case '\\':
				esc = "\\\\";
				break;
			default:
				appendStringInfo(buf, "\\u%04x", (int) c);
				continue;
		}
		appendStringInfoString(buf, esc);
	}
	appendBinaryStringInfo(buf, run, end - run);
	appendStringInfoCharMacro(buf, '"');
}

/* Append one value, as datum_to_json() would. */
void
corm_json_append_value(StringInfo buf, const CormColumnOut *out, Datum value, bool isnull)
{
	char	   *str;

	if (isnull)
	{
		appendBinaryStringInfo(buf, "null", 4);
		return;
	}
	switch (out->category)
	{
		case CORM_JSON_BOOL:
			if (DatumGetBool(value))
				appendBinaryStringInfo(buf, "true", 4);
			else
				appendBinaryStringInfo(buf, "false", 5);
			break;
		case CORM_JSON_INTEGER:
			{
				char		digits[MAXINT8LEN + 1];
				int			len;

				if (out->typid == INT8OID)
					len = pg_lltoa(DatumGetInt64(value), digits);
				else if (out->typid == INT4OID)
					len = pg_ltoa(DatumGetInt32(value), digits);
				else
					len = pg_itoa(DatumGetInt16(value), digits);
				appendBinaryStringInfo(buf, digits, len);
			}
			break;
		case CORM_JSON_TEXT:
			{
				text	   *t = DatumGetTextPP(value);

				escape_json_len(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
				if ((Pointer) t != DatumGetPointer(value))
					pfree(t);
			}
			break;
		case CORM_JSON_NUMERIC:
			str = OutputFunctionCall((FmgrInfo *) &out->outfunc, value);
			/* NaN and Infinity are not JSON numbers: quote them, as to_json */
			if (IsValidJsonNumber(str, strlen(str)))
				appendStringInfoString(buf, str);
			else
				escape_json(buf, str);
			pfree(str);
			break;
		case CORM_JSON_DATETIME:
			{
				char		dt[MAXDATELEN + 1];

				JsonEncodeDateTime(dt, value, out->typid, NULL);
				appendStringInfoChar(buf, '"');
				appendStringInfoString(buf, dt);
				appendStringInfoChar(buf, '"');
			}
			break;
		case CORM_JSON_RAW:
			str = OutputFunctionCall((FmgrInfo *) &out->outfunc, value);
			appendStringInfoString(buf, str);
			pfree(str);
			break;
		case CORM_JSON_STRING:
			str = OutputFunctionCall((FmgrInfo *) &out->outfunc, value);
			escape_json(buf, str);
			pfree(str);
			break;
	}
}
