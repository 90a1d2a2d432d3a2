/*-------------------------------------------------------------------------
 *
 * fuzz_save.c
 *	  libFuzzer target: the corm_save / corm_merge graph walker
 *	  (src/save_walk.c) on arbitrary JSON, against a fake schema.
 *
 * Each input is parsed as JSON (a small parser here; inputs that are not a
 * JSON object are skipped) into the walker's CormGraph, then saved and
 * merged as an object of each of the fake schema's tables in turn.  The fake operations keep the rows in
 * memory and check, on every call, what the walker promises:
 *
 *	 - a row is written with each column at most once (1.0 wrote a column
 *	   twice for a back-reference), only columns of its table, as a JSON
 *	   object that parses;
 *	 - a many-to-one object is written before the object referring to it,
 *	   and the referring row carries its key;
 *	 - a child of a one-to-many carries its parent's key in the join
 *	   columns (the parent's key wins over the child's own value);
 *	 - link / unlink / deassociate get rows of the relationship's tables,
 *	   already written; deassociate and unlink only under merge;
 *	 - the load spec the walker returns names only relationships, and
 *	   parses as dotted paths.
 * An ERROR (wrong shape, unknown key, a relationship without the cascade)
 * is an expected outcome; a crash, a sanitizer report or a violated check
 * (abort) is a bug.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "pg_shim.h"
#include "save_walk.h"

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "\n==fuzz_save== INVARIANT VIOLATED (fuzz_save.c:%d): ", __LINE__); \
			fprintf(stderr, __VA_ARGS__); \
			fprintf(stderr, "\n"); \
			abort(); \
		} \
	} while (0)

/* ---------- the fake schema ---------- */

typedef struct FakeTable
{
	Oid			relid;
	const char *name;
	int			ncols;
	const char *cols[6];		/* column attnum = index + 1; column 1 is the key */
	bool		has_pk;
} FakeTable;

static FakeTable tables[] = {
	{1, "authors", 3, {"id", "name", "born"}, true},
	{2, "books", 4, {"id", "title", "author_id", "publisher_id"}, true},
	{3, "publishers", 2, {"id", "name"}, true},
	{4, "tags", 2, {"id", "name"}, true},
	{5, "book_tags", 2, {"book_id", "tag_id"}, false},
	{6, "categories", 3, {"id", "parent_id", "name"}, true},
	{7, "users", 2, {"id", "login"}, true},
	{8, "profiles", 3, {"id", "user_id", "bio"}, true},
};

#define NTABLES ((int) lengthof(tables))

/* generated keys are JSON strings starting with this; inputs holding it are skipped */
#define GEN_MARK "@corm-gen-"
#define ALLCASCADE (CORM_CASCADE_SAVE_UPDATE | CORM_CASCADE_MERGE)

static CormRelationship rels[10];
static int	nrels = 0;

static void
add_rel(Oid parent, const char *name, Oid target, CormDirection dir, AttrNumber local,
		AttrNumber remote, Oid secondary, AttrNumber slocal, AttrNumber sremote, bool uselist,
		int cascade)
{
	CormRelationship *r = &rels[nrels++];

	memset(r, 0, sizeof(*r));
	r->parent = parent;
	r->name = (char *) name;
	r->target = target;
	r->direction = dir;
	r->nlocal = r->nremote = 1;
	r->local_attnums[0] = local;
	r->remote_attnums[0] = remote;
	r->secondary = secondary;
	r->secondary_local_attnums[0] = slocal;
	r->secondary_remote_attnums[0] = sremote;
	r->uselist = uselist;
	r->cascade = cascade;
	r->join_depth = -1;
}

static void
make_schema(void)
{
	add_rel(1, "books", 2, CORM_ONE_TO_MANY, 1, 3, InvalidOid, 0, 0, true, ALLCASCADE);
	add_rel(2, "author", 1, CORM_MANY_TO_ONE, 3, 1, InvalidOid, 0, 0, false, ALLCASCADE);
	add_rel(2, "publisher", 3, CORM_MANY_TO_ONE, 4, 1, InvalidOid, 0, 0, false,
			CORM_CASCADE_SAVE_UPDATE);	/* no merge: corm_merge refuses it */
	add_rel(2, "tags", 4, CORM_MANY_TO_MANY, 1, 1, 5, 1, 2, true, ALLCASCADE);
	add_rel(4, "books", 2, CORM_MANY_TO_MANY, 1, 1, 5, 2, 1, true, ALLCASCADE);
	add_rel(6, "children", 6, CORM_ONE_TO_MANY, 1, 2, InvalidOid, 0, 0, true, ALLCASCADE);
	add_rel(6, "parent", 6, CORM_MANY_TO_ONE, 2, 1, InvalidOid, 0, 0, false, ALLCASCADE);
	add_rel(7, "profile", 8, CORM_ONE_TO_ONE, 1, 2, InvalidOid, 0, 0, false, ALLCASCADE);
	add_rel(8, "user", 7, CORM_MANY_TO_ONE, 2, 1, InvalidOid, 0, 0, false, ALLCASCADE);
}

static FakeTable *
table_of(Oid relid)
{
	CHECK(relid >= 1 && relid <= NTABLES, "the walker asked about relation %u", relid);
	return &tables[relid - 1];
}

static int
column_index(FakeTable *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i], name) == 0)
			return i;
	return -1;
}

/* ---------- JSON: parse into the walker's CormGraph ---------- */

typedef struct Parser
{
	const char *s;
	int			len;
	int			pos;
	int			depth;
} Parser;

#define MAX_DEPTH 64

static void
skip_ws(Parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

/* A JSON string at p->pos, decoded (NULL if malformed or holding \u0000). */
static char *
parse_string(Parser *p)
{
	StringInfoData out;

	if (p->pos >= p->len || p->s[p->pos] != '"')
		return NULL;
	p->pos++;
	initStringInfo(&out);
	while (p->pos < p->len)
	{
		unsigned char c = (unsigned char) p->s[p->pos++];

		if (c == '"')
			return out.data;
		if (c < 0x20)
			return NULL;
		if (c != '\\')
		{
			appendStringInfoChar(&out, (char) c);
			continue;
		}
		if (p->pos >= p->len)
			return NULL;
		c = (unsigned char) p->s[p->pos++];
		switch (c)
		{
			case '"':
			case '\\':
			case '/':
				appendStringInfoChar(&out, (char) c);
				break;
			case 'b':
				appendStringInfoChar(&out, '\b');
				break;
			case 'f':
				appendStringInfoChar(&out, '\f');
				break;
			case 'n':
				appendStringInfoChar(&out, '\n');
				break;
			case 'r':
				appendStringInfoChar(&out, '\r');
				break;
			case 't':
				appendStringInfoChar(&out, '\t');
				break;
			case 'u':
				{
					unsigned int code = 0;

					if (p->pos + 4 > p->len)
						return NULL;
					for (int i = 0; i < 4; i++)
					{
						char		h = p->s[p->pos++];

						code <<= 4;
						if (h >= '0' && h <= '9')
							code |= h - '0';
						else if (h >= 'a' && h <= 'f')
							code |= h - 'a' + 10;
						else if (h >= 'A' && h <= 'F')
							code |= h - 'A' + 10;
						else
							return NULL;
					}
					if (code == 0)
						return NULL;
					/* keep it simple: anything else as one byte, enough for keys */
					appendStringInfoChar(&out, (char) (code & 0x7f ? code & 0x7f : '?'));
				}
				break;
			default:
				return NULL;
		}
	}
	return NULL;
}

static CormGraph *parse_value(Parser *p);

static CormGraph *
parse_container(Parser *p, bool object)
{
	CormGraph  *g = palloc0(sizeof(CormGraph));
	int			max = 4;

	g->kind = object ? CORM_GRAPH_OBJECT : CORM_GRAPH_ARRAY;
	g->items = palloc(sizeof(CormGraph *) * max);
	if (object)
		g->keys = palloc(sizeof(char *) * max);
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']'))
	{
		p->pos++;
		return g;
	}
	for (;;)
	{
		char	   *key = NULL;
		CormGraph  *v;

		skip_ws(p);
		if (object)
		{
			key = parse_string(p);
			if (key == NULL)
				return NULL;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return NULL;
			p->pos++;
		}
		v = parse_value(p);
		if (v == NULL)
			return NULL;
		if (g->nitems == max)
		{
			max *= 2;
			g->items = repalloc(g->items, sizeof(CormGraph *) * max);
			if (object)
				g->keys = repalloc(g->keys, sizeof(char *) * max);
		}
		if (object)
		{
			/* as jsonb: the last of duplicate keys wins */
			int			i;

			for (i = 0; i < g->nitems; i++)
				if (strcmp(g->keys[i], key) == 0)
					break;
			g->keys[i] = key;
			g->items[i] = v;
			if (i == g->nitems)
				g->nitems++;
		}
		else
			g->items[g->nitems++] = v;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',')
		{
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']'))
		{
			p->pos++;
			return g;
		}
		return NULL;
	}
}

static CormGraph *
parse_value(Parser *p)
{
	CormGraph  *g = NULL;
	int			start;

	skip_ws(p);
	start = p->pos;
	if (p->pos >= p->len || ++p->depth > MAX_DEPTH)
		return NULL;
	switch (p->s[p->pos])
	{
		case '{':
		case '[':
			g = parse_container(p, p->s[p->pos] == '{');
			break;
		case '"':
			if (parse_string(p) != NULL)
			{
				g = palloc0(sizeof(CormGraph));
				g->kind = CORM_GRAPH_SCALAR;
			}
			break;
		default:
			{
				static const char *const words[] = {"null", "true", "false"};

				for (int i = 0; i < 3; i++)
					if (strncmp(p->s + p->pos, words[i], strlen(words[i])) == 0)
					{
						p->pos += strlen(words[i]);
						g = palloc0(sizeof(CormGraph));
						g->kind = i == 0 ? CORM_GRAPH_NULL : CORM_GRAPH_SCALAR;
					}
				if (g == NULL && p->pos < p->len &&
					(p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9')))
				{
					if (p->s[p->pos] == '-')
						p->pos++;
					if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9')
						return NULL;
					while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
						p->pos++;
					g = palloc0(sizeof(CormGraph));
					g->kind = CORM_GRAPH_SCALAR;
				}
			}
	}
	p->depth--;
	if (g != NULL)
		g->json = pnstrdup(p->s + start, p->pos - start);
	return g;
}

/* ---------- the fake operations: rows in memory, checks on every call ---------- */

typedef struct FakeRow
{
	FakeTable  *table;
	char	   *values[6];		/* JSON text, or NULL when not set */
	int			serial;			/* the order of writing */
} FakeRow;

typedef struct Store
{
	bool		merge;
	List	   *rows;			/* FakeRow * */
	int			next_id;
} Store;

static bool
op_is_column(void *arg, Oid relid, const char *name)
{
	return column_index(table_of(relid), name) >= 0;
}

static CormRelationship *
op_relationship(void *arg, Oid relid, const char *name)
{
	for (int i = 0; i < nrels; i++)
		if (rels[i].parent == relid && strcmp(rels[i].name, name) == 0)
			return &rels[i];
	return NULL;
}

static const char *
op_attname(void *arg, Oid relid, AttrNumber attnum)
{
	FakeTable  *t = table_of(relid);

	CHECK(attnum >= 1 && attnum <= t->ncols, "column %d of %s", attnum, t->name);
	return t->cols[attnum - 1];
}

static const char *
op_relname(void *arg, Oid relid)
{
	return table_of(relid)->name;
}

static FakeRow *
as_row(Store *st, void *row, Oid relid)
{
	FakeRow    *r = row;
	ListCell   *lc;
	bool		known = false;

	foreach(lc, st->rows)
		known |= lfirst(lc) == r;
	CHECK(known, "a row the walker hands back was never written");
	CHECK(r->table->relid == relid, "a row of %s where one of %s belongs",
		  r->table->name, table_of(relid)->name);
	return r;
}

static void *
op_write_row(void *arg, Oid relid, const char *values, List *columns)
{
	Store	   *st = arg;
	FakeTable  *t = table_of(relid);
	FakeRow    *row = palloc0(sizeof(FakeRow));
	Parser		p = {values, (int) strlen(values), 0, 0};
	CormGraph  *g = parse_value(&p);
	ListCell   *lc;

	CHECK(g != NULL && g->kind == CORM_GRAPH_OBJECT && p.pos == p.len,
		  "write_row of %s got values that are not a JSON object: %s", t->name, values);
	CHECK(g->nitems == list_length(columns),
		  "write_row of %s: %d values for %d columns (a column given twice?): %s",
		  t->name, g->nitems, list_length(columns), values);
	row->table = t;
	foreach(lc, columns)
	{
		int			c = column_index(t, (char *) lfirst(lc));

		CHECK(c >= 0, "write_row of %s with column \"%s\"", t->name, (char *) lfirst(lc));
		CHECK(row->values[c] == NULL, "write_row of %s with column \"%s\" twice", t->name,
			  (char *) lfirst(lc));
		CHECK(strcmp(g->keys[foreach_current_index(lc)], (char *) lfirst(lc)) == 0,
			  "write_row of %s: value %d is \"%s\", column %d \"%s\"", t->name,
			  foreach_current_index(lc), g->keys[foreach_current_index(lc)],
			  foreach_current_index(lc), (char *) lfirst(lc));
		row->values[c] = g->items[foreach_current_index(lc)]->json;
	}
	/* the key is generated when not given (or given as null) */
	if (t->has_pk && (row->values[0] == NULL || strcmp(row->values[0], "null") == 0))
		row->values[0] = psprintf("\"" GEN_MARK "%d\"", st->next_id++);
	row->serial = list_length(st->rows);
	st->rows = lappend(st->rows, row);
	return row;
}

static char *
op_row_value(void *arg, void *row, const char *column)
{
	FakeRow    *r = row;
	int			c = column_index(r->table, column);

	CHECK(c >= 0, "row_value of %s.%s", r->table->name, column);
	return r->values[c] ? r->values[c] : pstrdup("null");
}

static char *
op_row_key(void *arg, Oid relid, void *row)
{
	FakeRow    *r = as_row(arg, row, relid);

	return psprintf("{\"%s\": %s}", r->table->cols[0], r->values[0]);
}

static void
op_link(void *arg, CormRelationship *rel, void *prow, void *trow)
{
	CHECK(rel->direction == CORM_MANY_TO_MANY, "link through %s, which is not many-to-many",
		  rel->name);
	as_row(arg, prow, rel->parent);
	as_row(arg, trow, rel->target);
}

static void
op_unlink_others(void *arg, CormRelationship *rel, void *prow, List *kept)
{
	ListCell   *lc;

	CHECK(((Store *) arg)->merge, "unlink_others under corm_save");
	CHECK(rel->direction == CORM_MANY_TO_MANY, "unlink_others through %s", rel->name);
	as_row(arg, prow, rel->parent);
	foreach(lc, kept)
		as_row(arg, lfirst(lc), rel->target);
}

static void
op_deassociate(void *arg, CormRelationship *rel, void *prow, List *kept)
{
	ListCell   *lc;

	CHECK(((Store *) arg)->merge, "deassociate under corm_save");
	CHECK(rel->direction != CORM_MANY_TO_MANY && rel->direction != CORM_MANY_TO_ONE,
		  "deassociate through %s", rel->name);
	as_row(arg, prow, rel->parent);
	foreach(lc, kept)
	{
		Parser		p = {lfirst(lc), (int) strlen(lfirst(lc)), 0, 0};
		CormGraph  *g = parse_value(&p);

		CHECK(g != NULL && g->kind == CORM_GRAPH_OBJECT, "a kept key is not an object: %s",
			  (char *) lfirst(lc));
	}
}

static const CormSaveOps fake_ops = {
	.is_column = op_is_column,
	.relationship = op_relationship,
	.attname = op_attname,
	.relname = op_relname,
	.write_row = op_write_row,
	.row_value = op_row_value,
	.row_key = op_row_key,
	.link = op_link,
	.unlink_others = op_unlink_others,
	.deassociate = op_deassociate,
};

/*
 * After a successful walk: every written row that refers to another
 * through a many-to-one or is a one-to-many child agrees with that row's
 * key, and the object referred to was written first.
 */
static void
check_keys(Store *st)
{
	ListCell   *lc;

	foreach(lc, st->rows)
	{
		FakeRow    *r = lfirst(lc);

		for (int i = 0; i < nrels; i++)
		{
			CormRelationship *rel = &rels[i];
			const char *fk;
			ListCell   *lc2;
			bool		found = false;

			if (rel->direction != CORM_MANY_TO_ONE || rel->parent != r->table->relid)
				continue;
			fk = r->values[rel->local_attnums[0] - 1];
			if (fk == NULL || strncmp(fk, "\"" GEN_MARK, strlen(GEN_MARK) + 1) != 0)
				continue;		/* not a generated key: the input gave it */
			foreach(lc2, st->rows)
			{
				FakeRow    *t = lfirst(lc2);

				if (t->table->relid == rel->target && t->values[0] && strcmp(t->values[0], fk) == 0)
				{
					found = true;
					CHECK(t->serial < r->serial,
						  "%s row %d refers (%s) to %s row %d, written after it",
						  r->table->name, r->serial, rel->name, t->table->name, t->serial);
				}
			}
			CHECK(found, "%s row %d refers to generated key %s of %s, never written",
				  r->table->name, r->serial, fk, table_of(rel->target)->name);
		}
	}
}

static void
check_spec(const char *spec)
{
	/* "a.b:selectin, c:selectin": names of relationships, each segment :selectin */
	const char *p = spec;

	while (*p)
	{
		const char *start = p;

		while (*p && *p != ':' && *p != '.' && *p != ',')
			p++;
		CHECK(p > start, "an empty segment in the load spec \"%s\"", spec);
		CHECK(*p == ':' && strncmp(p, ":selectin", 9) == 0, "a segment without :selectin in \"%s\"",
			  spec);
		p += 9;
		if (*p == '.')
			p++;
		else if (*p == ',')
		{
			CHECK(p[1] == ' ', "a path separator without its space in \"%s\"", spec);
			p += 2;
		}
		else
			CHECK(*p == '\0', "something after :selectin in \"%s\"", spec);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	shim_init();
	make_schema();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			base;
	MemoryContext cxt;
	char	   *text;
	Parser		p;
	CormGraph  *graph;

	if (size > 65536 || memchr(data, '\0', size) != NULL)
		return -1;
	cxt = shim_begin_input(&base);
	text = palloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (strstr(text, GEN_MARK) != NULL)
	{
		shim_end_input(cxt);
		return -1;				/* it could fake a generated key */
	}
	p.s = text;
	p.len = (int) size;
	p.pos = 0;
	p.depth = 0;
	graph = parse_value(&p);
	skip_ws(&p);
	if (graph == NULL || p.pos != p.len || graph->kind != CORM_GRAPH_OBJECT)
	{
		shim_end_input(cxt);
		return -1;				/* not a graph: corm_save refuses it before the walker */
	}

	for (int t = 0; t < NTABLES; t++)
		for (int merge = 0; merge <= 1; merge++)
		{
			MemoryContext walk = AllocSetContextCreate(cxt, "walk", ALLOCSET_DEFAULT_SIZES);
			MemoryContext old = MemoryContextSwitchTo(walk);
			Store		st = {merge, NIL, 0};
			CormSaveOps ops = fake_ops;
			List	   *spec = NIL;
			bool		ok = true;

			ops.arg = &st;
			PG_TRY();
			{
				(void) corm_save_walk(&ops, merge, tables[t].relid, graph, &spec);
			}
			PG_CATCH();
			{
				MemoryContextSwitchTo(walk);
				FlushErrorState();
				ok = false;
			}
			PG_END_TRY();
			if (ok)
			{
				check_keys(&st);
				check_spec(corm_save_spec_text(spec));
			}
			MemoryContextSwitchTo(old);
			MemoryContextDelete(walk);
		}
	shim_end_input(cxt);
	return 0;
}
