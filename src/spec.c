/*-------------------------------------------------------------------------
 *
 * spec.c
 *	  Parsing the load spec of corm_load(), corm_get() and corm_explain().
 *
 *	  spec    := path (',' path)*
 *	  path    := segment ('.' segment)*
 *	  segment := name [ '*' [N] ] [ ':' strategy ]
 *
 * Whitespace is free around every token.  A name is an identifier as
 * corm_check_attribute_name() allows for relationship names; a strategy is
 * one of select, joined, subquery, selectin, noload ("raise" is a registered
 * lazy setting only); N is a positive number of levels, '*' alone recurses
 * to the leaves.  The paths merge into one tree of CormSpecNodes: a node
 * named in several paths may be given its strategy (and its recursion
 * marker) in any one of them, but two different ones are a conflict.
 *
 * A pure module: no catalog access, so it can be tested and fuzzed alone.
 * Every error carries the 1-based byte position in the spec and a hint.
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
	"A load spec is a comma-separated list of paths of relationship names joined by \".\", each name optionally followed by * or *N and by :strategy, for example 'books:selectin.reviews, author'."
#define SPEC_NAME_HINT \
	"A relationship name starts with a letter or underscore and continues with letters, digits or underscores."
#define SPEC_MISSING_NAME_HINT \
	"Each path is one or more relationship names joined by \".\", and paths are separated by \",\": a name must come first and after every \".\" and \",\"."
#define SPEC_STRATEGY_HINT \
	"Use one of select, joined, subquery, selectin, noload."

/* A node of the tree, found by its parent (NULL at the top) and name. */
typedef struct SpecKey
{
	CormSpecNode *parent;
	char		name[NAMEDATALEN];
} SpecKey;

typedef struct SpecEntry
{
	SpecKey		key;			/* must be first */
	CormSpecNode *node;
} SpecEntry;

/* One segment as written, before it is merged into the tree. */
typedef struct SpecSegment
{
	char	   *name;
	int			position;
	int			strategy;
	int			strategy_position;
	int			recursion;
	int			recursion_position;
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
	else if (c == ':' && seg->strategy >= 0)
		hint = "A relationship name takes at most one loading strategy.";
	else if (c == '*' && seg->strategy >= 0)
		hint = "Write the recursion marker before the strategy, as in children*2:selectin.";
	else if (c == '*')
		hint = "A relationship name takes at most one recursion marker.";
	else if (is_name_char(c))
		hint = "Separate paths with \",\" and the relationship names of a path with \".\".";
	else if (seg->recursion != 0 && seg->strategy < 0)
		hint = "A recursion marker is \"*\" alone, to recurse to the leaves, or \"*N\" with a positive number N of levels.";
	else
		hint = SPEC_SYNTAX_HINT;

	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("unexpected character \"%s\" at position %d of load spec",
					char_display(p, offset), offset + 1),
			 errdetail("The load spec was \"%s\".", spec_excerpt(p, offset)),
			 errhint("%s", hint)));
}

/* Read one segment; on return, the next byte is '.', ',' or the end. */
static void
parse_segment(SpecParser *p, SpecSegment *seg)
{
	const char *s = p->spec;
	int			start;

	memset(seg, 0, sizeof(SpecSegment));
	seg->strategy = -1;

	/* name */
	skip_space(p);
	start = p->pos;
	if (p->pos >= p->len || strchr(".,:*", s[p->pos]) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("missing relationship name at position %d of load spec",
						start + 1),
				 errdetail("The load spec was \"%s\".", spec_excerpt(p, start)),
				 errhint(SPEC_MISSING_NAME_HINT)));
	if (is_digit(s[p->pos]))
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("relationship name at position %d of load spec starts with a digit",
						start + 1),
				 errdetail("The load spec was \"%s\".", spec_excerpt(p, start)),
				 errhint(SPEC_NAME_HINT)));
	if (!is_name_start(s[p->pos]))
		unexpected_char(p, start, NULL);
	while (p->pos < p->len && is_name_char(s[p->pos]))
		p->pos++;
	if (p->pos - start >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("relationship name at position %d of load spec is too long",
						start + 1),
				 errdetail("The load spec was \"%s\".", spec_excerpt(p, start)),
				 errhint("A relationship name is shorter than %d bytes.",
						 NAMEDATALEN)));
	seg->name = pnstrdup(s + start, p->pos - start);
	seg->position = start + 1;
	skip_space(p);

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
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("recursion depth at position %d of load spec is too large",
								digits + 1),
						 errdetail("The load spec was \"%s\".", spec_excerpt(p, digits)),
						 errhint("The largest depth is %d; write \"*\" alone to recurse to the leaves.",
								 INT_MAX)));
			if (n == 0)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("recursion depth at position %d of load spec must be at least 1",
								digits + 1),
						 errdetail("The load spec was \"%s\".", spec_excerpt(p, digits)),
						 errhint("Write \"*N\" for N levels, or \"*\" alone to recurse to the leaves; leave the marker out for one level.")));
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
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("missing loading strategy at position %d of load spec",
							word + 1),
					 errdetail("The load spec was \"%s\".", spec_excerpt(p, word)),
					 errhint("After \":\" comes a loading strategy: select, joined, subquery, selectin or noload.")));
		name = pnstrdup(s + word, p->pos - word);
		for (v = CORM_LAZY_SELECT; v <= CORM_LAZY_NOLOAD; v++)
			if (strcmp(name, corm_lazy_name((CormLazy) v)) == 0)
				break;
		if (v == CORM_LAZY_RAISE)
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("loading strategy \"raise\" at position %d of load spec is not allowed",
							word + 1),
					 errdetail("The load spec was \"%s\".", spec_excerpt(p, word)),
					 errhint("\"raise\" is only a registered lazy setting; in a load spec, use one of select, joined, subquery, selectin, noload.")));
		if (v > CORM_LAZY_NOLOAD)
		{
			bool		wrong_case = false;

			for (v = CORM_LAZY_SELECT; v <= CORM_LAZY_NOLOAD; v++)
				if (v != CORM_LAZY_RAISE &&
					pg_strcasecmp(name, corm_lazy_name((CormLazy) v)) == 0)
					wrong_case = true;
			ereport(ERROR,
					(errcode(ERRCODE_SYNTAX_ERROR),
					 errmsg("unknown loading strategy \"%s\" at position %d of load spec",
							word_display(p, word, p->pos - word), word + 1),
					 errdetail("The load spec was \"%s\".", spec_excerpt(p, word)),
					 wrong_case ?
					 errhint("Loading strategies are written in lower case: select, joined, subquery, selectin, noload.") :
					 errhint(SPEC_STRATEGY_HINT)));
		}
		seg->strategy = v;
		seg->strategy_position = word + 1;
		skip_space(p);
	}

	if (p->pos < p->len && s[p->pos] != '.' && s[p->pos] != ',')
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
		node->position = seg->position;
		node->strategy = seg->strategy;
		node->strategy_position = seg->strategy_position;
		node->recursion = seg->recursion;
		node->recursion_position = seg->recursion_position;
		node->children = NIL;
		entry->node = node;
		if (parent)
			parent->children = lappend(parent->children, node);
		else
			p->top = lappend(p->top, node);
		return node;
	}

	node = entry->node;
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
	return node;
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

	for (;;)
	{
		CormSpecNode *parent = NULL;

		/* one path */
		list_free(p.path);
		p.path = NIL;
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
		}
		if (p.pos >= p.len)
			break;
		Assert(p.spec[p.pos] == ',');
		p.pos++;
	}

	list_free(p.path);
	hash_destroy(p.nodes);
	return p.top;
}

static void
append_node(StringInfo buf, CormSpecNode *node)
{
	/* a chain of single children iteratively, branches recursively */
	for (;;)
	{
		appendStringInfoString(buf, node->name);
		if (node->recursion < 0)
			appendStringInfoChar(buf, '*');
		else if (node->recursion > 0)
			appendStringInfo(buf, "*%d", node->recursion);
		if (node->strategy >= 0)
			appendStringInfo(buf, ":%s", corm_lazy_name((CormLazy) node->strategy));
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
 * separated by ",", a single child after ".", several in ".( , )", e.g.
 * books:selectin.(reviews,publisher:joined),profile.  NIL: "".
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
