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
 *	 grammar in spec.h: the same tree (names, strategies, recursion markers,
 *	 positions, children in order of first appearance), or an ERROR of the
 *	 same kind (syntax_error / invalid_parameter_value) at the same position;
 *	 the same in every encoding;
 * - the tree on its own: names are identifiers shorter than NAMEDATALEN
 *	 found at their position in the spec, strategies are select, joined,
 *	 subquery, selectin or noload (never raise) found at theirs, recursion
 *	 markers are "*" or "*N" with N >= 1 found at theirs, siblings have
 *	 distinct names and increasing positions, no node is shared;
 * - printing: corm_load_spec_to_string() output, read back by a parser of
 *	 the canonical form written here, is the same tree; the tree as a plain
 *	 spec (one path per leaf, every segment with its markers) parses to the
 *	 same tree and prints the same; corm.parse_load_spec() (the SQL-callable
 *	 function) returns that text;
 * - ERRORs: a message with "position N of load spec", a detail and a hint,
 *	 no control characters, valid in the database encoding; for a syntax
 *	 error, the excerpt of the spec around the position (all of a short
 *	 spec) and the offending character as shown; the parser leaves
 *	 CurrentMemoryContext as it was,
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

typedef struct Flat
{
	const char *name;
	int			namelen;
	int			position;
	int			strategy;
	int			strategy_position;
	int			recursion;
	int			recursion_position;
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
	return &a->v[a->n++];
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
		fl->position = node->position;
		fl->strategy = node->strategy;
		fl->strategy_position = node->strategy_position;
		fl->recursion = node->recursion;
		fl->recursion_position = node->recursion_position;
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
		CHECK(x->parent == y->parent && x->nchildren == y->nchildren,
			  "%s: node %d \"%.*s\" has parent %d and %d children, expected parent %d and %d",
			  what, i, x->namelen, x->name, y->parent, y->nchildren, x->parent, x->nchildren);
		CHECK(x->strategy == y->strategy,
			  "%s: node %d \"%.*s\" has strategy %d, expected %d", what, i,
			  x->namelen, x->name, y->strategy, x->strategy);
		CHECK(x->recursion == y->recursion,
			  "%s: node %d \"%.*s\" has recursion %d, expected %d", what, i,
			  x->namelen, x->name, y->recursion, x->recursion);
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
 *	  path    := segment ('.' segment)*
 *	  segment := name [ '*' [N] ] [ ':' strategy ]
 *
 * Whitespace free around every token; names of fewer than NAMEDATALEN
 * bytes; N in 1..INT_MAX; paths merge, a node taking its strategy and its
 * recursion marker from any path, two different ones being a conflict ("*1"
 * the same as none, the explicit one kept).  Errors at the 1-based position
 * the message gives: of the offending token (of the digits of a bad N, of
 * the strategy word, of the second strategy, of the second recursion marker
 * or of the name when it has none).
 * ----------------------------------------------------------------
 */

enum
{
	REF_OK,
	REF_SYNTAX,
	REF_CONFLICT
};

typedef struct RefNode
{
	Flat		f;				/* parent: index of the parent RefNode */
	int			first_child;
	int			last_child;
	int			next_sibling;
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

static int
ref_skip(const char *s, int len, int pos)
{
	while (pos < len && g_space(s[pos]))
		pos++;
	return pos;
}

static bool
ref_fail(RefTree *t, int outcome, int pos)
{
	t->outcome = outcome;
	t->errpos = pos;
	return false;
}

static bool
ref_parse(const char *s, int len, RefTree *t)
{
	int			pos;

	memset(t, 0, sizeof(RefTree));
	t->first_top = t->last_top = -1;
	t->outcome = REF_OK;
	pos = ref_skip(s, len, 0);
	if (pos >= len)
		return true;
	for (;;)
	{
		int			parent = -1;

		for (;;)
		{
			int			start;
			Flat		seg;
			int			child;
			RefNode    *node;

			memset(&seg, 0, sizeof(seg));
			seg.strategy = -1;
			pos = ref_skip(s, len, pos);
			if (pos >= len || s[pos] == '.' || s[pos] == ',' || s[pos] == ':' || s[pos] == '*')
				return ref_fail(t, REF_SYNTAX, pos + 1);
			if (!g_name_start(s[pos]))	/* digits included */
				return ref_fail(t, REF_SYNTAX, pos + 1);
			start = pos;
			while (pos < len && g_name_char(s[pos]))
				pos++;
			if (pos - start >= NAMEDATALEN)
				return ref_fail(t, REF_SYNTAX, start + 1);
			seg.name = s + start;
			seg.namelen = pos - start;
			seg.position = start + 1;
			pos = ref_skip(s, len, pos);

			if (pos < len && s[pos] == '*')
			{
				seg.recursion = -1;
				seg.recursion_position = pos + 1;
				pos = ref_skip(s, len, pos + 1);
				if (pos < len && g_digit(s[pos]))
				{
					int			digits = pos;
					long long	n = 0;

					for (; pos < len && g_digit(s[pos]); pos++)
						if (n <= INT_MAX)
							n = n * 10 + (s[pos] - '0');
					if (n > INT_MAX || n == 0)
						return ref_fail(t, REF_SYNTAX, digits + 1);
					seg.recursion = (int) n;
				}
				pos = ref_skip(s, len, pos);
			}

			if (pos < len && s[pos] == ':')
			{
				int			word;

				pos = ref_skip(s, len, pos + 1);
				word = pos;
				while (pos < len && g_name_char(s[pos]))
					pos++;
				seg.strategy = strategy_of_word(s + word, pos - word);
				if (seg.strategy < 0)	/* empty, raise or unknown */
					return ref_fail(t, REF_SYNTAX, word + 1);
				seg.strategy_position = word + 1;
				pos = ref_skip(s, len, pos);
			}

			if (pos < len && s[pos] != '.' && s[pos] != ',')
				return ref_fail(t, REF_SYNTAX, pos + 1);

			/* merge */
			child = parent < 0 ? t->first_top : t->v[parent].first_child;
			for (; child >= 0; child = t->v[child].next_sibling)
				if (t->v[child].f.namelen == seg.namelen &&
					memcmp(t->v[child].f.name, seg.name, seg.namelen) == 0)
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
				node->f = seg;
				node->f.parent = parent;
				node->first_child = node->last_child = node->next_sibling = -1;
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
			}
			else
			{
				node = &t->v[child];
				if (seg.strategy >= 0)
				{
					if (node->f.strategy < 0)
					{
						node->f.strategy = seg.strategy;
						node->f.strategy_position = seg.strategy_position;
					}
					else if (node->f.strategy != seg.strategy)
						return ref_fail(t, REF_CONFLICT, seg.strategy_position);
				}
				if (levels(seg.recursion) != levels(node->f.recursion))
					return ref_fail(t, REF_CONFLICT,
									seg.recursion ? seg.recursion_position : seg.position);
				if (node->f.recursion == 0 && seg.recursion != 0)
				{
					node->f.recursion = seg.recursion;
					node->f.recursion_position = seg.recursion_position;
				}
			}
			parent = child;
			if (pos < len && s[pos] == '.')
			{
				pos++;
				continue;
			}
			break;
		}
		if (pos >= len)
			return true;
		pos++;					/* ',' */
	}
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
 *	  list := node (',' node)*
 *	  node := segment [ '.' node | '.(' node (',' node)+ ')' ]
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

/* one node and the chain of single children after it; its index */
static void
canon_node(CanonReader *r, int parent)
{
	for (;;)
	{
		int			start = r->pos;
		int			me;
		Flat	   *f;

		while (r->pos < r->len && g_name_char(r->s[r->pos]))
			r->pos++;
		CHECK(r->pos > start, "canonical text \"%s\": no name at offset %d", r->s, start);
		me = r->out->n;
		f = flat_push(r->out);
		f->name = r->s + start;
		f->namelen = r->pos - start;
		f->strategy = -1;
		f->parent = parent;
		if (parent >= 0)
			r->out->v[parent].nchildren++;
		if (r->pos < r->len && r->s[r->pos] == '*')
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
		if (r->pos < r->len && r->s[r->pos] == ':')
		{
			int			word = ++r->pos;

			while (r->pos < r->len && g_name_char(r->s[r->pos]))
				r->pos++;
			f = &r->out->v[me];
			f->strategy = strategy_of_word(r->s + word, r->pos - word);
			CHECK(f->strategy >= 0, "canonical text \"%s\": bad strategy at offset %d",
				  r->s, word);
		}
		if (r->pos + 1 < r->len && r->s[r->pos] == '.' && r->s[r->pos + 1] == '(')
		{
			r->pos += 2;
			canon_list(r, me, true);
			CHECK(r->out->v[me].nchildren >= 2,
				  "canonical text \"%s\": one child in parentheses", r->s);
			CHECK(r->pos < r->len && r->s[r->pos] == ')',
				  "canonical text \"%s\": no ')' at offset %d", r->s, r->pos);
			r->pos++;
			return;
		}
		if (r->pos < r->len && r->s[r->pos] == '.')
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
		if (r->pos < r->len && r->s[r->pos] == ',')
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

/* The tree as a plain spec: one path per leaf, every segment in full. */
static char *
tree_as_spec(const FlatArray *a)
{
	StringInfoData buf;
	int		   *chain = palloc((a->n + 1) * sizeof(int));

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
			if (f->recursion < 0)
				appendStringInfoChar(&buf, '*');
			else if (f->recursion > 0)
				appendStringInfo(&buf, "*%d", f->recursion);
			if (f->strategy >= 0)
				appendStringInfo(&buf, ":%s", strategy_words[f->strategy]);
			if (depth > 0)
				appendStringInfoChar(&buf, '.');
		}
	}
	pfree(chain);
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
		  ref->outcome == REF_SYNTAX ? "syntax error (42601)" : "conflict (22023)",
		  e->message);
	check_message_text("message", e->message, valid_encoding);
	check_message_text("detail", e->detail, valid_encoding);
	check_message_text("hint", e->hint, valid_encoding);
	pos = message_position(e->message);
	CHECK(pos == ref->errpos, "ERROR at position %d, the reference at %d: %s",
		  pos, ref->errpos, e->message);
	CHECK(pos >= 1 && pos <= len + 1, "ERROR position %d in a spec of %d bytes", pos, len);
	if (ref->outcome == REF_SYNTAX)
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
				  out.text, ref.outcome == REF_SYNTAX ? "syntax error" : "conflict", ref.errpos);
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

	cur_spec = NULL;
	shim_end_input(cxt);
	return 0;
}
