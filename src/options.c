/*-------------------------------------------------------------------------
 *
 * options.c
 *	  Parsing the option strings of corm_relationship(): lazy, cascade,
 *	  passive_deletes, direction, and attribute names.
 *
 * Pure functions: no catalog access, so they can be tested and fuzzed alone.
 * The words and their meaning are SQLAlchemy's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "parser/scansup.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "corm.h"

typedef struct NamedValue
{
	const char *name;
	int			value;
} NamedValue;

static const NamedValue lazy_names[] = {
	{"select", CORM_LAZY_SELECT},
	{"joined", CORM_LAZY_JOINED},
	{"subquery", CORM_LAZY_SUBQUERY},
	{"selectin", CORM_LAZY_SELECTIN},
	{"raise", CORM_LAZY_RAISE},
	{"noload", CORM_LAZY_NOLOAD},
	{NULL, 0}
};

/* In the order corm.relationships lists them. */
static const NamedValue cascade_names[] = {
	{"save-update", CORM_CASCADE_SAVE_UPDATE},
	{"merge", CORM_CASCADE_MERGE},
	{"refresh-expire", CORM_CASCADE_REFRESH_EXPIRE},
	{"expunge", CORM_CASCADE_EXPUNGE},
	{"delete", CORM_CASCADE_DELETE},
	{"delete-orphan", CORM_CASCADE_DELETE_ORPHAN},
	{NULL, 0}
};

static const NamedValue passive_names[] = {
	{"false", CORM_PASSIVE_FALSE},
	{"true", CORM_PASSIVE_TRUE},
	{"all", CORM_PASSIVE_ALL},
	{NULL, 0}
};

static const NamedValue direction_names[] = {
	{"one_to_many", CORM_ONE_TO_MANY},
	{"many_to_one", CORM_MANY_TO_ONE},
	{"one_to_one", CORM_ONE_TO_ONE},
	{"many_to_many", CORM_MANY_TO_MANY},
	{NULL, 0}
};

static int
lookup_value(const NamedValue *table, const char *str)
{
	for (; table->name; table++)
		if (strcmp(table->name, str) == 0)
			return table->value;
	return -1;
}

static const char *
lookup_name(const NamedValue *table, int value)
{
	for (; table->name; table++)
		if (table->value == value)
			return table->name;
	elog(ERROR, "unknown corm option value %d", value);
	return NULL;				/* keep compiler quiet */
}

CormLazy
corm_parse_lazy(const char *str)
{
	int			v = str ? lookup_value(lazy_names, str) : -1;

	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid lazy loading strategy \"%s\"", str ? str : "NULL"),
				 errhint("Use one of select, joined, subquery, selectin, raise, noload.")));
	return (CormLazy) v;
}

const char *
corm_lazy_name(CormLazy lazy)
{
	return lookup_name(lazy_names, lazy);
}

/*
 * Parse a cascade string as SQLAlchemy's CascadeOptions.from_string does:
 * comma-separated words, "all" = save-update, merge, refresh-expire, expunge,
 * delete; "none" clears the set; anything else is an error naming the word.
 * Surrounding whitespace is free.  NULL means none.
 */
int
corm_parse_cascade(const char *str)
{
	char	   *copy;
	char	   *word;
	char	   *next;
	int			flags = 0;
	bool		none = false;

	if (str == NULL)
		return 0;
	copy = pstrdup(str);
	for (word = copy; word != NULL; word = next)
	{
		char	   *end;
		int			v;

		next = strchr(word, ',');
		if (next)
			*next++ = '\0';
		while (scanner_isspace(*word))
			word++;
		end = word + strlen(word);
		while (end > word && scanner_isspace(end[-1]))
			*--end = '\0';
		if (*word == '\0')
			continue;			/* as SQLAlchemy: empty items are skipped */
		if (strcmp(word, "all") == 0)
			flags |= CORM_CASCADE_ALL;
		else if (strcmp(word, "none") == 0)
			none = true;
		else if ((v = lookup_value(cascade_names, word)) >= 0)
			flags |= v;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid cascade option \"%s\"", word),
					 errdetail("The cascade string was \"%s\".", str),
					 errhint("Use a comma-separated list of all, save-update, merge, refresh-expire, expunge, delete, delete-orphan, or none.")));
	}
	return none ? 0 : flags;
}

/* The expanded cascade set as text[], in canonical order. */
Datum
corm_cascade_array(int cascade)
{
	Datum		elems[8];
	int			n = 0;
	const NamedValue *c;

	for (c = cascade_names; c->name; c++)
		if (cascade & c->value)
			elems[n++] = CStringGetTextDatum(c->name);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

int
corm_cascade_from_array(Datum array)
{
	ArrayType  *arr = DatumGetArrayTypeP(array);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	int			flags = 0;

	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	for (i = 0; i < n; i++)
	{
		int			v = nulls[i] ? -1 : lookup_value(cascade_names, TextDatumGetCString(elems[i]));

		if (v < 0)
			elog(ERROR, "corm catalog: invalid cascade entry");
		flags |= v;
	}
	return flags;
}

CormPassiveDeletes
corm_parse_passive_deletes(const char *str)
{
	int			v = str ? lookup_value(passive_names, str) : -1;

	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid passive_deletes value \"%s\"", str ? str : "NULL"),
				 errhint("Use 'false', 'true' or 'all'.")));
	return (CormPassiveDeletes) v;
}

const char *
corm_passive_deletes_name(CormPassiveDeletes pd)
{
	return lookup_name(passive_names, pd);
}

/* The user may only ask for the two directions a join can be read in. */
CormDirection
corm_parse_direction(const char *str)
{
	int			v = lookup_value(direction_names, str);

	if (v != CORM_ONE_TO_MANY && v != CORM_MANY_TO_ONE && v != CORM_MANY_TO_MANY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid direction \"%s\"", str),
				 errhint("Use 'one_to_many' or 'many_to_one' (or 'many_to_many' with secondary); pass uselist => false for a one-to-one.")));
	return (CormDirection) v;
}

const char *
corm_direction_name(CormDirection dir)
{
	return lookup_name(direction_names, dir);
}

CormDirection
corm_direction_from_name(const char *str)
{
	int			v = lookup_value(direction_names, str);

	if (v < 0)
		elog(ERROR, "corm catalog: invalid direction \"%s\"", str);
	return (CormDirection) v;
}

/*
 * Attribute names become JSON keys and appear in load specs, whose grammar
 * uses '.', ',', ':', '*' and whitespace: allow identifier characters only.
 */
bool
corm_is_identifier_name(const char *name)
{
	const char *p;
	bool		ok = name != NULL && name[0] != '\0' && !isdigit((unsigned char) name[0]);

	for (p = name; ok && *p; p++)
		ok = isalnum((unsigned char) *p) || *p == '_' || IS_HIGHBIT_SET(*p);
	return ok && strlen(name) < NAMEDATALEN;
}

void
corm_check_attribute_name(const char *name, const char *what)
{
	if (!corm_is_identifier_name(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("invalid %s name \"%s\"", what, name ? name : "NULL"),
				 errhint("A name starts with a letter or underscore, continues with letters, digits or underscores, and is shorter than %d bytes.",
						 NAMEDATALEN)));
}
