/*-------------------------------------------------------------------------
 *
 * diagram.c
 *	  corm_diagram(): the registered relationships as a Mermaid erDiagram or
 *	  a Graphviz DOT graph.
 *
 * The entities are the tables that appear in a relationship (as parent,
 * target or secondary), each with the columns the caller may read (name,
 * type, PK / FK / UK markers).  The edges are
 *
 *	- one per relationship pair (a backref or back_populates pair is one edge
 *	  labelled "name / mirror name", the first name belonging to the edge's
 *	  left table): one-to-many "||--o{", one-to-one "||--o|", many-to-one
 *	  alone "}o--||"; the end on the referenced table is "||" (exactly one)
 *	  when the foreign key columns are NOT NULL, "|o" (zero or one)
 *	  otherwise;
 *	- for a many-to-many pair, two edges through the secondary table, each
 *	  from one side's table to the secondary and labelled with that side's
 *	  relationship name;
 *	- one dotted (DOT: dashed) edge per association proxy, from its table to
 *	  the table it reaches, labelled "name (proxy: relationship.attribute)";
 *	  its far end says whether the proxy is a collection.
 *
 * Tables are named as regclass prints them, but qualified also when two
 * tables of the diagram share a name.  The output is ordered by table name,
 * then relationship name, so it is the same for the same catalog.
 *
 * Everything that comes from a name is escaped for the format: DOT IDs are
 * double-quoted with '"' and '\' escaped, labels are HTML-like with & < > "
 * escaped; Mermaid's grammar is narrower (see mermaid_* below), so entities
 * whose names are not plain identifiers get an alias ID with the name as
 * their label, and attribute tokens are sanitized (README, "Diagrams").
 *
 * The catalog is read with corm_catalog_all_relationships() / _proxies(),
 * the tables through the relcache: nothing is looked up by name.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "corm.h"

PG_FUNCTION_INFO_V1(corm_diagram);

typedef enum DiagramFormat
{
	DIAGRAM_MERMAID,
	DIAGRAM_DOT
} DiagramFormat;

/* An end of an edge. */
typedef enum DiagramCard
{
	CARD_ONE,					/* exactly one */
	CARD_ZERO_ONE,				/* zero or one */
	CARD_MANY					/* zero or more */
} DiagramCard;

typedef struct DiagramColumn
{
	char	   *name;
	char	   *type;			/* format_type, with typmod */
	char	   *token;			/* Mermaid's type token */
	bool		token_exact;	/* token says all that type says */
	bool		pk;
	bool		fk;
	bool		uk;
} DiagramColumn;

typedef struct DiagramEntity
{
	Oid			relid;
	char	   *display;		/* as regclass prints it (qualified if shared) */
	char	   *mermaid_id;		/* display, or an alias */
	bool		mermaid_alias;
	int			ncols;
	DiagramColumn *cols;
} DiagramEntity;

typedef struct DiagramEdge
{
	DiagramEntity *left;
	DiagramEntity *right;
	DiagramCard left_card;
	DiagramCard right_card;
	bool		proxy;
	char	   *label;
	/* sort keys */
	const char *sort_table;
	const char *sort_name;
	int			sort_seq;
} DiagramEdge;

typedef struct Diagram
{
	int			nentities;
	DiagramEntity *entities;	/* sorted by display */
	List	   *edges;			/* DiagramEdge *, sorted */
} Diagram;

/* Words Mermaid's erDiagram lexer takes as keywords where an entity ID goes. */
static const char *const mermaid_keywords[] = {
	"erdiagram", "style", "classdef", "class", "subgraph", "end", "one", "only", "many",
	"zero", "to", "optionally", "u", "acctitle", "accdescr", "direction", NULL
};

/* ---------- collecting ---------- */

static int
entity_cmp_relid(const void *a, const void *b)
{
	Oid			x = ((const DiagramEntity *) a)->relid;
	Oid			y = ((const DiagramEntity *) b)->relid;

	return (x > y) - (x < y);
}

static int
entity_cmp_display(const void *a, const void *b)
{
	return strcmp(((const DiagramEntity *) a)->display, ((const DiagramEntity *) b)->display);
}

static DiagramEntity *
find_entity(Diagram *d, Oid relid)
{
	int			i;

	for (i = 0; i < d->nentities; i++)
		if (d->entities[i].relid == relid)
			return &d->entities[i];
	elog(ERROR, "corm_diagram: table %u is not in the diagram", relid);
	return NULL;				/* keep compiler quiet */
}

/* A token of Mermaid's attribute grammar ([A-Za-z_*...][A-Za-z0-9_()[]*-...]*). */
static char *
mermaid_token(const char *s, bool *exact)
{
	StringInfoData buf;
	const char *p = s;
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;

	initStringInfo(&buf);
	*exact = true;
	if (*p == '\0' || isdigit((unsigned char) *p))
	{
		appendStringInfoChar(&buf, '_');
		*exact = false;
	}
	while (*p)
	{
		unsigned char c = (unsigned char) *p;

		if (isalnum(c) || c == '_')
		{
			appendStringInfoChar(&buf, c);
			p++;
		}
		else if (IS_HIGHBIT_SET(c) && utf8 && c >= 0xC3)
		{
			/* a character from U+00C0 on, which the grammar takes */
			int			len = pg_mblen(p);

			appendBinaryStringInfo(&buf, p, len);
			p += len;
		}
		else
		{
			appendStringInfoChar(&buf, '_');
			*exact = false;
			p += IS_HIGHBIT_SET(c) && utf8 ? pg_mblen(p) : 1;
		}
	}
	/* PK, FK and UK are keywords inside an entity's block */
	if (pg_strcasecmp(buf.data, "pk") == 0 || pg_strcasecmp(buf.data, "fk") == 0 ||
		pg_strcasecmp(buf.data, "uk") == 0)
	{
		appendStringInfoChar(&buf, '_');
		*exact = false;
	}
	return buf.data;
}

/* Mermaid's type token for a column: the type's own name, [] for an array. */
static char *
mermaid_type_token(Oid typid, int32 typmod, bool *exact)
{
	Oid			elem = get_element_type(typid);
	Oid			base = OidIsValid(elem) ? elem : typid;
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(base));
	char	   *token;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", base);
	token = mermaid_token(NameStr(((Form_pg_type) GETSTRUCT(tup))->typname), exact);
	ReleaseSysCache(tup);

	if (typmod >= 0 || !TypeIsVisible(base))
		*exact = false;
	return OidIsValid(elem) ? psprintf("%s[]", token) : token;
}

/* Build an entity's columns: those the caller may read. */
static void
describe_entity(DiagramEntity *e)
{
	Relation	rel = table_open(e->relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	Oid			userid = GetUserId();
	bool		table_ok = pg_class_aclcheck(e->relid, userid, ACL_SELECT) == ACLCHECK_OK;
	Bitmapset  *pk = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_PRIMARY_KEY);
	Bitmapset  *uk = RelationGetIndexAttrBitmap(rel, INDEX_ATTR_BITMAP_KEY);
	Bitmapset  *fk = NULL;
	ListCell   *lc;
	int			i;

	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *info = lfirst(lc);
		int			k;

		for (k = 0; k < info->nkeys; k++)
			fk = bms_add_member(fk, info->conkey[k] - FirstLowInvalidHeapAttributeNumber);
	}

	e->cols = palloc0(sizeof(DiagramColumn) * Max(desc->natts, 1));
	e->ncols = 0;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		DiagramColumn *col;
		int			bit = att->attnum - FirstLowInvalidHeapAttributeNumber;
		bool		exact;

		if (att->attisdropped)
			continue;
		if (!table_ok &&
			pg_attribute_aclcheck(e->relid, att->attnum, userid, ACL_SELECT) != ACLCHECK_OK)
			continue;
		col = &e->cols[e->ncols++];
		col->name = pstrdup(NameStr(att->attname));
		col->type = format_type_with_typemod(att->atttypid, att->atttypmod);
		col->token = mermaid_type_token(att->atttypid, att->atttypmod, &exact);
		col->token_exact = exact;
		col->pk = bms_is_member(bit, pk);
		col->fk = bms_is_member(bit, fk);
		col->uk = !col->pk && bms_is_member(bit, uk);
	}
	table_close(rel, AccessShareLock);
}

/* The entities: every table a relationship names, sorted by name. */
static void
collect_entities(Diagram *d, List *rels)
{
	Oid		   *relids = palloc(sizeof(Oid) * (3 * list_length(rels) + 1));
	int			n = 0;
	int			i;
	int			j;
	ListCell   *lc;
	int			alias = 0;

	foreach(lc, rels)
	{
		CormRelationship *r = lfirst(lc);

		relids[n++] = r->parent;
		relids[n++] = r->target;
		if (OidIsValid(r->secondary))
			relids[n++] = r->secondary;
	}
	d->entities = palloc0(sizeof(DiagramEntity) * (n + 1));
	for (i = 0; i < n; i++)
		d->entities[i].relid = relids[i];
	qsort(d->entities, n, sizeof(DiagramEntity), entity_cmp_relid);
	for (i = 0, j = 0; i < n; i++)
		if (j == 0 || d->entities[j - 1].relid != d->entities[i].relid)
			d->entities[j++] = d->entities[i];
	d->nentities = j;

	/* names: as regclass prints them, and qualified when two are alike */
	for (i = 0; i < d->nentities; i++)
	{
		DiagramEntity *e = &d->entities[i];
		char	   *relname = get_rel_name(e->relid);
		bool		qualify = !RelationIsVisible(e->relid);

		for (j = 0; j < d->nentities && !qualify; j++)
			qualify = j != i && strcmp(get_rel_name(d->entities[j].relid), relname) == 0;
		e->display = qualify ?
			quote_qualified_identifier(get_namespace_name(get_rel_namespace(e->relid)),
									   relname) :
			pstrdup(quote_identifier(relname));
	}
	qsort(d->entities, d->nentities, sizeof(DiagramEntity), entity_cmp_display);

	/* Mermaid IDs: the name when it is a plain identifier, else an alias */
	for (i = 0; i < d->nentities; i++)
	{
		DiagramEntity *e = &d->entities[i];
		const char *p;
		bool		plain = isalpha((unsigned char) e->display[0]) || e->display[0] == '_';
		const char *const *kw;

		for (p = e->display; plain && *p; p++)
			plain = (isalnum((unsigned char) *p) || *p == '_') && !IS_HIGHBIT_SET(*p);
		for (kw = mermaid_keywords; plain && *kw; kw++)
			plain = pg_strcasecmp(e->display, *kw) != 0;
		e->mermaid_alias = !plain;
		e->mermaid_id = plain ? e->display : NULL;
	}
	for (i = 0; i < d->nentities; i++)
	{
		DiagramEntity *e = &d->entities[i];
		char	   *id;
		bool		taken;

		if (!e->mermaid_alias)
			continue;
		/* t1, t2, ...; a suffix if a table of the diagram is named so */
		id = psprintf("t%d", ++alias);
		do
		{
			taken = false;
			for (j = 0; j < d->nentities && !taken; j++)
				taken = !d->entities[j].mermaid_alias &&
					strcmp(d->entities[j].display, id) == 0;
			if (taken)
				id = psprintf("%s_", id);
		} while (taken);
		e->mermaid_id = id;
	}

	for (i = 0; i < d->nentities; i++)
		describe_entity(&d->entities[i]);
}

static CormRelationship *
find_relationship(List *rels, Oid parent, const char *name)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		CormRelationship *r = lfirst(lc);

		if (r->parent == parent && strcmp(r->name, name) == 0)
			return r;
	}
	return NULL;
}

/* Whether m is r's mirror: the same join the other way, naming each other. */
static bool
is_mirror(const CormRelationship *r, const CormRelationship *m)
{
	if (m == r || m->parent != r->target || m->target != r->parent)
		return false;
	if (r->back_populates != NULL)
		return strcmp(r->back_populates, m->name) == 0 &&
			(m->back_populates == NULL || strcmp(m->back_populates, r->name) == 0);
	return m->back_populates != NULL && strcmp(m->back_populates, r->name) == 0;
}

/* CARD_ONE when all the columns are NOT NULL, else CARD_ZERO_ONE. */
static DiagramCard
key_card(Oid relid, const AttrNumber *attnums, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (!corm_column_not_null(relid, attnums[i]))
			return CARD_ZERO_ONE;
	return CARD_ONE;
}

static DiagramEdge *
new_edge(Diagram *d, Oid left, Oid right, DiagramCard lc, DiagramCard rc, char *label,
		 const char *sort_name, int seq)
{
	DiagramEdge *e = palloc0(sizeof(DiagramEdge));

	e->left = find_entity(d, left);
	e->right = find_entity(d, right);
	e->left_card = lc;
	e->right_card = rc;
	e->label = label;
	e->sort_table = e->left->display;
	e->sort_name = sort_name;
	e->sort_seq = seq;
	d->edges = lappend(d->edges, e);
	return e;
}

/* The edges of one relationship r and its mirror m (or NULL). */
static void
relationship_edges(Diagram *d, CormRelationship *r, CormRelationship *m)
{
	DiagramCard card;
	char	   *label;

	/* draw a pair from its one-to-many (or one-to-one) side */
	if (m != NULL && r->direction == CORM_MANY_TO_ONE)
	{
		CormRelationship *t = r;

		r = m;
		m = t;
	}
	label = m ? psprintf("%s / %s", r->name, m->name) : r->name;

	switch (r->direction)
	{
		case CORM_ONE_TO_MANY:
		case CORM_ONE_TO_ONE:
			card = key_card(r->target, r->remote_attnums, r->nremote);
			new_edge(d, r->parent, r->target, card,
					 r->uselist ? CARD_MANY : CARD_ZERO_ONE, label, r->name, 0);
			break;
		case CORM_MANY_TO_ONE:
			card = key_card(r->parent, r->local_attnums, r->nlocal);
			new_edge(d, r->parent, r->target, CARD_MANY, card, label, r->name, 0);
			break;
		case CORM_MANY_TO_MANY:
			/* through the secondary: each side's table to it, with its name */
			card = key_card(r->secondary, r->secondary_local_attnums, r->nlocal);
			new_edge(d, r->parent, r->secondary, card,
					 r->uselist ? CARD_MANY : CARD_ZERO_ONE, r->name, r->name, 0)->sort_table =
				find_entity(d, r->parent)->display;
			card = key_card(r->secondary, r->secondary_remote_attnums, r->nremote);
			new_edge(d, r->target, r->secondary, card,
					 (m == NULL || m->uselist) ? CARD_MANY : CARD_ZERO_ONE,
					 m ? m->name : "", r->name, 1)->sort_table =
				find_entity(d, r->parent)->display;
			break;
	}
}

static void
proxy_edge(Diagram *d, List *rels, CormProxy *p)
{
	CormRelationship *r = find_relationship(rels, p->parent, p->relationship);
	CormRelationship *t = NULL;
	char	   *attribute;
	bool		collection;
	DiagramEdge *e;

	if (r == NULL)
		return;					/* cannot happen: the guards keep it */
	if (p->target_relationship != NULL)
	{
		t = find_relationship(rels, r->target, p->target_relationship);
		if (t == NULL)
			return;
		attribute = t->name;
		collection = r->uselist || t->uselist;
	}
	else
	{
		attribute = get_attname(p->target, p->target_attnum, false);
		collection = r->uselist;
	}
	e = new_edge(d, p->parent, t ? t->target : r->target, CARD_MANY,
				 collection ? CARD_MANY : CARD_ZERO_ONE,
				 psprintf("%s (proxy: %s.%s)", p->name, r->name, attribute), p->name, 0);
	e->proxy = true;
}

static int
edge_cmp(const ListCell *a, const ListCell *b)
{
	const DiagramEdge *x = lfirst(a);
	const DiagramEdge *y = lfirst(b);
	int			c;

	/* relationships first, then proxies */
	if (x->proxy != y->proxy)
		return x->proxy ? 1 : -1;
	if ((c = strcmp(x->sort_table, y->sort_table)) != 0)
		return c;
	if ((c = strcmp(x->sort_name, y->sort_name)) != 0)
		return c;
	return x->sort_seq - y->sort_seq;
}

static void
collect(Diagram *d)
{
	List	   *rels = corm_catalog_all_relationships();
	List	   *proxies = corm_catalog_all_proxies();
	bool	   *done = palloc0(sizeof(bool) * (list_length(rels) + 1));
	ListCell   *lc;

	collect_entities(d, rels);
	foreach(lc, rels)
	{
		CormRelationship *r = lfirst(lc);
		CormRelationship *mirror = NULL;
		ListCell   *lc2;

		if (done[foreach_current_index(lc)])
			continue;
		done[foreach_current_index(lc)] = true;
		foreach(lc2, rels)
		{
			CormRelationship *m = lfirst(lc2);

			if (!done[foreach_current_index(lc2)] && is_mirror(r, m))
			{
				mirror = m;
				done[foreach_current_index(lc2)] = true;
				break;
			}
		}
		relationship_edges(d, r, mirror);
	}
	foreach(lc, proxies)
		proxy_edge(d, rels, lfirst(lc));
	list_sort(d->edges, edge_cmp);
}

/* ---------- Mermaid ---------- */

/*
 * Text inside one of Mermaid's double-quoted strings.  Mermaid decodes
 * "#name;" and "#NNN;" entities when it renders, so the characters its
 * lexer would trip on are written so: '"' (ends the string), '#' (starts an
 * entity), '%' and '\' (not taken in an entity's label), '~' (a generic type
 * to the attribute lexer), & < > (markup), control characters (shown as
 * U+2400 pictures), and
 *
 *	- the last letter of "direction" followed by anything but a letter, digit
 *	  or '_': a line holding "direction", any Unicode blanks and TB, BT, LR or
 *	  RL anywhere is taken for a direction statement;
 *	- a ':' not followed by a blank: before it parses, Mermaid drops the last
 *	  ';' of a line holding "style" or "classDef", then ':', non-blanks and
 *	  '#' (its style syntax), which would break an entity written after it.
 */
static void
mermaid_quoted(StringInfo buf, const char *s)
{
	const char *p;

	appendStringInfoChar(buf, '"');
	for (p = s; *p; p++)
	{
		unsigned char c = (unsigned char) *p;
		unsigned char next = (unsigned char) p[1];

		if (c == '"' || c == '#' || c == '%' || c == '\\' || c == '~' ||
			c == '&' || c == '<' || c == '>')
			appendStringInfo(buf, "#%d;", c);
		else if (c < 0x20 || c == 0x7F)
			appendStringInfo(buf, "#%d;", c == 0x7F ? 0x2421 : 0x2400 + c);
		else if (c == ':' && next != ' ')
			appendStringInfo(buf, "#%d;", c);
		else if ((c == 'n' || c == 'N') && p - s >= 8 &&
				 pg_strncasecmp(p - 8, "direction", 9) == 0 &&
				 next != '\0' && !isalnum(next) && next != '_')
			appendStringInfo(buf, "#%d;", c);
		else
			appendStringInfoChar(buf, c);
	}
	appendStringInfoChar(buf, '"');
}

static const char *
mermaid_card(DiagramCard card, bool left)
{
	switch (card)
	{
		case CARD_ONE:
			return "||";
		case CARD_ZERO_ONE:
			return left ? "|o" : "o|";
		case CARD_MANY:
			return left ? "}o" : "o{";
	}
	return "";
}

static void
mermaid_entity(StringInfo buf, DiagramEntity *e)
{
	int			i;

	appendStringInfo(buf, "    %s", e->mermaid_id);
	if (e->mermaid_alias)
	{
		appendStringInfoChar(buf, '[');
		mermaid_quoted(buf, e->display);
		appendStringInfoChar(buf, ']');
	}
	if (e->ncols == 0)
	{
		appendStringInfoChar(buf, '\n');
		return;
	}
	appendStringInfoString(buf, " {\n");
	for (i = 0; i < e->ncols; i++)
	{
		DiagramColumn *c = &e->cols[i];
		bool		exact;
		char	   *name = mermaid_token(c->name, &exact);
		const char *sep = " ";

		appendStringInfo(buf, "        %s %s", c->token, name);
		if (c->pk)
		{
			appendStringInfo(buf, "%sPK", sep);
			sep = ", ";
		}
		if (c->fk)
		{
			appendStringInfo(buf, "%sFK", sep);
			sep = ", ";
		}
		if (c->uk)
			appendStringInfo(buf, "%sUK", sep);
		/* a comment with what the tokens could not say */
		if (!exact || !c->token_exact)
		{
			StringInfoData comment;

			initStringInfo(&comment);
			if (!exact)
				appendStringInfo(&comment, "%s", c->name);
			if (!c->token_exact)
				appendStringInfo(&comment, "%s%s", exact ? "" : ": ", c->type);
			appendStringInfoChar(buf, ' ');
			mermaid_quoted(buf, comment.data);
		}
		appendStringInfoChar(buf, '\n');
	}
	appendStringInfoString(buf, "    }\n");
}

static char *
render_mermaid(Diagram *d)
{
	StringInfoData buf;
	ListCell   *lc;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "erDiagram\n");
	for (i = 0; i < d->nentities; i++)
		mermaid_entity(&buf, &d->entities[i]);
	foreach(lc, d->edges)
	{
		DiagramEdge *e = lfirst(lc);

		appendStringInfo(&buf, "    %s %s%s%s %s : ", e->left->mermaid_id,
						 mermaid_card(e->left_card, true), e->proxy ? ".." : "--",
						 mermaid_card(e->right_card, false), e->right->mermaid_id);
		mermaid_quoted(&buf, e->label);
		appendStringInfoChar(&buf, '\n');
	}
	return buf.data;
}

/* ---------- DOT ---------- */

/* A DOT ID: double-quoted, '"' and '\' escaped. */
static void
dot_id(StringInfo buf, const char *s)
{
	const char *p;

	appendStringInfoChar(buf, '"');
	for (p = s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}

/* Text in an HTML-like label: & < > " escaped, control characters as pictures. */
static void
dot_html(StringInfo buf, const char *s)
{
	const char *p;

	for (p = s; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		switch (c)
		{
			case '&':
				appendStringInfoString(buf, "&amp;");
				break;
			case '<':
				appendStringInfoString(buf, "&lt;");
				break;
			case '>':
				appendStringInfoString(buf, "&gt;");
				break;
			case '"':
				appendStringInfoString(buf, "&quot;");
				break;
			default:
				if (c < 0x20 || c == 0x7F)
					appendStringInfo(buf, "&#%d;", c == 0x7F ? 0x2421 : 0x2400 + c);
				else
					appendStringInfoChar(buf, c);
		}
	}
}

static const char *
dot_arrow(DiagramCard card)
{
	/* crow's foot, the first shape at the node */
	switch (card)
	{
		case CARD_ONE:
			return "teetee";
		case CARD_ZERO_ONE:
			return "teeodot";
		case CARD_MANY:
			return "crowodot";
	}
	return "none";
}

static void
dot_entity(StringInfo buf, DiagramEntity *e)
{
	int			i;

	appendStringInfoString(buf, "    ");
	dot_id(buf, e->display);
	appendStringInfoString(buf, " [label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" CELLSPACING=\"0\" CELLPADDING=\"4\">\n"
						   "        <TR><TD COLSPAN=\"3\" BGCOLOR=\"lightgrey\"><B>");
	dot_html(buf, e->display);
	appendStringInfoString(buf, "</B></TD></TR>\n");
	for (i = 0; i < e->ncols; i++)
	{
		DiagramColumn *c = &e->cols[i];
		const char *sep = "";

		appendStringInfoString(buf, "        <TR><TD ALIGN=\"LEFT\">");
		dot_html(buf, c->name);
		appendStringInfoString(buf, "</TD><TD ALIGN=\"LEFT\">");
		dot_html(buf, c->type);
		appendStringInfoString(buf, "</TD><TD>");
		if (c->pk)
		{
			appendStringInfoString(buf, "PK");
			sep = " ";
		}
		if (c->fk)
		{
			appendStringInfo(buf, "%sFK", sep);
			sep = " ";
		}
		if (c->uk)
			appendStringInfo(buf, "%sUK", sep);
		appendStringInfoString(buf, "</TD></TR>\n");
	}
	appendStringInfoString(buf, "        </TABLE>>];\n");
}

static char *
render_dot(Diagram *d)
{
	StringInfoData buf;
	ListCell   *lc;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf,
						   "digraph corm {\n"
						   "    graph [rankdir=LR, fontname=\"Helvetica\"];\n"
						   "    node [shape=plaintext, fontname=\"Helvetica\", fontsize=10];\n"
						   "    edge [dir=both, fontname=\"Helvetica\", fontsize=9];\n");
	for (i = 0; i < d->nentities; i++)
		dot_entity(&buf, &d->entities[i]);
	foreach(lc, d->edges)
	{
		DiagramEdge *e = lfirst(lc);

		appendStringInfoString(&buf, "    ");
		dot_id(&buf, e->left->display);
		appendStringInfoString(&buf, " -> ");
		dot_id(&buf, e->right->display);
		appendStringInfoString(&buf, " [label=<");
		dot_html(&buf, e->label);
		appendStringInfo(&buf, ">, arrowtail=%s, arrowhead=%s%s];\n",
						 e->proxy ? "none" : dot_arrow(e->left_card), dot_arrow(e->right_card),
						 e->proxy ? ", style=dashed" : "");
	}
	appendStringInfoString(&buf, "}\n");
	return buf.data;
}

/*
 * corm_diagram(format text DEFAULT 'mermaid') RETURNS text
 */
Datum
corm_diagram(PG_FUNCTION_ARGS)
{
	char	   *format = text_to_cstring(PG_GETARG_TEXT_PP(0));
	DiagramFormat fmt;
	Diagram		d;

	if (pg_strcasecmp(format, "mermaid") == 0)
		fmt = DIAGRAM_MERMAID;
	else if (pg_strcasecmp(format, "dot") == 0)
		fmt = DIAGRAM_DOT;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown diagram format \"%s\"", format),
				 errhint("The formats are \"mermaid\" (an erDiagram) and \"dot\" (Graphviz).")));

	memset(&d, 0, sizeof(d));
	collect(&d);
	PG_RETURN_TEXT_P(cstring_to_text(fmt == DIAGRAM_MERMAID ? render_mermaid(&d) : render_dot(&d)));
}
