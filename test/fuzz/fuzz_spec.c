/*-------------------------------------------------------------------------
 *
 * fuzz_spec.c
 *	  libFuzzer target: the load spec parser of src/spec.c.
 *
 * Each input, up to its first NUL (a text value has none), is a load spec.
 * It is parsed by corm_parse_load_spec() with the database encoding set to
 * UTF8, SQL_ASCII and EUC_JP in turn (where the input is valid in that
 * encoding, as text in the server always is; UTF8 also when it is not, for
 * memory safety alone).  An ERROR is an expected outcome; a crash, a
 * sanitizer report or a violated invariant (abort()) is a bug.  Checked:
 *
 * - the outcome against a small reference parser written here from the
 *	 grammar in spec.h: the same tree (keys, relationships, strategies,
 *	 recursion markers, options, positions, children in order of first
 *	 appearance), or an ERROR of the same kind (syntax_error for the text,
 *	 invalid_parameter_value for options of one segment that exclude each
 *	 other, for conflicts between paths, and for the nodes
 *	 corm_spec_check_node() refuses) at the same position (none for the
 *	 last); the same in every encoding;
 * - the tree on its own: keys are identifiers shorter than NAMEDATALEN
 *	 found at their position in the spec, relationships other identifiers
 *	 after '=', strategies are select, joined, subquery, selectin or noload
 *	 (never raise) found at theirs, recursion markers are "*" or "*N" with
 *	 N >= 1 found at theirs, options are consistent (given when any is set,
 *	 column names identifiers, one aggregate with a column for all but
 *	 count, none of the combinations corm_spec_check_node() refuses),
 *	 siblings have distinct keys and increasing positions, no node is
 *	 shared;
 * - printing: corm_load_spec_to_string() output, read back by a parser of
 *	 the canonical form written here (options in their fixed order), is the
 *	 same tree; so is that text parsed again, and it prints the same; the
 *	 tree as a plain spec (one path per leaf, every segment with its alias
 *	 and markers, its options in the first path only, in another order and
 *	 with whitespace) parses to the same tree and prints the same;
 *	 corm.parse_load_spec() (the SQL-callable function) returns that text;
 * - ERRORs: a message with "position N of load spec", a detail and a hint,
 *	 no control characters, valid in the database encoding; for a syntax
 *	 error or options of a segment that exclude each other, the excerpt of
 *	 the spec around the position (all of a short spec) and the offending
 *	 character as shown; the parser leaves CurrentMemoryContext as it was,
 *	 and nothing outlives the input's memory context (pg_shim.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/memutils.h"

#include "corm.h"
#include "spec.h"
#include "pg_shim.h"

/* the SQL-callable corm.parse_load_spec(text), defined in spec.c */
extern Datum corm_parse_load_spec_sql(PG_FUNCTION_ARGS);

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Error details show the whole spec up to 80 bytes, else 30 on each side. */
#define EXCERPT_MAX			80
#define EXCERPT_CONTEXT		30

/* ----------------------------------------------------------------
 *	Reporting a violation
 * ----------------------------------------------------------------
 */

static const char *cur_spec;	/* the input being checked, for reports */
static int	cur_len;

static void
print_escaped(FILE *f, const char *s, int len)
{
	for (int i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, f);
		else
			fprintf(f, "\\x%02x", c);
	}
}

static void violation(int line, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();

static void
violation(int line, const char *fmt,...)
{
	va_list		ap;

	fflush(stdout);
	fprintf(stderr, "\n==fuzz_spec== INVARIANT VIOLATED (fuzz_spec.c:%d): ", line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n==fuzz_spec== database encoding: %s\n",
			GetDatabaseEncodingName());
	if (cur_spec)
	{
		fprintf(stderr, "==fuzz_spec== spec (%d bytes): \"", cur_len);
		print_escaped(stderr, cur_spec, cur_len);
		fprintf(stderr, "\"\n");
	}
	fflush(stderr);
	abort();
}

#define CHECK(cond, ...) \
	do { \
		if (unlikely(!(cond))) \
			violation(__LINE__, __VA_ARGS__); \
	} while (0)

/* ----------------------------------------------------------------
 *	The grammar's character classes and words, from spec.h
 * ----------------------------------------------------------------
 */

static bool
g_space(char c)
{
	/* the server's scanner_isspace(): not \v */
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool
g_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
g_name_start(char c)
{
	unsigned char u = (unsigned char) c;

	return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

static bool
g_name_char(char c)
{
	return g_name_start(c) || g_digit(c);
}

/* strategy words by CormLazy value; raise is never valid in a spec */
static const char *const strategy_words[] = {
	[CORM_LAZY_SELECT] = "select",
	[CORM_LAZY_JOINED] = "joined",
	[CORM_LAZY_SUBQUERY] = "subquery",
	[CORM_LAZY_SELECTIN] = "selectin",
	[CORM_LAZY_RAISE] = "raise",
	[CORM_LAZY_NOLOAD] = "noload",
};
#define N_STRATEGY_WORDS lengthof(strategy_words)

static bool
valid_spec_strategy(int v)
{
	return v >= 0 && v < (int) N_STRATEGY_WORDS && v != CORM_LAZY_RAISE;
}

/* the CormLazy of a word [s, s+len), or -1 (raise: -1 too) */
static int
strategy_of_word(const char *s, int len)
{
	for (int v = 0; v < (int) N_STRATEGY_WORDS; v++)
		if (valid_spec_strategy(v) && (int) strlen(strategy_words[v]) == len &&
			memcmp(strategy_words[v], s, len) == 0)
			return v;
	return -1;
}

static int
levels(int recursion)
{
	return recursion == 1 ? 0 : recursion;
}

/* ----------------------------------------------------------------
 *	Trees flattened in preorder: equal trees, equal arrays
 * ----------------------------------------------------------------
 */

/* The options of a node (CormSpecOptions), strings NUL-terminated. */
typedef struct FlatOptions
{
	bool		given;
	const char *where;			/* NULL: none */
	const char *order_by;
	bool		has_limit;
	int64		limit;
	int64		offset;
	bool		columns_given;
	bool		exclude;
	const char *columns;		/* the names joined by ",", NULL when NIL */
	int			agg;			/* CormAggKind */
	const char *agg_column;
	bool		inner;
} FlatOptions;

typedef struct Flat
{
	const char *name;			/* the key */
	int			namelen;
	const char *rel;			/* the relationship, NULL when none */
	int			rellen;
	int			position;
	int			strategy;
	int			strategy_position;
	int			recursion;
	int			recursion_position;
	FlatOptions o;
	int			parent;			/* index in the array, -1 at the top */
	int			nchildren;
	const void *node;			/* the CormSpecNode, for the spec's tree */
} Flat;

typedef struct FlatArray
{
	Flat	   *v;
	int			n;
	int			cap;
} FlatArray;

static Flat *
flat_push(FlatArray *a)
{
	if (a->n == a->cap)
	{
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = a->v ? repalloc(a->v, a->cap * sizeof(Flat)) : palloc(a->cap * sizeof(Flat));
	}
	memset(&a->v[a->n], 0, sizeof(Flat));
	a->v[a->n].strategy = -1;
	return &a->v[a->n++];
}

/* The names of a List of char *, joined by ","; NULL for NIL. */
static const char *
join_names(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	if (names == NIL)
		return NULL;
	CHECK(IsA(names, List), "a column list has node tag %d", (int) nodeTag(names));
	initStringInfo(&buf);
	foreach(lc, names)
	{
		CHECK(lfirst(lc) != NULL, "NULL column name in a list");
		if (buf.len > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfoString(&buf, (const char *) lfirst(lc));
	}
	return buf.data;
}

/*
 * The spec's tree in preorder, iteratively (a path may be thousands deep).
 * max_nodes bounds the walk: more nodes than segments means a cycle.
 */
static void
flatten_spec(List *top, int max_nodes, FlatArray *out)
{
	typedef struct Frame
	{
		List	   *list;
		int			next;
		int			parent;
	} Frame;
	Frame	   *stack;
	int			depth = 0;
	int			cap = 64;

	memset(out, 0, sizeof(FlatArray));
	if (top == NIL)
		return;
	CHECK(IsA(top, List), "top-level list has node tag %d", (int) nodeTag(top));
	stack = palloc(cap * sizeof(Frame));
	stack[0].list = top;
	stack[0].next = 0;
	stack[0].parent = -1;
	depth = 1;
	while (depth > 0)
	{
		Frame	   *f = &stack[depth - 1];
		CormSpecNode *node;
		const CormSpecOptions *o;
		Flat	   *fl;
		int			me;

		if (f->next >= list_length(f->list))
		{
			depth--;
			continue;
		}
		node = (CormSpecNode *) list_nth(f->list, f->next++);
		CHECK(node != NULL, "NULL node in a children list");
		CHECK(out->n < max_nodes, "more nodes than segments in the spec: a cycle?");
		me = out->n;
		fl = flat_push(out);
		fl->node = node;
		fl->name = node->name;
		fl->namelen = node->name ? (int) strlen(node->name) : -1;
		fl->rel = node->relationship;
		fl->rellen = node->relationship ? (int) strlen(node->relationship) : -1;
		fl->position = node->position;
		fl->strategy = node->strategy;
		fl->strategy_position = node->strategy_position;
		fl->recursion = node->recursion;
		fl->recursion_position = node->recursion_position;
		o = &node->options;
		fl->o.given = o->given;
		fl->o.where = o->where;
		fl->o.order_by = o->order_by;
		fl->o.has_limit = o->has_limit;
		fl->o.limit = o->limit;
		fl->o.offset = o->offset;
		fl->o.columns_given = o->columns_given;
		fl->o.exclude = o->exclude;
		fl->o.columns = join_names(o->columns);
		fl->o.agg = (int) o->agg;
		fl->o.agg_column = o->agg_column;
		fl->o.inner = o->inner;
		fl->parent = f->parent;
		fl->nchildren = list_length(node->children);
		if (node->children != NIL)
		{
			CHECK(IsA(node->children, List), "children of \"%s\" have node tag %d",
				  node->name, (int) nodeTag(node->children));
			if (depth == cap)
			{
				cap *= 2;
				stack = repalloc(stack, cap * sizeof(Frame));
			}
			stack[depth].list = node->children;
			stack[depth].next = 0;
			stack[depth].parent = me;
			depth++;
		}
	}
	pfree(stack);
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t	x = (uintptr_t) *(const void *const *) a;
	uintptr_t	y = (uintptr_t) *(const void *const *) b;

	return x < y ? -1 : x > y;
}

static int
cmp_sibling(const void *a, const void *b)
{
	const Flat *x = *(const Flat *const *) a;
	const Flat *y = *(const Flat *const *) b;

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool
same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *
show(const char *s)
{
	return s ? s : "(none)";
}

static void
compare_options(const Flat *x, const Flat *y, int i, const char *what)
{
	const FlatOptions *a = &x->o;
	const FlatOptions *b = &y->o;

	CHECK(a->given == b->given, "%s: node %d \"%.*s\": options given %d, expected %d",
		  what, i, x->namelen, x->name, b->given, a->given);
	CHECK(same_string(a->where, b->where) && same_string(a->order_by, b->order_by),
		  "%s: node %d \"%.*s\": where \"%s\" order_by \"%s\", expected \"%s\" and \"%s\"",
		  what, i, x->namelen, x->name, show(b->where), show(b->order_by),
		  show(a->where), show(a->order_by));
	CHECK(a->has_limit == b->has_limit && a->limit == b->limit && a->offset == b->offset,
		  "%s: node %d \"%.*s\": limit %d/" INT64_FORMAT " offset " INT64_FORMAT ", expected %d/" INT64_FORMAT " and " INT64_FORMAT,
		  what, i, x->namelen, x->name, b->has_limit, b->limit, b->offset,
		  a->has_limit, a->limit, a->offset);
	CHECK(a->columns_given == b->columns_given && a->exclude == b->exclude &&
		  same_string(a->columns, b->columns),
		  "%s: node %d \"%.*s\": columns %d/%d [%s], expected %d/%d [%s]",
		  what, i, x->namelen, x->name, b->columns_given, b->exclude, show(b->columns),
		  a->columns_given, a->exclude, show(a->columns));
	CHECK(a->agg == b->agg && same_string(a->agg_column, b->agg_column),
		  "%s: node %d \"%.*s\": aggregate %d of %s, expected %d of %s",
		  what, i, x->namelen, x->name, b->agg, show(b->agg_column), a->agg,
		  show(a->agg_column));
	CHECK(a->inner == b->inner, "%s: node %d \"%.*s\": inner %d, expected %d",
		  what, i, x->namelen, x->name, b->inner, a->inner);
}

/* Compare two flattened trees; positions too if with_positions. */
static void
compare_flat(const FlatArray *a, const FlatArray *b, bool with_positions,
			 const char *what)
{
	CHECK(a->n == b->n, "%s: %d nodes, expected %d", what, b->n, a->n);
	for (int i = 0; i < a->n; i++)
	{
		const Flat *x = &a->v[i];
		const Flat *y = &b->v[i];

		CHECK(x->namelen == y->namelen && memcmp(x->name, y->name, x->namelen) == 0,
			  "%s: node %d is \"%.*s\", expected \"%.*s\"", what, i,
			  y->namelen, y->name, x->namelen, x->name);
		CHECK((x->rel == NULL) == (y->rel == NULL) &&
			  (x->rel == NULL || (x->rellen == y->rellen &&
								  memcmp(x->rel, y->rel, x->rellen) == 0)),
			  "%s: node %d \"%.*s\" loads \"%.*s\", expected \"%.*s\"", what, i,
			  x->namelen, x->name, y->rel ? y->rellen : 6, y->rel ? y->rel : "(self)",
			  x->rel ? x->rellen : 6, x->rel ? x->rel : "(self)");
		CHECK(x->parent == y->parent && x->nchildren == y->nchildren,
			  "%s: node %d \"%.*s\" has parent %d and %d children, expected parent %d and %d",
			  what, i, x->namelen, x->name, y->parent, y->nchildren, x->parent, x->nchildren);
		CHECK(x->strategy == y->strategy,
			  "%s: node %d \"%.*s\" has strategy %d, expected %d", what, i,
			  x->namelen, x->name, y->strategy, x->strategy);
		CHECK(x->recursion == y->recursion,
			  "%s: node %d \"%.*s\" has recursion %d, expected %d", what, i,
			  x->namelen, x->name, y->recursion, x->recursion);
		compare_options(x, y, i, what);
		if (with_positions)
			CHECK(x->position == y->position &&
				  x->strategy_position == y->strategy_position &&
				  x->recursion_position == y->recursion_position,
				  "%s: node %d \"%.*s\" at positions %d/%d/%d (name/strategy/recursion), expected %d/%d/%d",
				  what, i, x->namelen, x->name,
				  y->position, y->strategy_position, y->recursion_position,
				  x->position, x->strategy_position, x->recursion_position);
	}
}

/* ----------------------------------------------------------------
 *	The reference parser, from the grammar in spec.h
 *
 *	  spec    := path (',' path)*
 *	  path    := segment ('.' segment)* [ '.' group ]
 *	  group   := '(' path (',' path)* ')'
 *	  segment := [ key '=' ] name [ '*' [N] ] [ ':' strategy ]
 *				 [ '(' option (',' option)* ')' ]
 *	  option  := word [ '=' value ]
 *	  value   := integer | string | word | '[' [ word (',' word)* ] ']'
 *
 * Whitespace free around every token; names, keys and column names of
 * fewer than NAMEDATALEN bytes; N in 1..INT_MAX; options as spec.c lists
 * them.  Paths merge by key, a node taking its strategy and its recursion
 * marker from any path, two different ones being a conflict ("*1" the same
 * as none, the explicit one kept), its options from one segment only (two
 * option lists: a conflict, even when the same), its relationship the same
 * in every segment (none: the key's own name).  Then every node's options
 * are checked as corm_spec_check_node() does.  Errors at the 1-based
 * position the message gives: of the offending token (of the digits of a
 * bad N, of the strategy word, of the second strategy, of the second
 * recursion marker or of the name when it has none, of the second
 * relationship or of the key when it has none, of the second option list's
 * '(', of the option's name when it is unknown, given twice, in conflict
 * with another one of its list, or lacks its value; of a value of the
 * wrong kind, bad or too large), except that an unterminated string, list,
 * option list or group is reported at its opening character.
 * ----------------------------------------------------------------
 */

enum
{
	REF_OK,
	REF_SYNTAX,					/* 42601, the excerpt in the detail */
	REF_INVALID,				/* 22023, options of one segment: the excerpt */
	REF_CONFLICT,				/* 22023, between paths */
	REF_CHECK					/* 22023, corm_spec_check_node(): no position */
};

typedef struct RefNode
{
	Flat		f;				/* parent: index of the parent RefNode */
	int			first_child;
	int			last_child;
	int			next_sibling;
	bool		has_options;	/* an option list was given for it */
} RefNode;

typedef struct RefTree
{
	RefNode    *v;
	int			n;
	int			cap;
	int			first_top;
	int			last_top;
	int			outcome;
	int			errpos;
} RefTree;

/* One segment as read. */
typedef struct RefSegment
{
	Flat		f;
	int			rel_position;	/* of the relationship, or of the key */
	bool		has_options;
	int			options_position;	/* of the '(' of the option list */
} RefSegment;

typedef struct RefParser
{
	const char *s;
	int			len;
	int			pos;
	RefTree    *t;
} RefParser;

/* option names, in the order of spec.c's SpecOptionId (not used for it) */
enum
{
	OPT_WHERE, OPT_ORDER_BY, OPT_LIMIT, OPT_OFFSET, OPT_COLUMNS, OPT_EXCLUDE,
	OPT_COUNT, OPT_SUM, OPT_AVG, OPT_MIN, OPT_MAX, OPT_INNER, N_OPTS
};
static const char *const option_words[N_OPTS] = {
	"where", "order_by", "limit", "offset", "columns", "exclude",
	"count", "sum", "avg", "min", "max", "inner"
};

static void
ref_skip(RefParser *r)
{
	while (r->pos < r->len && g_space(r->s[r->pos]))
		r->pos++;
}

static bool
ref_fail(RefParser *r, int outcome, int pos)
{
	r->t->outcome = outcome;
	r->t->errpos = pos;
	return false;
}

/* a name after whitespace: its start, or -1 (failed) */
static int
ref_name(RefParser *r)
{
	const char *s = r->s;
	int			start;

	ref_skip(r);
	if (r->pos >= r->len || !g_name_start(s[r->pos]))	/* digits included */
	{
		ref_fail(r, REF_SYNTAX, r->pos + 1);
		return -1;
	}
	start = r->pos;
	while (r->pos < r->len && g_name_char(s[r->pos]))
		r->pos++;
	if (r->pos - start >= NAMEDATALEN)
	{
		ref_fail(r, REF_SYNTAX, start + 1);
		return -1;
	}
	return start;
}

/* a word at r->pos (a name start): palloc'd; NULL (failed) if too long */
static char *
ref_column(RefParser *r, int errpos)
{
	int			start = r->pos;

	while (r->pos < r->len && g_name_char(r->s[r->pos]))
		r->pos++;
	if (r->pos - start >= NAMEDATALEN)
	{
		ref_fail(r, REF_SYNTAX, errpos + 1);
		return NULL;
	}
	return pnstrdup(r->s + start, r->pos - start);
}

static bool
ref_options(RefParser *r, RefSegment *seg)
{
	const char *s = r->s;
	FlatOptions *o = &seg->f.o;
	int			open = r->pos;
	bool		given[N_OPTS] = {0};

	seg->has_options = true;
	seg->options_position = open + 1;
	r->pos++;					/* '(' */
	for (;;)
	{
		int			word;
		int			id;
		int			v = -1;
		char		c;

		ref_skip(r);
		if (r->pos >= r->len)
			return ref_fail(r, REF_SYNTAX, open + 1);
		if (!g_name_start(s[r->pos]))
			return ref_fail(r, REF_SYNTAX, r->pos + 1);
		word = r->pos;
		while (r->pos < r->len && g_name_char(s[r->pos]))
			r->pos++;
		for (id = 0; id < N_OPTS; id++)
			if ((int) strlen(option_words[id]) == r->pos - word &&
				memcmp(option_words[id], s + word, r->pos - word) == 0)
				break;
		if (id == N_OPTS)
			return ref_fail(r, REF_SYNTAX, word + 1);
		if (given[id] ||
			(id == OPT_COLUMNS && given[OPT_EXCLUDE]) ||
			(id == OPT_EXCLUDE && given[OPT_COLUMNS]))
			return ref_fail(r, REF_INVALID, word + 1);
		given[id] = true;
		ref_skip(r);
		if (r->pos < r->len && s[r->pos] == '=')
		{
			bool		want;

			r->pos++;
			ref_skip(r);
			v = r->pos;
			if (v >= r->len)
				return ref_fail(r, REF_SYNTAX, v + 1);
			c = s[v];
			switch (id)
			{
				case OPT_WHERE:
				case OPT_ORDER_BY:
					want = c == '\'';
					break;
				case OPT_LIMIT:
				case OPT_OFFSET:
					want = g_digit(c);
					break;
				case OPT_COLUMNS:
				case OPT_EXCLUDE:
					want = c == '[';
					break;
				default:
					want = g_name_start(c);
					break;
			}
			if (!want)			/* missing, bad or of another kind */
				return ref_fail(r, REF_SYNTAX, v + 1);
		}
		else if (id != OPT_COUNT && id != OPT_INNER)
			return ref_fail(r, REF_SYNTAX, word + 1);	/* needs a value */

		switch (id)
		{
			case OPT_WHERE:
			case OPT_ORDER_BY:
				{
					StringInfoData buf;

					initStringInfo(&buf);
					r->pos++;
					for (;;)
					{
						if (r->pos >= r->len)
							return ref_fail(r, REF_SYNTAX, v + 1);
						if (s[r->pos] == '\'')
						{
							if (r->pos + 1 < r->len && s[r->pos + 1] == '\'')
							{
								appendStringInfoChar(&buf, '\'');
								r->pos += 2;
								continue;
							}
							r->pos++;
							break;
						}
						appendStringInfoChar(&buf, s[r->pos++]);
					}
					if (id == OPT_WHERE)
						o->where = buf.data;
					else
						o->order_by = buf.data;
					o->given = true;
				}
				break;
			case OPT_LIMIT:
			case OPT_OFFSET:
				{
					int64		n = 0;
					bool		over = false;

					for (; r->pos < r->len && g_digit(s[r->pos]); r->pos++)
					{
						int			d = s[r->pos] - '0';

						if (over || n > (PG_INT64_MAX - d) / 10)
							over = true;
						else
							n = n * 10 + d;
					}
					if (over)
						return ref_fail(r, REF_SYNTAX, v + 1);
					if (id == OPT_LIMIT)
					{
						o->limit = (int64) n;
						o->has_limit = true;
					}
					else
						o->offset = (int64) n;
					o->given = true;
				}
				break;
			case OPT_COLUMNS:
			case OPT_EXCLUDE:
				{
					StringInfoData buf;
					int			count = 0;

					initStringInfo(&buf);
					r->pos++;
					ref_skip(r);
					if (r->pos < r->len && s[r->pos] == ']')
						r->pos++;
					else
						for (;;)
						{
							char	   *name;

							ref_skip(r);
							if (r->pos >= r->len)
								return ref_fail(r, REF_SYNTAX, v + 1);
							if (!g_name_start(s[r->pos]))
								return ref_fail(r, REF_SYNTAX, r->pos + 1);
							name = ref_column(r, r->pos);
							if (!name)
								return false;
							if (count++ > 0)
								appendStringInfoChar(&buf, ',');
							appendStringInfoString(&buf, name);
							ref_skip(r);
							if (r->pos >= r->len)
								return ref_fail(r, REF_SYNTAX, v + 1);
							c = s[r->pos++];
							if (c == ']')
								break;
							if (c != ',')
								return ref_fail(r, REF_SYNTAX, r->pos);
						}
					o->columns = count > 0 ? buf.data : NULL;
					o->columns_given = true;
					o->exclude = id == OPT_EXCLUDE;
					o->given = true;
				}
				break;
			default:
				{
					bool		on = true;
					char	   *column = NULL;

					if (id == OPT_COUNT || id == OPT_INNER)
					{
						if (v >= 0)
						{
							int			w = r->pos;

							while (r->pos < r->len && g_name_char(s[r->pos]))
								r->pos++;
							if (r->pos - w == 4 && memcmp(s + w, "true", 4) == 0)
								on = true;
							else if (r->pos - w == 5 && memcmp(s + w, "false", 5) == 0)
								on = false;
							else
								return ref_fail(r, REF_SYNTAX, v + 1);
						}
						if (!on)
							break;
						if (id == OPT_INNER)
						{
							o->inner = true;
							o->given = true;
							break;
						}
					}
					if (o->agg != CORM_AGG_NONE)
						return ref_fail(r, REF_INVALID, word + 1);
					if (id != OPT_COUNT)
					{
						column = ref_column(r, v);
						if (!column)
							return false;
					}
					o->agg = id == OPT_COUNT ? CORM_AGG_COUNT :
						id == OPT_SUM ? CORM_AGG_SUM :
						id == OPT_AVG ? CORM_AGG_AVG :
						id == OPT_MIN ? CORM_AGG_MIN : CORM_AGG_MAX;
					o->agg_column = column;
					o->given = true;
				}
				break;
		}
		ref_skip(r);
		if (r->pos >= r->len)
			return ref_fail(r, REF_SYNTAX, open + 1);
		c = s[r->pos++];
		if (c == ')')
			return true;
		if (c != ',')
			return ref_fail(r, REF_SYNTAX, r->pos);
	}
}

static bool
ref_segment(RefParser *r, RefSegment *seg)
{
	const char *s = r->s;
	int			start;

	memset(seg, 0, sizeof(RefSegment));
	seg->f.strategy = -1;
	start = ref_name(r);
	if (start < 0)
		return false;
	seg->f.name = s + start;
	seg->f.namelen = r->pos - start;
	seg->f.position = start + 1;
	seg->rel_position = start + 1;
	ref_skip(r);

	if (r->pos < r->len && s[r->pos] == '=')
	{
		int			rel;

		r->pos++;
		rel = ref_name(r);
		if (rel < 0)
			return false;
		if (r->pos - rel != seg->f.namelen ||
			memcmp(s + rel, seg->f.name, seg->f.namelen) != 0)
		{
			seg->f.rel = s + rel;
			seg->f.rellen = r->pos - rel;
		}
		seg->rel_position = rel + 1;
		ref_skip(r);
	}

	if (r->pos < r->len && s[r->pos] == '*')
	{
		seg->f.recursion = -1;
		seg->f.recursion_position = r->pos + 1;
		r->pos++;
		ref_skip(r);
		if (r->pos < r->len && g_digit(s[r->pos]))
		{
			int			digits = r->pos;
			long long	n = 0;

			for (; r->pos < r->len && g_digit(s[r->pos]); r->pos++)
				if (n <= INT_MAX)
					n = n * 10 + (s[r->pos] - '0');
			if (n > INT_MAX || n == 0)
				return ref_fail(r, REF_SYNTAX, digits + 1);
			seg->f.recursion = (int) n;
		}
		ref_skip(r);
	}

	if (r->pos < r->len && s[r->pos] == ':')
	{
		int			word;

		r->pos++;
		ref_skip(r);
		word = r->pos;
		while (r->pos < r->len && g_name_char(s[r->pos]))
			r->pos++;
		seg->f.strategy = strategy_of_word(s + word, r->pos - word);
		if (seg->f.strategy < 0)	/* empty, raise or unknown */
			return ref_fail(r, REF_SYNTAX, word + 1);
		seg->f.strategy_position = word + 1;
		ref_skip(r);
	}

	if (r->pos < r->len && s[r->pos] == '(')
	{
		if (!ref_options(r, seg))
			return false;
		ref_skip(r);
	}

	if (r->pos < r->len && s[r->pos] != '.' && s[r->pos] != ',' && s[r->pos] != ')')
		return ref_fail(r, REF_SYNTAX, r->pos + 1);
	return true;
}

static bool
same_rel(const char *a, int alen, const char *b, int blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* merge seg below parent (-1: the top): the node's index, or -1 (failed) */
static int
ref_merge(RefParser *r, int parent, const RefSegment *seg)
{
	RefTree    *t = r->t;
	int			child;
	RefNode    *node;

	child = parent < 0 ? t->first_top : t->v[parent].first_child;
	for (; child >= 0; child = t->v[child].next_sibling)
		if (t->v[child].f.namelen == seg->f.namelen &&
			memcmp(t->v[child].f.name, seg->f.name, seg->f.namelen) == 0)
			break;
	if (child < 0)
	{
		if (t->n == t->cap)
		{
			t->cap = t->cap ? t->cap * 2 : 16;
			t->v = t->v ? repalloc(t->v, t->cap * sizeof(RefNode)) :
				palloc(t->cap * sizeof(RefNode));
		}
		child = t->n++;
		node = &t->v[child];
		node->f = seg->f;
		node->f.parent = parent;
		node->f.nchildren = 0;
		node->first_child = node->last_child = node->next_sibling = -1;
		node->has_options = seg->has_options;
		if (parent < 0)
		{
			if (t->last_top >= 0)
				t->v[t->last_top].next_sibling = child;
			else
				t->first_top = child;
			t->last_top = child;
		}
		else
		{
			RefNode    *p = &t->v[parent];

			if (p->last_child >= 0)
				t->v[p->last_child].next_sibling = child;
			else
				p->first_child = child;
			p->last_child = child;
			p->f.nchildren++;
		}
		return child;
	}

	node = &t->v[child];
	if (!same_rel(node->f.rel ? node->f.rel : node->f.name,
				  node->f.rel ? node->f.rellen : node->f.namelen,
				  seg->f.rel ? seg->f.rel : seg->f.name,
				  seg->f.rel ? seg->f.rellen : seg->f.namelen))
	{
		ref_fail(r, REF_CONFLICT, seg->rel_position);
		return -1;
	}
	if (seg->f.strategy >= 0)
	{
		if (node->f.strategy < 0)
		{
			node->f.strategy = seg->f.strategy;
			node->f.strategy_position = seg->f.strategy_position;
		}
		else if (node->f.strategy != seg->f.strategy)
		{
			ref_fail(r, REF_CONFLICT, seg->f.strategy_position);
			return -1;
		}
	}
	if (levels(seg->f.recursion) != levels(node->f.recursion))
	{
		ref_fail(r, REF_CONFLICT,
				 seg->f.recursion ? seg->f.recursion_position : seg->f.position);
		return -1;
	}
	if (node->f.recursion == 0 && seg->f.recursion != 0)
	{
		node->f.recursion = seg->f.recursion;
		node->f.recursion_position = seg->f.recursion_position;
	}
	if (seg->has_options)
	{
		if (node->has_options)
		{
			ref_fail(r, REF_CONFLICT, seg->options_position);
			return -1;
		}
		node->f.o = seg->f.o;
		node->has_options = true;
	}
	return child;
}

/* The checks of corm_spec_check_node(), on every node. */
static bool
ref_check(RefParser *r)
{
	RefTree    *t = r->t;

	for (int i = 0; i < t->n; i++)
	{
		const RefNode *node = &t->v[i];
		const FlatOptions *o = &node->f.o;

		bool		recursive = node->f.recursion != 0 && node->f.recursion != 1;

		if (o->agg != CORM_AGG_NONE &&
			(o->has_limit || o->offset > 0 || o->order_by || o->columns_given ||
			 recursive || node->first_child >= 0))
			return ref_fail(r, REF_CHECK, -1);
		if (o->inner && recursive)
			return ref_fail(r, REF_CHECK, -1);
		if (node->f.strategy == CORM_LAZY_NOLOAD && o->given)
			return ref_fail(r, REF_CHECK, -1);
	}
	return true;
}

static bool
ref_parse(const char *s, int len, RefTree *t)
{
	RefParser	r;
	int		   *groups;			/* offsets of the open groups' '(' */
	int		   *group_parent;	/* the node each is below */
	int			ngroups = 0;

	memset(t, 0, sizeof(RefTree));
	t->first_top = t->last_top = -1;
	t->outcome = REF_OK;
	r.s = s;
	r.len = len;
	r.pos = 0;
	r.t = t;
	ref_skip(&r);
	if (r.pos >= len)
		return true;
	groups = palloc((len + 1) * sizeof(int));
	group_parent = palloc((len + 1) * sizeof(int));
	for (;;)
	{
		int			parent = ngroups > 0 ? group_parent[ngroups - 1] : -1;
		bool		group = false;

		for (;;)
		{
			RefSegment seg;

			if (!ref_segment(&r, &seg))
				return false;
			parent = ref_merge(&r, parent, &seg);
			if (parent < 0)
				return false;
			if (r.pos < len && s[r.pos] == '.')
			{
				r.pos++;
				ref_skip(&r);
				if (r.pos < len && s[r.pos] == '(')
				{
					groups[ngroups] = r.pos;
					group_parent[ngroups] = parent;
					ngroups++;
					r.pos++;
					group = true;
					break;
				}
				continue;
			}
			break;
		}
		if (group)
			continue;
		while (r.pos < len && s[r.pos] == ')')
		{
			if (ngroups == 0)
				return ref_fail(&r, REF_SYNTAX, r.pos + 1);
			ngroups--;
			r.pos++;
			ref_skip(&r);
			if (r.pos < len && s[r.pos] != ',' && s[r.pos] != ')')
				return ref_fail(&r, REF_SYNTAX, r.pos + 1);
		}
		if (r.pos >= len)
		{
			if (ngroups > 0)
				return ref_fail(&r, REF_SYNTAX, groups[ngroups - 1] + 1);
			break;
		}
		r.pos++;				/* ',' */
	}
	return ref_check(&r);
}

/* The reference tree in preorder. */
static void
flatten_ref(RefTree *t, FlatArray *out)
{
	int		   *index = palloc((t->n + 1) * sizeof(int));	/* RefNode -> Flat */
	int			cur = t->first_top;

	memset(out, 0, sizeof(FlatArray));
	while (cur >= 0)
	{
		RefNode    *node = &t->v[cur];
		Flat	   *fl;

		index[cur] = out->n;
		fl = flat_push(out);
		*fl = node->f;
		fl->parent = node->f.parent >= 0 ? index[node->f.parent] : -1;

		/* next in preorder: first child, else next sibling of self or an ancestor */
		if (node->first_child >= 0)
			cur = node->first_child;
		else
		{
			while (cur >= 0 && t->v[cur].next_sibling < 0)
				cur = t->v[cur].f.parent;
			if (cur >= 0)
				cur = t->v[cur].next_sibling;
		}
	}
	pfree(index);
}

/* ----------------------------------------------------------------
 *	Invariants of a parsed tree, on its own
 * ----------------------------------------------------------------
 */


/* an identifier of fewer than NAMEDATALEN bytes, [s, s+len) */
static bool
is_identifier(const char *s, int len)
{
	if (len < 1 || len >= NAMEDATALEN || !g_name_start(s[0]))
		return false;
	for (int k = 1; k < len; k++)
		if (!g_name_char(s[k]))
			return false;
	return true;
}

/* The options of a node, on their own. */
static void
check_options(const Flat *f)
{
	const FlatOptions *o = &f->o;

	if (!o->given)
		CHECK(!o->where && !o->order_by && !o->has_limit && o->offset == 0 &&
			  !o->columns_given && o->agg == CORM_AGG_NONE && !o->inner,
			  "node \"%s\" has options, but not given", f->name);
	CHECK(o->limit >= 0 && o->offset >= 0 && (o->has_limit || o->limit == 0),
		  "node \"%s\": limit %d/" INT64_FORMAT ", offset " INT64_FORMAT,
		  f->name, o->has_limit, o->limit, o->offset);
	CHECK(o->columns_given || (!o->exclude && !o->columns),
		  "node \"%s\": columns without columns_given", f->name);
	if (o->columns)
	{
		const char *c = o->columns;

		for (;;)
		{
			const char *comma = strchr(c, ',');
			int			l = comma ? (int) (comma - c) : (int) strlen(c);

			CHECK(is_identifier(c, l), "node \"%s\": column name \"%.*s\"", f->name, l, c);
			if (!comma)
				break;
			c = comma + 1;
		}
	}
	CHECK(o->agg >= CORM_AGG_NONE && o->agg <= CORM_AGG_MAX,
		  "node \"%s\": aggregate %d", f->name, o->agg);
	if (o->agg == CORM_AGG_NONE || o->agg == CORM_AGG_COUNT)
		CHECK(o->agg_column == NULL, "node \"%s\": %s of \"%s\"", f->name,
			  corm_agg_name((CormAggKind) o->agg), o->agg_column);
	else
		CHECK(o->agg_column && is_identifier(o->agg_column, strlen(o->agg_column)),
			  "node \"%s\": %s of \"%s\"", f->name, corm_agg_name((CormAggKind) o->agg),
			  show(o->agg_column));
	/* what corm_spec_check_node() refuses */
	if (o->agg != CORM_AGG_NONE)
		CHECK(!o->has_limit && o->offset == 0 && !o->order_by && !o->columns_given &&
			  f->recursion == 0 && f->nchildren == 0,
			  "node \"%s\": an aggregate with options it excludes", f->name);
	CHECK(f->strategy != CORM_LAZY_NOLOAD || !o->given,
		  "node \"%s\": noload with options", f->name);
}

static void
check_tree(const FlatArray *a, const char *s, int len)
{
	const void **ptrs;
	const Flat **sorted;
	int			last_top_position = 0;
	int		   *last_child_position;

	for (int i = 0; i < a->n; i++)
	{
		const Flat *f = &a->v[i];
		int			p;

		/* the name: an identifier, at its position */
		CHECK(f->name != NULL, "node %d has no name", i);
		CHECK(f->namelen >= 1 && f->namelen < NAMEDATALEN,
			  "node %d has a name of %d bytes", i, f->namelen);
		CHECK(g_name_start(f->name[0]), "node %d name starts with 0x%02x", i,
			  (unsigned char) f->name[0]);
		for (int k = 0; k < f->namelen; k++)
			CHECK(g_name_char(f->name[k]), "node %d name has byte 0x%02x", i,
				  (unsigned char) f->name[k]);
		CHECK(f->position >= 1 && f->position + f->namelen - 1 <= len,
			  "node \"%s\" at position %d, outside the spec", f->name, f->position);
		p = f->position - 1;
		CHECK(memcmp(s + p, f->name, f->namelen) == 0 &&
			  (p == 0 || !g_name_char(s[p - 1])) &&
			  (p + f->namelen == len || !g_name_char(s[p + f->namelen])),
			  "node \"%s\": the spec at position %d is not that name", f->name, f->position);

		/* the relationship: another identifier, after '=' */
		if (f->rel)
		{
			const char *eq;

			CHECK(is_identifier(f->rel, f->rellen) &&
				  (f->rellen != f->namelen || memcmp(f->rel, f->name, f->namelen) != 0),
				  "node \"%s\" loads \"%.*s\"", f->name, f->rellen, f->rel);
			eq = s + p + f->namelen;
			while (eq < s + len && g_space(*eq))
				eq++;
			CHECK(eq < s + len && *eq == '=', "node \"%s\": an alias without '='", f->name);
		}
		check_options(f);

		/* the strategy: a valid one, at its position after ':' */
		CHECK(f->strategy == -1 || valid_spec_strategy(f->strategy),
			  "node \"%s\" has strategy %d", f->name, f->strategy);
		CHECK((f->strategy < 0) == (f->strategy_position == 0),
			  "node \"%s\": strategy %d at position %d", f->name, f->strategy,
			  f->strategy_position);
		if (f->strategy >= 0)
		{
			const char *w = strategy_words[f->strategy];
			int			wl = strlen(w);
			int			q = f->strategy_position - 1;

			CHECK(q >= f->position + f->namelen,	/* after the name and ':' */
				  "node \"%s\" at %d: strategy position %d", f->name, f->position,
				  f->strategy_position);
			CHECK(q + wl <= len && memcmp(s + q, w, wl) == 0 &&
				  (q + wl == len || !g_name_char(s[q + wl])),
				  "node \"%s\": the spec at position %d is not strategy \"%s\"",
				  f->name, f->strategy_position, w);
			do
				q--;
			while (q >= 0 && g_space(s[q]));
			CHECK(q >= 0 && s[q] == ':', "node \"%s\": no ':' before strategy at position %d",
				  f->name, f->strategy_position);
		}

		/* the recursion marker: '*' or '*N', at its position */
		CHECK(f->recursion >= -1, "node \"%s\" has recursion %d", f->name, f->recursion);
		CHECK((f->recursion == 0) == (f->recursion_position == 0),
			  "node \"%s\": recursion %d at position %d", f->name, f->recursion,
			  f->recursion_position);
		if (f->recursion != 0)
		{
			int			q = f->recursion_position - 1;
			long long	n = 0;

			CHECK(q >= f->position - 1 + f->namelen && q < len && s[q] == '*',
				  "node \"%s\": no '*' at recursion position %d", f->name,
				  f->recursion_position);
			for (q++; q < len && g_space(s[q]); q++)
				;
			for (; q < len && g_digit(s[q]) && n <= INT_MAX; q++)
				n = n * 10 + (s[q] - '0');
			CHECK(f->recursion == (n == 0 ? -1 : n),
				  "node \"%s\": recursion %d, but the marker at position %d reads %lld",
				  f->name, f->recursion, f->recursion_position, n);
		}

		/* the parent comes first, and is named before */
		CHECK(f->parent >= -1 && f->parent < i, "node %d has parent %d", i, f->parent);
		if (f->parent >= 0)
			CHECK(f->position > a->v[f->parent].position,
				  "node \"%s\" at position %d, its parent \"%s\" at %d",
				  f->name, f->position, a->v[f->parent].name, a->v[f->parent].position);
	}

	/* siblings in order of first appearance */
	last_child_position = palloc0((a->n + 1) * sizeof(int));
	for (int i = 0; i < a->n; i++)
	{
		const Flat *f = &a->v[i];
		int		   *last = f->parent >= 0 ? &last_child_position[f->parent] : &last_top_position;

		CHECK(f->position > *last, "node \"%s\" at position %d after a sibling at %d",
			  f->name, f->position, *last);
		*last = f->position;
	}
	pfree(last_child_position);

	if (a->n < 2)
		return;

	/* no node shared, no two siblings of the same name */
	ptrs = palloc(a->n * sizeof(void *));
	sorted = palloc(a->n * sizeof(Flat *));
	for (int i = 0; i < a->n; i++)
	{
		ptrs[i] = a->v[i].node;
		sorted[i] = &a->v[i];
	}
	qsort(ptrs, a->n, sizeof(void *), cmp_ptr);
	for (int i = 1; i < a->n; i++)
		CHECK(ptrs[i] != ptrs[i - 1], "a node appears twice in the tree");
	qsort(sorted, a->n, sizeof(Flat *), cmp_sibling);
	for (int i = 1; i < a->n; i++)
		CHECK(cmp_sibling(&sorted[i], &sorted[i - 1]) != 0,
			  "two siblings named \"%s\"", sorted[i]->name);
	pfree(ptrs);
	pfree(sorted);
}

/* ----------------------------------------------------------------
 *	The canonical text, read back
 *
 *	  list    := node (',' node)*
 *	  node    := segment [ '.' node | '.(' node (',' node)+ ')' ]
 *	  segment := key [ '=' name ] [ '*' [N] ] [ ':' strategy ]
 *				 [ '(' option (',' option)* ')' ]
 *
 * No whitespace; the options in the order where, order_by, limit, offset,
 * columns or exclude, the aggregate (count alone), inner (alone), each once;
 * offset=0 only alone (a node given options that all are defaults).
 * ----------------------------------------------------------------
 */

typedef struct CanonReader
{
	const char *s;
	int			len;
	int			pos;
	FlatArray  *out;
} CanonReader;

static void canon_list(CanonReader *r, int parent, bool parenthesized);

static bool
canon_at(CanonReader *r, char c)
{
	return r->pos < r->len && r->s[r->pos] == c;
}

static void
canon_expect(CanonReader *r, char c)
{
	CHECK(canon_at(r, c), "canonical text \"%s\": no '%c' at offset %d", r->s, c, r->pos);
	r->pos++;
}

/* a name: its start; its length in *len */
static int
canon_word(CanonReader *r, int *len)
{
	int			start = r->pos;

	while (r->pos < r->len && g_name_char(r->s[r->pos]))
		r->pos++;
	CHECK(is_identifier(r->s + start, r->pos - start),
		  "canonical text \"%s\": no name at offset %d", r->s, start);
	*len = r->pos - start;
	return start;
}

static char *
canon_string(CanonReader *r)
{
	StringInfoData buf;

	canon_expect(r, '\'');
	initStringInfo(&buf);
	for (;;)
	{
		CHECK(r->pos < r->len, "canonical text \"%s\": unterminated string", r->s);
		if (r->s[r->pos] == '\'')
		{
			if (r->pos + 1 < r->len && r->s[r->pos + 1] == '\'')
			{
				appendStringInfoChar(&buf, '\'');
				r->pos += 2;
				continue;
			}
			r->pos++;
			return buf.data;
		}
		appendStringInfoChar(&buf, r->s[r->pos++]);
	}
}

static int64
canon_integer(CanonReader *r)
{
	int			start = r->pos;
	int64		n = 0;

	while (r->pos < r->len && g_digit(r->s[r->pos]))
	{
		int			d = r->s[r->pos] - '0';

		CHECK(n <= (PG_INT64_MAX - d) / 10, "canonical text \"%s\": integer too large at offset %d",
			  r->s, start);
		n = n * 10 + d;
		r->pos++;
	}
	CHECK(r->pos > start && (r->s[start] != '0' || r->pos == start + 1),
		  "canonical text \"%s\": bad integer at offset %d", r->s, start);
	return n;
}

static void
canon_options(CanonReader *r, FlatOptions *o)
{
	int			last = -1;
	int			count = 0;
	bool		offset0 = false;

	canon_expect(r, '(');
	for (;;)
	{
		int			len;
		int			word = canon_word(r, &len);
		int			id;

		for (id = 0; id < N_OPTS; id++)
			if ((int) strlen(option_words[id]) == len &&
				memcmp(option_words[id], r->s + word, len) == 0)
				break;
		CHECK(id < N_OPTS, "canonical text \"%s\": unknown option at offset %d", r->s, word);
		CHECK(id > last && !(id == OPT_EXCLUDE && last == OPT_COLUMNS) &&
			  !(id > OPT_COUNT && id <= OPT_MAX && last >= OPT_COUNT),
			  "canonical text \"%s\": option out of order at offset %d", r->s, word);
		last = id;
		count++;
		o->given = true;
		switch (id)
		{
			case OPT_WHERE:
				canon_expect(r, '=');
				o->where = canon_string(r);
				break;
			case OPT_ORDER_BY:
				canon_expect(r, '=');
				o->order_by = canon_string(r);
				break;
			case OPT_LIMIT:
				canon_expect(r, '=');
				o->limit = canon_integer(r);
				o->has_limit = true;
				break;
			case OPT_OFFSET:
				canon_expect(r, '=');
				o->offset = canon_integer(r);
				offset0 = o->offset == 0;
				break;
			case OPT_COLUMNS:
			case OPT_EXCLUDE:
				{
					int			start;

					canon_expect(r, '=');
					canon_expect(r, '[');
					start = r->pos;
					if (!canon_at(r, ']'))
						for (;;)
						{
							(void) canon_word(r, &len);
							if (!canon_at(r, ','))
								break;
							r->pos++;
						}
					o->columns = r->pos > start ? pnstrdup(r->s + start, r->pos - start) : NULL;
					canon_expect(r, ']');
					o->columns_given = true;
					o->exclude = id == OPT_EXCLUDE;
				}
				break;
			case OPT_COUNT:
				o->agg = CORM_AGG_COUNT;
				break;
			case OPT_INNER:
				o->inner = true;
				break;
			default:
				{
					int			col;

					canon_expect(r, '=');
					col = canon_word(r, &len);
					o->agg_column = pnstrdup(r->s + col, len);
					o->agg = id == OPT_SUM ? CORM_AGG_SUM : id == OPT_AVG ? CORM_AGG_AVG :
						id == OPT_MIN ? CORM_AGG_MIN : CORM_AGG_MAX;
				}
				break;
		}
		if (!canon_at(r, ','))
			break;
		r->pos++;
	}
	canon_expect(r, ')');
	CHECK(!offset0 || count == 1, "canonical text \"%s\": offset=0 with other options", r->s);
}

/* one node and the chain of single children after it */
static void
canon_node(CanonReader *r, int parent)
{
	for (;;)
	{
		int			start;
		int			len;
		int			me;
		Flat	   *f;

		start = canon_word(r, &len);
		me = r->out->n;
		f = flat_push(r->out);
		f->name = r->s + start;
		f->namelen = len;
		f->parent = parent;
		if (parent >= 0)
			r->out->v[parent].nchildren++;
		if (canon_at(r, '='))
		{
			int			rel;

			r->pos++;
			rel = canon_word(r, &len);
			f = &r->out->v[me];
			f->rel = r->s + rel;
			f->rellen = len;
		}
		if (canon_at(r, '*'))
		{
			long long	n = 0;
			int			digits = ++r->pos;

			for (; r->pos < r->len && g_digit(r->s[r->pos]); r->pos++)
				if (n <= INT_MAX)
					n = n * 10 + (r->s[r->pos] - '0');
			CHECK(r->pos == digits || (n >= 1 && n <= INT_MAX && r->s[digits] != '0'),
				  "canonical text \"%s\": bad recursion marker at offset %d", r->s, digits);
			f = &r->out->v[me];
			f->recursion = r->pos == digits ? -1 : (int) n;
		}
		if (canon_at(r, ':'))
		{
			int			word = ++r->pos;

			while (r->pos < r->len && g_name_char(r->s[r->pos]))
				r->pos++;
			f = &r->out->v[me];
			f->strategy = strategy_of_word(r->s + word, r->pos - word);
			CHECK(f->strategy >= 0, "canonical text \"%s\": bad strategy at offset %d",
				  r->s, word);
		}
		if (canon_at(r, '('))
		{
			FlatOptions o;

			memset(&o, 0, sizeof(o));
			canon_options(r, &o);
			r->out->v[me].o = o;
		}
		if (r->pos + 1 < r->len && r->s[r->pos] == '.' && r->s[r->pos + 1] == '(')
		{
			r->pos += 2;
			canon_list(r, me, true);
			CHECK(r->out->v[me].nchildren >= 2,
				  "canonical text \"%s\": one child in parentheses", r->s);
			canon_expect(r, ')');
			return;
		}
		if (canon_at(r, '.'))
		{
			r->pos++;
			parent = me;
			continue;
		}
		return;
	}
}

static void
canon_list(CanonReader *r, int parent, bool parenthesized)
{
	for (;;)
	{
		canon_node(r, parent);
		if (canon_at(r, ','))
		{
			r->pos++;
			continue;
		}
		break;
	}
	if (!parenthesized)
		CHECK(r->pos == r->len, "canonical text \"%s\": junk at offset %d", r->s, r->pos);
}

/*
 * The canonical reader makes its nodes in text order, which is preorder;
 * their nchildren, counted on the way, must match.
 */
static void
check_canonical(const FlatArray *tree, const char *text)
{
	FlatArray	back;
	CanonReader r;

	memset(&back, 0, sizeof(back));
	if (tree->n == 0)
	{
		CHECK(text[0] == '\0', "empty tree printed as \"%s\"", text);
		return;
	}
	r.s = text;
	r.len = strlen(text);
	r.pos = 0;
	r.out = &back;
	canon_list(&r, -1, false);
	compare_flat(tree, &back, false, "canonical text read back");
	if (back.v)
		pfree(back.v);
}

static void
append_spec_string(StringInfo buf, const char *s)
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

/*
 * A node's options as a plain spec writes them, in another order than the
 * canonical text, with whitespace and the long forms (count=true); a node
 * without options gets "( inner = false )", which gives none.
 */
static void
append_spec_options(StringInfo buf, const FlatOptions *o)
{
	bool		any = false;

#define NEXT() appendStringInfoString(buf, any ? " , " : " ( "), any = true
	if (o->inner)
	{
		NEXT();
		appendStringInfoString(buf, "inner = true");
	}
	if (o->agg == CORM_AGG_COUNT)
	{
		NEXT();
		appendStringInfoString(buf, "count=true");
	}
	else if (o->agg != CORM_AGG_NONE)
	{
		NEXT();
		appendStringInfo(buf, "%s = %s", corm_agg_name((CormAggKind) o->agg), o->agg_column);
	}
	if (o->columns_given)
	{
		NEXT();
		appendStringInfo(buf, "%s=[ ", o->exclude ? "exclude" : "columns");
		for (const char *c = o->columns ? o->columns : ""; *c; c++)
			if (*c == ',')
				appendStringInfoString(buf, " , ");
			else
				appendStringInfoChar(buf, *c);
		appendStringInfoString(buf, " ]");
	}
	if (o->given)
	{
		NEXT();
		appendStringInfo(buf, "offset = " INT64_FORMAT, o->offset);
	}
	if (o->has_limit)
	{
		NEXT();
		appendStringInfo(buf, "limit=" INT64_FORMAT, o->limit);
	}
	if (o->order_by)
	{
		NEXT();
		appendStringInfoString(buf, "order_by = ");
		append_spec_string(buf, o->order_by);
	}
	if (o->where)
	{
		NEXT();
		appendStringInfoString(buf, "where=");
		append_spec_string(buf, o->where);
	}
	if (!any)
	{
		NEXT();
		appendStringInfoString(buf, "inner = false");
	}
#undef NEXT
	appendStringInfoString(buf, " )");
}

/*
 * The tree as a plain spec: one path per leaf, every segment with its alias
 * and markers, its options in the first path through it only (they may be
 * given once).
 */
static char *
tree_as_spec(const FlatArray *a)
{
	StringInfoData buf;
	int		   *chain = palloc((a->n + 1) * sizeof(int));
	bool	   *done = palloc0((a->n + 1) * sizeof(bool));

	initStringInfo(&buf);
	for (int i = 0; i < a->n; i++)
	{
		int			depth = 0;

		if (a->v[i].nchildren != 0)
			continue;
		for (int j = i; j >= 0; j = a->v[j].parent)
			chain[depth++] = j;
		if (buf.len > 0)
			appendStringInfoString(&buf, ", ");
		while (depth-- > 0)
		{
			const Flat *f = &a->v[chain[depth]];

			appendBinaryStringInfo(&buf, f->name, f->namelen);
			if (f->rel)
			{
				appendStringInfoString(&buf, " = ");
				appendBinaryStringInfo(&buf, f->rel, f->rellen);
			}
			if (f->recursion < 0)
				appendStringInfoChar(&buf, '*');
			else if (f->recursion > 0)
				appendStringInfo(&buf, "*%d", f->recursion);
			if (f->strategy >= 0)
				appendStringInfo(&buf, ":%s", strategy_words[f->strategy]);
			if (!done[chain[depth]])
			{
				append_spec_options(&buf, &f->o);
				done[chain[depth]] = true;
			}
			if (depth > 0)
				appendStringInfoChar(&buf, '.');
		}
	}
	pfree(chain);
	pfree(done);
	return buf.data;
}

/* ----------------------------------------------------------------
 *	Running the parser
 * ----------------------------------------------------------------
 */

typedef struct Outcome
{
	bool		ok;
	List	   *tree;
	char	   *text;			/* corm_load_spec_to_string(tree) */
	ErrorData  *error;
} Outcome;

static void
run_parser(const char *spec, Outcome *out)
{
	MemoryContext cxt = CurrentMemoryContext;

	memset(out, 0, sizeof(Outcome));
	PG_TRY();
	{
		out->tree = corm_parse_load_spec(spec);
		CHECK(CurrentMemoryContext == cxt, "corm_parse_load_spec() changed CurrentMemoryContext");
		out->text = corm_load_spec_to_string(out->tree);
		CHECK(CurrentMemoryContext == cxt, "corm_load_spec_to_string() changed CurrentMemoryContext");
		CHECK(out->text != NULL, "corm_load_spec_to_string() returned NULL");
		out->ok = true;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		out->error = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
}

/* The SQL-callable function, as corm.parse_load_spec(text) runs it. */
static void
check_sql_function(const char *spec, int len, const Outcome *expect)
{
	MemoryContext cxt = CurrentMemoryContext;
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result = (Datum) 0;
	volatile int sqlerrcode = 0;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = PointerGetDatum(cstring_to_text_with_len(spec, len));
	fcinfo->args[0].isnull = false;
	PG_TRY();
	{
		result = corm_parse_load_spec_sql(fcinfo);
	}
	PG_CATCH();
	{
		ErrorData  *e;

		MemoryContextSwitchTo(cxt);
		e = CopyErrorData();
		FlushErrorState();
		sqlerrcode = e->sqlerrcode;
	}
	PG_END_TRY();

	if (expect->ok)
	{
		char	   *printed;

		CHECK(sqlerrcode == 0, "corm.parse_load_spec() failed (%s) where the parser did not",
			  unpack_sql_state(sqlerrcode));
		CHECK(!fcinfo->isnull, "corm.parse_load_spec() returned NULL");
		printed = text_to_cstring(DatumGetTextPP(result));
		CHECK(strcmp(printed, expect->text) == 0,
			  "corm.parse_load_spec() returned \"%s\", the parser printed \"%s\"",
			  printed, expect->text);
	}
	else
		CHECK(sqlerrcode == expect->error->sqlerrcode,
			  "corm.parse_load_spec() failed with %s, the parser with %s",
			  sqlerrcode ? unpack_sql_state(sqlerrcode) : "no error",
			  unpack_sql_state(expect->error->sqlerrcode));
}

static void
check_message_text(const char *what, const char *text, bool valid_encoding)
{
	int			n;

	CHECK(text != NULL && text[0] != '\0', "ERROR without a %s", what);
	if (!valid_encoding)
		return;					/* characters of the spec are cut anywhere */
	n = strlen(text);
	for (int i = 0; i < n; i++)
		CHECK((unsigned char) text[i] >= 0x20 && (unsigned char) text[i] != 0x7f,
			  "control character 0x%02x in the %s: \"%s\"", (unsigned char) text[i],
			  what, text);
	CHECK(pg_verify_mbstr(GetDatabaseEncoding(), text, n, true),
		  "the %s is not valid %s: \"%s\"", what, GetDatabaseEncodingName(), text);
}

/* The 1-based position in "... at position N of load spec", or -1. */
static int
message_position(const char *msg)
{
	const char *p = msg;

	while ((p = strstr(p, " at position ")) != NULL)
	{
		char	   *end;
		long		n;

		p += strlen(" at position ");
		if (!g_digit(*p))
			continue;
		n = strtol(p, &end, 10);
		if (strncmp(end, " of load spec", strlen(" of load spec")) == 0)
			return (int) n;
	}
	return -1;
}

/*
 * The detail of a syntax error: "The load spec was "...".", all of the spec
 * when it is at most EXCERPT_MAX bytes, else from the first character
 * boundary at or after offset - EXCERPT_CONTEXT to the last one at or
 * before offset + EXCERPT_CONTEXT, with "..." where it is cut; control
 * characters shown as spaces.
 */
static void
check_excerpt(const char *detail, const char *spec, int len, int offset,
			  bool valid_encoding)
{
	const char *prefix = "The load spec was \"";
	int			plen = strlen(prefix);
	int			dlen = strlen(detail);
	StringInfoData expect;
	int			from,
				to,
				start,
				end,
				i;

	CHECK(dlen >= plen + 2 && strncmp(detail, prefix, plen) == 0 &&
		  strcmp(detail + dlen - 2, "\".") == 0,
		  "syntax error detail is not \"The load spec was \"...\".\": %s", detail);
	if (!valid_encoding)
	{
		CHECK(dlen - plen - 2 <= Max(EXCERPT_MAX, 2 * EXCERPT_CONTEXT + 6),
			  "an excerpt of %d bytes: %s", dlen - plen - 2, detail);
		return;
	}
	start = 0;
	end = len;
	if (len > EXCERPT_MAX)
	{
		from = Max(0, offset - EXCERPT_CONTEXT);
		to = Min(len, offset + EXCERPT_CONTEXT);
		for (i = 0; i < from; i += pg_encoding_mblen(GetDatabaseEncoding(), spec + i))
			;
		start = i;
		while (i < to && i + pg_encoding_mblen(GetDatabaseEncoding(), spec + i) <= to)
			i += pg_encoding_mblen(GetDatabaseEncoding(), spec + i);
		end = i;
	}
	initStringInfo(&expect);
	appendStringInfoString(&expect, prefix);
	if (start > 0)
		appendStringInfoString(&expect, "...");
	for (i = start; i < end; i++)
	{
		unsigned char c = (unsigned char) spec[i];

		appendStringInfoChar(&expect, (c < 0x20 || c == 0x7f) ? ' ' : (char) c);
	}
	if (end < len)
		appendStringInfoString(&expect, "...");
	appendStringInfoString(&expect, "\".");
	CHECK(strcmp(detail, expect.data) == 0,
		  "error at offset %d: detail\n  %s\nexpected\n  %s", offset, detail, expect.data);
	pfree(expect.data);
}

/* "unexpected character "X" at ...": X is the character at offset, shown. */
static void
check_unexpected_char(const char *message, const char *spec, int len, int offset)
{
	const char *prefix = "unexpected character \"";
	unsigned char c = (unsigned char) spec[offset];
	char	   *expect;

	if (strncmp(message, prefix, strlen(prefix)) != 0)
		return;
	if (IS_HIGHBIT_SET(c))
		expect = psprintf("%s%.*s\" at position %d of load spec", prefix,
						  Min(pg_encoding_mblen(GetDatabaseEncoding(), spec + offset), len - offset),
						  spec + offset, offset + 1);
	else if (c < 0x20 || c == 0x7f)
		expect = psprintf("%s\\x%02X\" at position %d of load spec", prefix, c, offset + 1);
	else
		expect = psprintf("%s%c\" at position %d of load spec", prefix, c, offset + 1);
	CHECK(strcmp(message, expect) == 0, "message\n  %s\nexpected\n  %s", message, expect);
	pfree(expect);
}

static const char *
ref_outcome_name(int outcome)
{
	switch (outcome)
	{
		case REF_OK:
			return "no error";
		case REF_SYNTAX:
			return "syntax error (42601)";
		case REF_INVALID:
			return "options of a segment that exclude each other (22023)";
		case REF_CONFLICT:
			return "conflict between paths (22023)";
		case REF_CHECK:
			return "node refused by corm_spec_check_node() (22023)";
	}
	return "?";
}

static void
check_error(const ErrorData *e, const RefTree *ref, const char *spec, int len,
			bool valid_encoding)
{
	int			pos;

	CHECK(e->elevel == ERROR, "elevel %d, not ERROR: %s", e->elevel, e->message);
	CHECK(ref->outcome != REF_OK, "ERROR %s where the reference parses: %s",
		  unpack_sql_state(e->sqlerrcode), e->message);
	CHECK(e->sqlerrcode == (ref->outcome == REF_SYNTAX ? ERRCODE_SYNTAX_ERROR :
							ERRCODE_INVALID_PARAMETER_VALUE),
		  "SQLSTATE %s, the reference has a %s: %s", unpack_sql_state(e->sqlerrcode),
		  ref_outcome_name(ref->outcome), e->message);
	check_message_text("message", e->message, valid_encoding);
	if (ref->outcome != REF_CHECK)	/* spec_options.c gives no detail */
		check_message_text("detail", e->detail, valid_encoding);
	check_message_text("hint", e->hint, valid_encoding);
	pos = message_position(e->message);
	CHECK(pos == ref->errpos, "ERROR at position %d, the reference at %d (%s): %s",
		  pos, ref->errpos, ref_outcome_name(ref->outcome), e->message);
	if (ref->outcome == REF_CHECK)
	{
		CHECK(strstr(e->message, "in the load spec") != NULL,
			  "a refused node's message does not say \"in the load spec\": %s", e->message);
		return;
	}
	CHECK(pos >= 1 && pos <= len + 1, "ERROR position %d in a spec of %d bytes", pos, len);
	if (ref->outcome == REF_SYNTAX || ref->outcome == REF_INVALID)
	{
		check_excerpt(e->detail, spec, len, pos - 1, valid_encoding);
		if (valid_encoding && pos <= len)
			check_unexpected_char(e->message, spec, len, pos - 1);
	}
}

/* ----------------------------------------------------------------
 *	The target
 * ----------------------------------------------------------------
 */

static const int encodings[] = {PG_UTF8, PG_SQL_ASCII, PG_EUC_JP};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int			base;
	MemoryContext cxt;

	shim_init();
	cxt = shim_begin_input(&base);
	/* our word table is corm's */
	for (int v = CORM_LAZY_SELECT; v <= CORM_LAZY_NOLOAD; v++)
		CHECK(strcmp(corm_lazy_name((CormLazy) v), strategy_words[v]) == 0,
			  "corm_lazy_name(%d) is \"%s\", expected \"%s\"", v,
			  corm_lazy_name((CormLazy) v), strategy_words[v]);
	/* NULL in, NULL out; NULL and empty spec: NIL */
	{
		LOCAL_FCINFO(fcinfo, 1);

		InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
		fcinfo->args[0].value = (Datum) 0;
		fcinfo->args[0].isnull = true;
		(void) corm_parse_load_spec_sql(fcinfo);
		CHECK(fcinfo->isnull, "corm.parse_load_spec(NULL) is not NULL");
		CHECK(corm_parse_load_spec(NULL) == NIL, "corm_parse_load_spec(NULL) is not NIL");
		CHECK(strcmp(corm_load_spec_to_string(NIL), "") == 0,
			  "corm_load_spec_to_string(NIL) is not empty");
	}
	shim_end_input(cxt);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			base;			/* the stack base for check_stack_depth() */
	MemoryContext cxt;
	char	   *spec;
	int			len;
	RefTree		ref;
	FlatArray	ref_flat;
	Outcome		first;
	bool		have_first = false;

	if (size > 16 * 1024 * 1024)
		return -1;
	if (memchr(data, '\0', size) != NULL)
		return -1;				/* a text value has no NUL: nothing new here */

	cxt = shim_begin_input(&base);
	spec = palloc(size + 1);
	memcpy(spec, data, size);
	spec[size] = '\0';
	len = (int) size;
	cur_spec = spec;
	cur_len = len;

	ref_parse(spec, len, &ref);
	flatten_ref(&ref, &ref_flat);

	for (int e = 0; e < (int) lengthof(encodings); e++)
	{
		int			encoding = encodings[e];
		bool		valid = pg_encoding_verifymbstr(encoding, spec, len) == len;
		Outcome		out;

		if (!valid && encoding != PG_UTF8)
			continue;
		shim_set_encoding(encoding);
		run_parser(spec, &out);

		if (out.ok)
		{
			FlatArray	tree;

			CHECK(ref.outcome == REF_OK,
				  "the parser accepts the spec (as \"%s\"), the reference finds a %s at position %d",
				  out.text, ref_outcome_name(ref.outcome), ref.errpos);
			flatten_spec(out.tree, len + 1, &tree);
			compare_flat(&ref_flat, &tree, true, "tree against the reference");
			if (!have_first)
			{
				check_tree(&tree, spec, len);
				check_canonical(&tree, out.text);
			}
			else
				CHECK(first.ok && strcmp(first.text, out.text) == 0,
					  "prints \"%s\" in %s, \"%s\" in the first encoding",
					  out.text, GetDatabaseEncodingName(),
					  first.ok ? first.text : "(an ERROR)");
		}
		else
		{
			check_error(out.error, &ref, spec, len, valid);
			if (have_first)
				CHECK(!first.ok && first.error->sqlerrcode == out.error->sqlerrcode &&
					  message_position(first.error->message) ==
					  message_position(out.error->message),
					  "ERROR \"%s\" in %s, not so in the first encoding", out.error->message,
					  GetDatabaseEncodingName());
		}
		if (!have_first)
		{
			first = out;
			have_first = true;
			check_sql_function(spec, len, &first);
		}
	}

	/* the tree as a plain spec parses back to the same tree */
	if (have_first && first.ok && ref_flat.n > 0)
	{
		char	   *again = tree_as_spec(&ref_flat);
		Outcome		back;
		FlatArray	back_flat;

		shim_set_encoding(PG_SQL_ASCII);
		cur_spec = again;
		cur_len = strlen(again);
		run_parser(again, &back);
		CHECK(back.ok, "the tree printed as a spec does not parse: %s",
			  back.error ? back.error->message : "?");
		flatten_spec(back.tree, cur_len + 1, &back_flat);
		compare_flat(&ref_flat, &back_flat, false, "the tree printed as a spec, parsed again");
		CHECK(strcmp(back.text, first.text) == 0,
			  "the tree printed as a spec prints \"%s\", the original \"%s\"",
			  back.text, first.text);
	}

	/* the canonical text is a spec too, of the same tree, printed the same */
	if (have_first && first.ok && ref_flat.n > 0)
	{
		Outcome		back;
		FlatArray	back_flat;

		shim_set_encoding(PG_SQL_ASCII);
		cur_spec = first.text;
		cur_len = strlen(first.text);
		run_parser(first.text, &back);
		CHECK(back.ok, "the canonical text does not parse: %s",
			  back.error ? back.error->message : "?");
		flatten_spec(back.tree, cur_len + 1, &back_flat);
		compare_flat(&ref_flat, &back_flat, false, "the canonical text, parsed again");
		CHECK(strcmp(back.text, first.text) == 0,
			  "the canonical text prints \"%s\" when parsed again", back.text);
	}

	cur_spec = NULL;
	shim_end_input(cxt);
	return 0;
}
