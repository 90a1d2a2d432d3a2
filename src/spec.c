/*-------------------------------------------------------------------------
 *
 * spec.c
 *	  Parsing the load spec of corm_load(), corm_get() and corm_explain().
 *
 *	  spec    := path (',' path)*
 *	  path    := segment ('.' segment)* [ '.' group ]
 *	  group   := '(' path (',' path)* ')'
 *	  segment := [ key '=' ] name [ '*' [N] ] [ ':' strategy ]
 *				 [ '(' option (',' option)* ')' ]
 *	  option  := word [ '=' value ]
 *	  value   := integer | string | word | '[' [ word (',' word)* ] ']'
 *
 * Whitespace is free around every token.  A name, a key and a word are
 * identifiers as corm_check_attribute_name() allows for relationship names;
 * a strategy is one of select, joined, subquery, selectin, noload ("raise"
 * is a registered lazy setting only); N is a positive number of levels, '*'
 * alone recurses to the leaves.  A group gives several paths below the node
 * before its '.': 'books.(reviews, publisher)' is 'books.reviews,
 * books.publisher'.
 *
 * key=name loads relationship name under the output key key (an alias, the
 * jsonb spec's "relationship" option).  The options are those of the jsonb
 * spec (spec_jsonb.c; SPEC.md, "Loading with options"), with the same
 * meaning:
 *
 *	  where='expr'  order_by='sort list'  (strings: SQL style, '' for ')
 *	  limit=N  offset=N  (non-negative integers)
 *	  columns=[a, b]  exclude=[a, b]  (column names; one of the two)
 *	  count  count=true|false  sum=col  avg=col  min=col  max=col  (one)
 *	  inner  inner=true|false
 *
 * The strategy and the recursion marker stay :strategy and *N.  The paths
 * merge into one tree of CormSpecNodes, by key: a node named in several
 * paths may be given its strategy (and its recursion marker) in any one of
 * them, but two different ones are a conflict; its options are given in one
 * segment only; its relationship is the same in every segment that names it
 * (no alias is the relationship of the key's own name).  Once the tree is
 * complete, corm_spec_check_node() checks the options of every node, as for
 * a jsonb spec.
 *
 * A pure module: no catalog access, so it can be tested and fuzzed alone.
 * Every error of the text carries the 1-based byte position in the spec and
 * a hint: syntax errors and the options of one segment that exclude each
 * other show the spec around that position; conflicts between paths say
 * where each side was given.  Error positions are where the offending
 * token starts, except: an unterminated string, list, option list or group
 * is reported at its opening character; an option that needs a value, at
 * the option's name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"

#include "corm.h"
#include "spec.h"

PG_FUNCTION_INFO_V1(corm_parse_load_spec_sql);

/* Error details show the whole spec up to this length, else an excerpt. */
#define SPEC_EXCERPT_MAX		80
#define SPEC_EXCERPT_CONTEXT	30	/* bytes shown on each side of the error */

#define SPEC_SYNTAX_HINT \
	"A load spec is a comma-separated list of paths of relationship names joined by \".\", each name optionally followed by * or *N, by :strategy and by (options), for example 'books:selectin(limit=3).reviews, author'."
#define SPEC_NAME_HINT \
	"A relationship name starts with a letter or underscore and continues with letters, digits or underscores."
#define SPEC_MISSING_NAME_HINT \
	"Each path is one or more relationship names joined by \".\", and paths are separated by \",\": a name must come first and after every \".\" and \",\"."
#define SPEC_STRATEGY_HINT \
	"Use one of select, joined, subquery, selectin, noload."
#define SPEC_OPTIONS_HINT \
	"The options are where, order_by, limit, offset, columns, exclude, count, sum, avg, min, max and inner, for example books(where='published', order_by='title', limit=3)."
#define SPEC_OPTION_LIST_HINT \
	"Options are separated by \",\" and their list ends with \")\", as in books(limit=3, offset=6)."
#define SPEC_COLUMN_HINT \
	"A column name starts with a letter or underscore and continues with letters, digits or underscores."
#define SPEC_GROUP_HINT \
	"A group of paths comes last in its path, after \".\", as in books.(reviews, publisher), and ends with \")\"."

/* The kinds of value an option takes. */
typedef enum SpecValueKind
{
	SPEC_VALUE_STRING,			/* 'text' */
	SPEC_VALUE_INTEGER,			/* a non-negative int64 */
	SPEC_VALUE_NAMES,			/* [a, b] */
	SPEC_VALUE_COLUMN,			/* a column name */
	SPEC_VALUE_FLAG				/* nothing, true or false */
} SpecValueKind;

typedef enum SpecOptionId
{
	SPEC_OPT_WHERE,
	SPEC_OPT_ORDER_BY,
	SPEC_OPT_LIMIT,
	SPEC_OPT_OFFSET,
	SPEC_OPT_COLUMNS,
	SPEC_OPT_EXCLUDE,
	SPEC_OPT_COUNT,
	SPEC_OPT_SUM,
	SPEC_OPT_AVG,
	SPEC_OPT_MIN,
	SPEC_OPT_MAX,
	SPEC_OPT_INNER
} SpecOptionId;

typedef struct SpecOptionDef
{
	const char *name;
	SpecValueKind kind;
	const char *hint;			/* how to write it */
} SpecOptionDef;

/* By SpecOptionId. */
static const SpecOptionDef spec_option_defs[] = {
	{"where", SPEC_VALUE_STRING,
	"where is one SQL expression over the target's columns, in single quotes (write '' for a quote inside), e.g. where='rating >= 4'."},
	{"order_by", SPEC_VALUE_STRING,
	"order_by is one SQL sort list over the target's columns, in single quotes, e.g. order_by='published DESC'."},
	{"limit", SPEC_VALUE_INTEGER,
	"limit is the largest number of related objects per parent object, a non-negative integer, e.g. limit=3."},
	{"offset", SPEC_VALUE_INTEGER,
	"offset is the number of related objects skipped per parent object, a non-negative integer, e.g. offset=10."},
	{"columns", SPEC_VALUE_NAMES,
	"columns is a list of the target's column names in brackets, e.g. columns=[id, title]."},
	{"exclude", SPEC_VALUE_NAMES,
	"exclude is a list of the target's column names in brackets, e.g. exclude=[body]."},
	{"count", SPEC_VALUE_FLAG,
	"count alone (or count=true) makes the key hold the number of related rows."},
	{"sum", SPEC_VALUE_COLUMN,
	"An aggregate names one column of the target, e.g. sum=price."},
	{"avg", SPEC_VALUE_COLUMN,
	"An aggregate names one column of the target, e.g. avg=rating."},
	{"min", SPEC_VALUE_COLUMN,
	"An aggregate names one column of the target, e.g. min=published."},
	{"max", SPEC_VALUE_COLUMN,
	"An aggregate names one column of the target, e.g. max=published."},
	{"inner", SPEC_VALUE_FLAG,
	"inner alone (or inner=true) leaves out the parent objects without a matching related row."},
};

/* A node of the tree, found by its parent (NULL at the top) and key. */
typedef struct SpecKey
{
	CormSpecNode *parent;
	char		name[NAMEDATALEN];
} SpecKey;

typedef struct SpecEntry
{
	SpecKey		key;			/* must be first */
	CormSpecNode *node;
	int			relationship_position;	/* of the relationship's name (the
										 * key's when no alias) */
	int			options_position;	/* of the '(' of its options, 0 if none */
} SpecEntry;

/* One segment as written, before it is merged into the tree. */
typedef struct SpecSegment
{
	char	   *name;			/* the key */
	int			position;
	char	   *relationship;	/* NULL: no alias, or the key itself */
	int			relationship_position;
	int			strategy;
	int			strategy_position;
	int			recursion;
	int			recursion_position;
	CormSpecOptions options;
	int			options_position;	/* of its '(', 0 if none */
} SpecSegment;

typedef struct SpecParser
{
	const char *spec;
	int			len;
	int			pos;			/* 0-based offset of the next byte to read */
	List	   *top;			/* the result: top-level nodes */
	HTAB	   *nodes;			/* SpecKey -> SpecEntry, over the whole tree */
	List	   *path;			/* the nodes of the current path so far */
} SpecParser;

static inline bool
is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		IS_HIGHBIT_SET(c);
}

static inline bool
is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline char
peek(SpecParser *p)
{
	return p->pos < p->len ? p->spec[p->pos] : '\0';
}

static void
skip_space(SpecParser *p)
{
	while (p->pos < p->len && scanner_isspace(p->spec[p->pos]))
		p->pos++;
}

/* Length of the character at offset, never past the end of the spec. */
static int
char_length(SpecParser *p, int offset)
{
	int			l = pg_mblen(p->spec + offset);

	return Min(l, p->len - offset);
}

/*
 * The spec for an error detail: all of it when short, else the part around
 * offset, cut at character boundaries.  Control characters (newlines among
 * them) are shown as spaces, so the excerpt stays on one line and every
 * byte keeps its column.
 */
static char *
spec_excerpt(SpecParser *p, int offset)
{
	StringInfoData buf;
	int			start = 0;
	int			end = p->len;
	int			i;

	if (p->len > SPEC_EXCERPT_MAX)
	{
		int			from = Max(0, offset - SPEC_EXCERPT_CONTEXT);
		int			to = Min(p->len, offset + SPEC_EXCERPT_CONTEXT);

		for (i = 0; i < from; i += char_length(p, i))
			;
		start = i;
		while (i < to && i + char_length(p, i) <= to)
			i += char_length(p, i);
		end = i;
	}

	initStringInfo(&buf);
	if (start > 0)
		appendStringInfoString(&buf, "...");
	for (i = start; i < end; i++)
	{
		unsigned char c = (unsigned char) p->spec[i];

		appendStringInfoChar(&buf, (c < 0x20 || c == 0x7f) ? ' ' : (char) c);
	}
	if (end < p->len)
		appendStringInfoString(&buf, "...");
	return buf.data;
}

/* The character at offset, printable in a message. */
static char *
char_display(SpecParser *p, int offset)
{
	unsigned char c = (unsigned char) p->spec[offset];

	if (IS_HIGHBIT_SET(c))
		return pnstrdup(p->spec + offset, char_length(p, offset));
	if (c < 0x20 || c == 0x7f)
		return psprintf("\\x%02X", c);
	return psprintf("%c", c);
}

/* A word of the spec for a message, clipped to a name's length. */
static char *
word_display(SpecParser *p, int offset, int len)
{
	int			clip;

	if (len < NAMEDATALEN)
		return pnstrdup(p->spec + offset, len);
	clip = pg_mbcliplen(p->spec + offset, len, NAMEDATALEN - 1);
	return psprintf("%s...", pnstrdup(p->spec + offset, clip));
}

/* The path ending in name, for a message: "books.reviews". */
static char *
path_display(SpecParser *p, const char *name)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, p->path)
	{
		appendStringInfoString(&buf, ((CormSpecNode *) lfirst(lc))->name);
		appendStringInfoChar(&buf, '.');
	}
	appendStringInfoString(&buf, name);
	return buf.data;
}

/* A recursion marker for a message: "*", "*2", or no marker at all. */
static char *
recursion_display(int recursion, int position)
{
	if (recursion == 0)
		return psprintf("no recursion marker at position %d", position);
	if (recursion < 0)
		return psprintf("\"*\" at position %d", position);
	return psprintf("\"*%d\" at position %d", recursion, position);
}

/* "*1" is one level, the same as no marker. */
static inline int
recursion_levels(int recursion)
{
	return recursion == 1 ? 0 : recursion;
}

/* ERROR: a syntax error at offset, with the excerpt of the spec there. */
static void
syntax_error(SpecParser *p, int offset, const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg_internal("%s", message),
			 errdetail("The load spec was \"%s\".", spec_excerpt(p, offset)),
			 errhint("%s", hint)));
}

/* ERROR for an unexpected character at offset, with the hint given. */
static void
unexpected_char_hint(SpecParser *p, int offset, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("unexpected character \"%s\" at position %d of load spec",
					char_display(p, offset), offset + 1),
			 errdetail("The load spec was \"%s\".", spec_excerpt(p, offset)),
			 errhint("%s", hint)));
}

/*
 * ERROR for an unexpected character at offset; what came before decides the
 * hint.  seg is the segment just read, or NULL where a name was expected.
 */
static void
unexpected_char(SpecParser *p, int offset, const SpecSegment *seg)
{
	char		c = p->spec[offset];
	const char *hint;

	if (seg == NULL)
		hint = SPEC_NAME_HINT;
	else if (seg->options_position != 0 && c == '(')
		hint = "Give the options of a relationship in one list, as in books(limit=3, offset=6).";
	else if (seg->options_position != 0 && (c == ':' || c == '*' || c == '='))
		hint = "The options come last in a segment: write key=relationship, the recursion marker and the strategy before them, as in children*2:selectin(limit=5).";
	else if (c == '=')
		hint = "An alias is written key=relationship, before the recursion marker, the strategy and the options, as in n_reviews=reviews(count).";
	else if (c == ':' && seg->strategy >= 0)
		hint = "A relationship name takes at most one loading strategy.";
	else if (c == '*' && seg->strategy >= 0)
		hint = "Write the recursion marker before the strategy, as in children*2:selectin.";
	else if (c == '*')
		hint = "A relationship name takes at most one recursion marker.";
	else if (is_name_char(c))
		hint = "Separate paths with \",\" and the relationship names of a path with \".\".";
	else if (seg->recursion != 0 && seg->strategy < 0 && seg->options_position == 0)
		hint = "A recursion marker is \"*\" alone, to recurse to the leaves, or \"*N\" with a positive number N of levels.";
	else
		hint = SPEC_SYNTAX_HINT;

	unexpected_char_hint(p, offset, hint);
}

/*
 * Read a relationship name (or a key) at the current position, after
 * whitespace; its 0-based start.  On return, p->pos is just after it.
 */
static int
parse_name(SpecParser *p, const char *missing_hint)
{
	const char *s = p->spec;
	int			start;

	skip_space(p);
	start = p->pos;
	if (p->pos >= p->len || strchr(".,:*)", s[p->pos]) != NULL)
		syntax_error(p, start,
					 psprintf("missing relationship name at position %d of load spec",
							  start + 1),
					 missing_hint);
	if (is_digit(s[p->pos]))
		syntax_error(p, start,
					 psprintf("relationship name at position %d of load spec starts with a digit",
							  start + 1),
					 SPEC_NAME_HINT);
	if (!is_name_start(s[p->pos]))
		unexpected_char(p, start, NULL);
	while (p->pos < p->len && is_name_char(s[p->pos]))
		p->pos++;
	if (p->pos - start >= NAMEDATALEN)
		syntax_error(p, start,
					 psprintf("relationship name at position %d of load spec is too long",
							  start + 1),
					 psprintf("A relationship name is shorter than %d bytes.",
							  NAMEDATALEN));
	return start;
}

/* Read a column name (a word) at the current position; it, palloc'd. */
static char *
parse_column_name(SpecParser *p)
{
	const char *s = p->spec;
	int			start = p->pos;

	Assert(p->pos < p->len && is_name_start(s[p->pos]));
	while (p->pos < p->len && is_name_char(s[p->pos]))
		p->pos++;
	if (p->pos - start >= NAMEDATALEN)
		syntax_error(p, start,
					 psprintf("column name at position %d of load spec is too long",
							  start + 1),
					 psprintf("A column name is shorter than %d bytes.", NAMEDATALEN));
	return pnstrdup(s + start, p->pos - start);
}

/* What a value at offset is, for a message: "a number", "a string", ... */
static const char *
value_kind_display(char c)
{
	if (is_digit(c))
		return "a number";
	if (c == '\'')
		return "a string";
	if (c == '[')
		return "a list";
	return "a word";
}

static const char *
value_kind_expected(SpecValueKind kind)
{
	switch (kind)
	{
		case SPEC_VALUE_STRING:
			return "a string in single quotes";
		case SPEC_VALUE_INTEGER:
			return "a non-negative integer";
		case SPEC_VALUE_NAMES:
			return "a list of column names";
		case SPEC_VALUE_COLUMN:
			return "a column name";
		case SPEC_VALUE_FLAG:
			return "true or false";
	}
	return "?";					/* not reached */
}

/* ERROR at offset for two options of one segment that exclude each other. */
static void
option_conflict(SpecParser *p, int offset, const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg_internal("%s", message),
			 errdetail("The load spec was \"%s\".", spec_excerpt(p, offset)),
			 errhint("%s", hint)));
}

/* A string at the current position (its quote): its value, palloc'd. */
static char *
parse_string(SpecParser *p)
{
	StringInfoData buf;
	int			open = p->pos;

	Assert(peek(p) == '\'');
	initStringInfo(&buf);
	p->pos++;
	for (;;)
	{
		int			run = p->pos;

		while (p->pos < p->len && p->spec[p->pos] != '\'')
			p->pos++;
		if (p->pos >= p->len)
			syntax_error(p, open,
						 psprintf("unterminated string at position %d of load spec",
								  open + 1),
						 "A string is in single quotes, with '' for a quote inside it, as in where='title <> ''Untitled'''.");
		appendBinaryStringInfo(&buf, p->spec + run, p->pos - run);
		p->pos++;
		if (peek(p) != '\'')
			break;
		appendStringInfoChar(&buf, '\'');	/* '' */
		p->pos++;
	}
	return buf.data;
}

/* A non-negative integer at the current position (its first digit). */
static int64
parse_integer(SpecParser *p, const SpecOptionDef *def)
{
	int			digits = p->pos;
	int64		n = 0;
	bool		overflow = false;

	while (is_digit(peek(p)))
	{
		int			d = p->spec[p->pos] - '0';

		if (n > (PG_INT64_MAX - d) / 10)
			overflow = true;
		else if (!overflow)
			n = n * 10 + d;
		p->pos++;
	}
	if (overflow)
		syntax_error(p, digits,
					 psprintf("value of option \"%s\" at position %d of load spec is too large",
							  def->name, digits + 1),
					 psprintf("The largest value is " INT64_FORMAT ".", PG_INT64_MAX));
	return n;
}

/* A list of column names at the current position (its '['). */
static List *
parse_names(SpecParser *p)
{
	int			open = p->pos;
	List	   *names = NIL;

	Assert(peek(p) == '[');
	p->pos++;
	skip_space(p);
	if (peek(p) == ']')
	{
		p->pos++;
		return NIL;
	}
	for (;;)
	{
		char		c;

		CHECK_FOR_INTERRUPTS();
		skip_space(p);
		c = peek(p);
		if (p->pos >= p->len)
			syntax_error(p, open,
						 psprintf("unterminated list at position %d of load spec", open + 1),
						 "A list of column names is in brackets, as in columns=[id, title].");
		if (c == ',' || c == ']')
			syntax_error(p, p->pos,
						 psprintf("missing column name at position %d of load spec",
								  p->pos + 1),
						 "A list holds column names separated by \",\", as in columns=[id, title]; [] is the empty list.");
		if (!is_name_start(c))
			unexpected_char_hint(p, p->pos, SPEC_COLUMN_HINT);
		names = lappend(names, parse_column_name(p));
		skip_space(p);
		c = peek(p);
		if (p->pos >= p->len)
			syntax_error(p, open,
						 psprintf("unterminated list at position %d of load spec", open + 1),
						 "A list of column names is in brackets, as in columns=[id, title].");
		p->pos++;
		if (c == ']')
			return names;
		if (c != ',')
			unexpected_char_hint(p, p->pos - 1,
								 "Separate the column names of a list with \",\" and end it with \"]\", as in columns=[id, title].");
	}
}

/* ERROR for an unterminated option list opened at offset. */
static void
unterminated_options(SpecParser *p, int open)
{
	syntax_error(p, open,
				 psprintf("unterminated option list at position %d of load spec", open + 1),
				 SPEC_OPTION_LIST_HINT);
}

/*
 * Read the options of seg, from its '(' at the current position to its ')'
 * included.  Each option's value is checked alone here; the ones that
 * exclude each other across options, once the tree is complete, by
 * corm_spec_check_node().
 */
static void
parse_options(SpecParser *p, SpecSegment *seg)
{
	const char *s = p->spec;
	CormSpecOptions *o = &seg->options;
	int			open = p->pos;
	int			given = 0;		/* bit per SpecOptionId written */
	int			agg_position = 0;
	bool		first = true;

	Assert(peek(p) == '(');
	seg->options_position = open + 1;
	p->pos++;
	for (;;)
	{
		int			word;
		int			id;
		const SpecOptionDef *def;
		char	   *name;
		int			value;
		char		c;

		CHECK_FOR_INTERRUPTS();

		/* the option's name */
		skip_space(p);
		word = p->pos;
		c = peek(p);
		if (p->pos >= p->len)
			unterminated_options(p, open);
		if (c == ',' || c == ')' || c == '=')
			syntax_error(p, word,
						 psprintf("missing option name at position %d of load spec", word + 1),
						 c == ')' && first ?
						 "An option list holds at least one option; leave out \"()\" for none." :
						 SPEC_OPTIONS_HINT);
		if (!is_name_start(c))
			unexpected_char_hint(p, word, SPEC_OPTIONS_HINT);
		while (p->pos < p->len && is_name_char(s[p->pos]))
			p->pos++;
		name = pnstrdup(s + word, p->pos - word);
		for (id = 0; id < (int) lengthof(spec_option_defs); id++)
			if (strcmp(name, spec_option_defs[id].name) == 0)
				break;
		if (id == (int) lengthof(spec_option_defs))
		{
			const char *hint = SPEC_OPTIONS_HINT;

			if (strcmp(name, "strategy") == 0)
				hint = "Write the loading strategy after the name, before the options, as in books:selectin(limit=3).";
			else if (strcmp(name, "recurse") == 0)
				hint = "Write the recursion marker after the name, as in children*2 or children* (to the leaves).";
			else if (strcmp(name, "relationship") == 0)
				hint = "Write an alias before the relationship name, as in n_reviews=reviews(count).";
			else if (strcmp(name, "load") == 0)
				hint = "Write the relationships to load below a name after \".\", as in books(limit=3).reviews or books(limit=3).(reviews, publisher).";
			syntax_error(p, word,
						 psprintf("unknown option \"%s\" at position %d of load spec",
								  word_display(p, word, p->pos - word), word + 1),
						 hint);
		}
		def = &spec_option_defs[id];
		if (given & (1 << id))
			option_conflict(p, word,
							psprintf("option \"%s\" at position %d of load spec is given twice",
									 def->name, word + 1),
							"Give each option of a relationship once.");
		if ((id == SPEC_OPT_COLUMNS && (given & (1 << SPEC_OPT_EXCLUDE))) ||
			(id == SPEC_OPT_EXCLUDE && (given & (1 << SPEC_OPT_COLUMNS))))
			option_conflict(p, word,
							psprintf("option \"%s\" at position %d of load spec cannot be combined with \"%s\"",
									 def->name, word + 1,
									 id == SPEC_OPT_COLUMNS ? "exclude" : "columns"),
							"Give the columns shown (columns) or the columns left out (exclude), not both.");
		given |= 1 << id;
		skip_space(p);

		/* its value */
		if (peek(p) != '=')
		{
			if (def->kind != SPEC_VALUE_FLAG)
				syntax_error(p, word,
							 psprintf("option \"%s\" at position %d of load spec needs a value",
									  def->name, word + 1),
							 def->hint);
			value = -1;
		}
		else
		{
			p->pos++;
			skip_space(p);
			value = p->pos;
			c = peek(p);
			if (p->pos >= p->len || c == ',' || c == ')')
				syntax_error(p, value,
							 psprintf("missing value for option \"%s\" at position %d of load spec",
									  def->name, value + 1),
							 def->hint);
			if (!is_digit(c) && c != '\'' && c != '[' && !is_name_start(c))
				unexpected_char_hint(p, value, def->hint);
			if ((def->kind == SPEC_VALUE_STRING && c != '\'') ||
				(def->kind == SPEC_VALUE_INTEGER && !is_digit(c)) ||
				(def->kind == SPEC_VALUE_NAMES && c != '[') ||
				((def->kind == SPEC_VALUE_COLUMN || def->kind == SPEC_VALUE_FLAG) &&
				 !is_name_start(c)))
				syntax_error(p, value,
							 psprintf("option \"%s\" at position %d of load spec takes %s, not %s",
									  def->name, value + 1, value_kind_expected(def->kind),
									  value_kind_display(c)),
							 def->hint);
		}

		switch ((SpecOptionId) id)
		{
			case SPEC_OPT_WHERE:
				o->where = parse_string(p);
				o->given = true;
				break;
			case SPEC_OPT_ORDER_BY:
				o->order_by = parse_string(p);
				o->given = true;
				break;
			case SPEC_OPT_LIMIT:
				o->limit = parse_integer(p, def);
				o->has_limit = true;
				o->given = true;
				break;
			case SPEC_OPT_OFFSET:
				o->offset = parse_integer(p, def);
				o->given = true;
				break;
			case SPEC_OPT_COLUMNS:
			case SPEC_OPT_EXCLUDE:
				o->columns = parse_names(p);
				o->columns_given = true;
				o->exclude = id == SPEC_OPT_EXCLUDE;
				o->given = true;
				break;
			case SPEC_OPT_COUNT:
			case SPEC_OPT_INNER:
				{
					bool		on = true;

					if (value >= 0)
					{
						while (p->pos < p->len && is_name_char(s[p->pos]))
							p->pos++;
						if (p->pos - value == 4 && strncmp(s + value, "true", 4) == 0)
							on = true;
						else if (p->pos - value == 5 && strncmp(s + value, "false", 5) == 0)
							on = false;
						else
							syntax_error(p, value,
										 psprintf("option \"%s\" at position %d of load spec takes true or false, not \"%s\"",
												  def->name, value + 1,
												  word_display(p, value, p->pos - value)),
										 def->hint);
					}
					if (!on)
						break;
					if (id == SPEC_OPT_INNER)
					{
						o->inner = true;
						o->given = true;
						break;
					}
				}
				/* count: an aggregate */
				/* FALLTHROUGH */
			case SPEC_OPT_SUM:
			case SPEC_OPT_AVG:
			case SPEC_OPT_MIN:
			case SPEC_OPT_MAX:
				{
					CormAggKind agg = id == SPEC_OPT_COUNT ? CORM_AGG_COUNT :
					id == SPEC_OPT_SUM ? CORM_AGG_SUM :
					id == SPEC_OPT_AVG ? CORM_AGG_AVG :
					id == SPEC_OPT_MIN ? CORM_AGG_MIN : CORM_AGG_MAX;

					if (o->agg != CORM_AGG_NONE)
						option_conflict(p, word,
										psprintf("option \"%s\" at position %d of load spec cannot be combined with \"%s\" at position %d",
												 def->name, word + 1,
												 corm_agg_name(o->agg), agg_position),
										"A key holds one aggregate: give each its own key, as in n_reviews=reviews(count), avg_rating=reviews(avg=rating).");
					if (agg != CORM_AGG_COUNT)
						o->agg_column = parse_column_name(p);
					o->agg = agg;
					o->given = true;
					agg_position = word + 1;
				}
				break;
		}

		/* ',' or ')' */
		first = false;
		skip_space(p);
		c = peek(p);
		if (p->pos >= p->len)
			unterminated_options(p, open);
		p->pos++;
		if (c == ')')
			return;
		if (c != ',')
			unexpected_char_hint(p, p->pos - 1,
								 def->kind == SPEC_VALUE_INTEGER && is_digit(s[p->pos - 2]) &&
								 (is_name_char(c) || c == '.') ?
								 def->hint : SPEC_OPTION_LIST_HINT);
	}
}

/*
 * Read one segment; on return, the next byte is '.', ',', ')' or the end
 * (whether a ')' closes a group is for the caller to check).
 */
static void
parse_segment(SpecParser *p, SpecSegment *seg)
{
	const char *s = p->spec;
	int			start;

	memset(seg, 0, sizeof(SpecSegment));
	seg->strategy = -1;

	/* [ key '=' ] name */
	start = parse_name(p, SPEC_MISSING_NAME_HINT);
	seg->name = pnstrdup(s + start, p->pos - start);
	seg->position = start + 1;
	seg->relationship_position = start + 1;
	skip_space(p);
	if (peek(p) == '=')
	{
		int			rel;

		p->pos++;
		rel = parse_name(p, "An alias is written key=relationship, as in n_reviews=reviews(count): a relationship name must follow \"=\".");
		if (p->pos - rel != strlen(seg->name) ||
			strncmp(s + rel, seg->name, p->pos - rel) != 0)
			seg->relationship = pnstrdup(s + rel, p->pos - rel);
		seg->relationship_position = rel + 1;
		skip_space(p);
	}

	/* '*' [N] */
	if (peek(p) == '*')
	{
		seg->recursion_position = p->pos + 1;
		seg->recursion = -1;
		p->pos++;
		skip_space(p);
		if (is_digit(peek(p)))
		{
			int			digits = p->pos;
			int64		n = 0;

			while (is_digit(peek(p)))
			{
				if (n <= INT_MAX)
					n = n * 10 + (s[p->pos] - '0');
				p->pos++;
			}
			if (n > INT_MAX)
				syntax_error(p, digits,
							 psprintf("recursion depth at position %d of load spec is too large",
									  digits + 1),
							 psprintf("The largest depth is %d; write \"*\" alone to recurse to the leaves.",
									  INT_MAX));
			if (n == 0)
				syntax_error(p, digits,
							 psprintf("recursion depth at position %d of load spec must be at least 1",
									  digits + 1),
							 "Write \"*N\" for N levels, or \"*\" alone to recurse to the leaves; leave the marker out for one level.");
			seg->recursion = (int) n;
		}
		skip_space(p);
	}

	/* ':' strategy */
	if (peek(p) == ':')
	{
		int			word;
		char	   *name;
		int			v;

		p->pos++;
		skip_space(p);
		word = p->pos;
		while (p->pos < p->len && is_name_char(s[p->pos]))
			p->pos++;
		if (p->pos == word)
			syntax_error(p, word,
						 psprintf("missing loading strategy at position %d of load spec",
								  word + 1),
						 "After \":\" comes a loading strategy: select, joined, subquery, selectin or noload.");
		name = pnstrdup(s + word, p->pos - word);
		for (v = CORM_LAZY_SELECT; v <= CORM_LAZY_NOLOAD; v++)
			if (strcmp(name, corm_lazy_name((CormLazy) v)) == 0)
				break;
		if (v == CORM_LAZY_RAISE)
			syntax_error(p, word,
						 psprintf("loading strategy \"raise\" at position %d of load spec is not allowed",
								  word + 1),
						 "\"raise\" is only a registered lazy setting; in a load spec, use one of select, joined, subquery, selectin, noload.");
		if (v > CORM_LAZY_NOLOAD)
		{
			bool		wrong_case = false;

			for (v = CORM_LAZY_SELECT; v <= CORM_LAZY_NOLOAD; v++)
				if (v != CORM_LAZY_RAISE &&
					pg_strcasecmp(name, corm_lazy_name((CormLazy) v)) == 0)
					wrong_case = true;
			syntax_error(p, word,
						 psprintf("unknown loading strategy \"%s\" at position %d of load spec",
								  word_display(p, word, p->pos - word), word + 1),
						 wrong_case ?
						 "Loading strategies are written in lower case: select, joined, subquery, selectin, noload." :
						 SPEC_STRATEGY_HINT);
		}
		seg->strategy = v;
		seg->strategy_position = word + 1;
		skip_space(p);
	}

	/* '(' option (',' option)* ')' */
	if (peek(p) == '(')
	{
		parse_options(p, seg);
		skip_space(p);
	}

	if (p->pos < p->len && s[p->pos] != '.' && s[p->pos] != ',' && s[p->pos] != ')')
		unexpected_char(p, p->pos, seg);
}

/* Merge a segment into the tree below parent (NULL: the top); its node. */
static CormSpecNode *
merge_segment(SpecParser *p, CormSpecNode *parent, const SpecSegment *seg)
{
	SpecKey		key;
	SpecEntry  *entry;
	CormSpecNode *node;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.parent = parent;
	strlcpy(key.name, seg->name, NAMEDATALEN);
	entry = (SpecEntry *) hash_search(p->nodes, &key, HASH_ENTER, &found);

	if (!found)
	{
		node = (CormSpecNode *) palloc0(sizeof(CormSpecNode));
		node->name = seg->name;
		node->relationship = seg->relationship;
		node->position = seg->position;
		node->strategy = seg->strategy;
		node->strategy_position = seg->strategy_position;
		node->recursion = seg->recursion;
		node->recursion_position = seg->recursion_position;
		node->options = seg->options;
		node->children = NIL;
		entry->node = node;
		entry->relationship_position = seg->relationship_position;
		entry->options_position = seg->options_position;
		if (parent)
			parent->children = lappend(parent->children, node);
		else
			p->top = lappend(p->top, node);
		return node;
	}

	node = entry->node;
	if (strcmp(CORM_SPEC_RELATIONSHIP(node),
			   seg->relationship ? seg->relationship : seg->name) != 0)
	{
		char	   *path = path_display(p, seg->name);

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conflicting relationships for key \"%s\" at position %d of load spec",
						path, seg->relationship_position),
				 errdetail("Key \"%s\" loads \"%s\" at position %d and \"%s\" at position %d.",
						   path,
						   CORM_SPEC_RELATIONSHIP(node), entry->relationship_position,
						   seg->relationship ? seg->relationship : seg->name,
						   seg->relationship_position),
				 errhint("Write the same key=relationship in every path through a key (a key alone loads the relationship of its name), or give the paths below it as a group, as in n=reviews.(author, book).")));
	}
	if (seg->strategy >= 0)
	{
		if (node->strategy < 0)
		{
			node->strategy = seg->strategy;
			node->strategy_position = seg->strategy_position;
		}
		else if (node->strategy != seg->strategy)
		{
			char	   *path = path_display(p, seg->name);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("conflicting loading strategies for \"%s\" at position %d of load spec",
							path, seg->strategy_position),
					 errdetail("\"%s\" is given strategy \"%s\" at position %d and \"%s\" at position %d.",
							   path,
							   corm_lazy_name((CormLazy) node->strategy),
							   node->strategy_position,
							   corm_lazy_name((CormLazy) seg->strategy),
							   seg->strategy_position),
					 errhint("Give a relationship at most one strategy; the other paths through it may name it without one.")));
		}
	}
	if (recursion_levels(seg->recursion) != recursion_levels(node->recursion))
	{
		char	   *path = path_display(p, seg->name);
		int			old_position = node->recursion ? node->recursion_position : node->position;
		int			new_position = seg->recursion ? seg->recursion_position : seg->position;

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("conflicting recursion for \"%s\" at position %d of load spec",
						path, new_position),
				 errdetail("\"%s\" is named with %s and with %s.",
						   path,
						   recursion_display(node->recursion, old_position),
						   recursion_display(seg->recursion, new_position)),
				 errhint("Give a relationship the same recursion marker, or none, in every path that names it; \"*1\" is the same as none.")));
	}
	if (node->recursion == 0 && seg->recursion != 0)
	{
		/* "*1" and no marker: the explicit one wins */
		node->recursion = seg->recursion;
		node->recursion_position = seg->recursion_position;
	}
	if (seg->options_position != 0)
	{
		if (entry->options_position != 0)
		{
			char	   *path = path_display(p, seg->name);

			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options for \"%s\" given again at position %d of load spec",
							path, seg->options_position),
					 errdetail("\"%s\" is given options at position %d and at position %d.",
							   path, entry->options_position, seg->options_position),
					 errhint("Give the options of \"%s\" once; the other paths through it may name it without options.",
							 path)));
		}
		node->options = seg->options;
		entry->options_position = seg->options_position;
	}
	return node;
}

/*
 * corm_spec_check_node() on every node of the tree, in preorder, with the
 * path of keys from the top; iteratively (a path may be thousands deep), the
 * path in one buffer.
 */
static void
check_tree(List *top)
{
	typedef struct CheckFrame
	{
		List	   *list;
		int			next;
		int			path_len;	/* of the parent's path, with its '.' */
	} CheckFrame;
	CheckFrame *stack;
	int			depth;
	int			cap = 32;
	StringInfoData path;

	if (top == NIL)
		return;
	initStringInfo(&path);
	stack = palloc(cap * sizeof(CheckFrame));
	stack[0].list = top;
	stack[0].next = 0;
	stack[0].path_len = 0;
	depth = 1;
	while (depth > 0)
	{
		CheckFrame *f = &stack[depth - 1];
		CormSpecNode *node;

		CHECK_FOR_INTERRUPTS();
		if (f->next >= list_length(f->list))
		{
			depth--;
			continue;
		}
		node = (CormSpecNode *) list_nth(f->list, f->next++);
		path.len = f->path_len;
		path.data[path.len] = '\0';
		appendStringInfoString(&path, node->name);
		corm_spec_check_node(node, path.data);
		if (node->children != NIL)
		{
			appendStringInfoChar(&path, '.');
			if (depth == cap)
			{
				cap *= 2;
				stack = repalloc(stack, cap * sizeof(CheckFrame));
			}
			stack[depth].list = node->children;
			stack[depth].next = 0;
			stack[depth].path_len = path.len;
			depth++;
		}
	}
	pfree(stack);
	pfree(path.data);
}

/*
 * Parse a load spec into a tree: the list of its top-level CormSpecNodes,
 * in order of first appearance.  NULL, empty or blank: NIL.
 */
List *
corm_parse_load_spec(const char *spec)
{
	SpecParser	p;
	HASHCTL		ctl;
	int		   *groups;			/* offsets of the '(' of the open groups */
	int		   *group_depths;	/* list_length(p.path) inside each */
	int			ngroups = 0;
	int			maxgroups = 8;

	if (spec == NULL)
		return NIL;

	memset(&p, 0, sizeof(p));
	p.spec = spec;
	p.len = strlen(spec);
	skip_space(&p);
	if (p.pos >= p.len)
		return NIL;

	ctl.keysize = sizeof(SpecKey);
	ctl.entrysize = sizeof(SpecEntry);
	ctl.hcxt = CurrentMemoryContext;
	p.nodes = hash_create("corm load spec", 64, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	groups = palloc(maxgroups * sizeof(int));
	group_depths = palloc(maxgroups * sizeof(int));

	for (;;)
	{
		int			depth = ngroups > 0 ? group_depths[ngroups - 1] : 0;
		CormSpecNode *parent = depth > 0 ? (CormSpecNode *) list_nth(p.path, depth - 1) : NULL;
		bool		group = false;

		/* one path, below the innermost open group's node */
		p.path = list_truncate(p.path, depth);
		for (;;)
		{
			SpecSegment seg;

			CHECK_FOR_INTERRUPTS();
			parse_segment(&p, &seg);
			parent = merge_segment(&p, parent, &seg);
			if (peek(&p) != '.')
				break;
			p.path = lappend(p.path, parent);
			p.pos++;
			skip_space(&p);
			if (peek(&p) == '(')
			{
				/* a group: its paths are below parent */
				if (ngroups == maxgroups)
				{
					maxgroups *= 2;
					groups = repalloc(groups, maxgroups * sizeof(int));
					group_depths = repalloc(group_depths, maxgroups * sizeof(int));
				}
				groups[ngroups] = p.pos;
				group_depths[ngroups] = list_length(p.path);
				ngroups++;
				p.pos++;
				group = true;
				break;
			}
		}
		if (group)
			continue;

		/* the path ends: ')' closing groups, then ',' or the end */
		while (peek(&p) == ')')
		{
			if (ngroups == 0)
				unexpected_char_hint(&p, p.pos,
									 "This \")\" closes no group; a group of paths is written after \".\", as in books.(reviews, publisher).");
			ngroups--;
			p.pos++;
			skip_space(&p);
			if (p.pos < p.len && p.spec[p.pos] != ',' && p.spec[p.pos] != ')')
				unexpected_char_hint(&p, p.pos, SPEC_GROUP_HINT);
		}
		if (p.pos >= p.len)
		{
			if (ngroups > 0)
				syntax_error(&p, groups[ngroups - 1],
							 psprintf("unterminated group at position %d of load spec",
									  groups[ngroups - 1] + 1),
							 SPEC_GROUP_HINT);
			break;
		}
		Assert(p.spec[p.pos] == ',');
		p.pos++;
	}

	list_free(p.path);
	p.path = NIL;
	hash_destroy(p.nodes);
	pfree(groups);
	pfree(group_depths);
	check_tree(p.top);
	return p.top;
}

/* A string of the spec's syntax: in single quotes, '' for a quote. */
static void
append_quoted(StringInfo buf, const char *s)
{
	appendStringInfoChar(buf, '\'');
	for (; *s; s++)
	{
		if (*s == '\'')
			appendStringInfoChar(buf, '\'');
		appendStringInfoChar(buf, *s);
	}
	appendStringInfoChar(buf, '\'');
}

/* The options of a node, in a fixed order; nothing when there are none. */
static void
append_options(StringInfo buf, const CormSpecOptions *o)
{
	int			start = buf->len;
	bool		any = false;

#define NEXT_OPTION() \
	appendStringInfoChar(buf, any ? ',' : '('), any = true

	if (o->where)
	{
		NEXT_OPTION();
		appendStringInfoString(buf, "where=");
		append_quoted(buf, o->where);
	}
	if (o->order_by)
	{
		NEXT_OPTION();
		appendStringInfoString(buf, "order_by=");
		append_quoted(buf, o->order_by);
	}
	if (o->has_limit)
	{
		NEXT_OPTION();
		appendStringInfo(buf, "limit=" INT64_FORMAT, o->limit);
	}
	if (o->offset > 0)
	{
		NEXT_OPTION();
		appendStringInfo(buf, "offset=" INT64_FORMAT, o->offset);
	}
	if (o->columns_given)
	{
		ListCell   *lc;

		NEXT_OPTION();
		appendStringInfoString(buf, o->exclude ? "exclude=[" : "columns=[");
		foreach(lc, o->columns)
		{
			if (lc != list_head(o->columns))
				appendStringInfoChar(buf, ',');
			appendStringInfoString(buf, (const char *) lfirst(lc));
		}
		appendStringInfoChar(buf, ']');
	}
	if (o->agg == CORM_AGG_COUNT)
	{
		NEXT_OPTION();
		appendStringInfoString(buf, "count");
	}
	else if (o->agg != CORM_AGG_NONE)
	{
		NEXT_OPTION();
		appendStringInfo(buf, "%s=%s", corm_agg_name(o->agg), o->agg_column);
	}
	if (o->inner)
	{
		NEXT_OPTION();
		appendStringInfoString(buf, "inner");
	}
	if (!any && o->given)
	{
		/* given but nothing else to show: offset=0 */
		NEXT_OPTION();
		appendStringInfo(buf, "offset=" INT64_FORMAT, o->offset);
	}
#undef NEXT_OPTION
	if (any)
		appendStringInfoChar(buf, ')');
	Assert(any || buf->len == start);
	(void) start;
}

/* One segment: key=relationship*N:strategy(options). */
static void
append_segment(StringInfo buf, const CormSpecNode *node)
{
	appendStringInfoString(buf, node->name);
	if (node->relationship)
		appendStringInfo(buf, "=%s", node->relationship);
	if (node->recursion < 0)
		appendStringInfoChar(buf, '*');
	else if (node->recursion > 0)
		appendStringInfo(buf, "*%d", node->recursion);
	if (node->strategy >= 0)
		appendStringInfo(buf, ":%s", corm_lazy_name((CormLazy) node->strategy));
	append_options(buf, &node->options);
}

static void
append_node(StringInfo buf, CormSpecNode *node)
{
	/* a chain of single children iteratively, branches recursively */
	for (;;)
	{
		append_segment(buf, node);
		if (list_length(node->children) != 1)
			break;
		appendStringInfoChar(buf, '.');
		node = (CormSpecNode *) linitial(node->children);
	}

	if (node->children != NIL)
	{
		ListCell   *lc;

		check_stack_depth();
		appendStringInfoString(buf, ".(");
		foreach(lc, node->children)
		{
			if (lc != list_head(node->children))
				appendStringInfoChar(buf, ',');
			append_node(buf, (CormSpecNode *) lfirst(lc));
		}
		appendStringInfoChar(buf, ')');
	}
}

/*
 * The tree as canonical text, for tests and debugging: top-level nodes
 * separated by ",", a single child after ".", several in a group ".( , )",
 * each segment as key=relationship*N:strategy(options), the options in the
 * order where, order_by, limit, offset, columns or exclude, the aggregate,
 * inner; e.g. books:selectin(limit=3).(reviews,n=reviews(count)),profile.
 * It parses back to the same tree.  NIL: "".
 */
char *
corm_load_spec_to_string(List *nodes)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, nodes)
	{
		if (lc != list_head(nodes))
			appendStringInfoChar(&buf, ',');
		append_node(&buf, (CormSpecNode *) lfirst(lc));
	}
	return buf.data;
}

/*
 * corm.parse_load_spec(spec text) RETURNS text: the parsed spec as
 * canonical text (NULL for NULL), or the parser's error.
 */
Datum
corm_parse_load_spec_sql(PG_FUNCTION_ARGS)
{
	List	   *nodes;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	nodes = corm_parse_load_spec(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	PG_RETURN_TEXT_P(cstring_to_text(corm_load_spec_to_string(nodes)));
}
