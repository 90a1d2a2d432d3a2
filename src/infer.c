/*-------------------------------------------------------------------------
 *
 * infer.c
 *	  Working out how a relationship joins, as SQLAlchemy does: from foreign
 *	  key constraints in pg_constraint, or from explicit column lists checked
 *	  against primary and unique keys; and parsing a collection's order_by.
 *
 * Everything here reads the system catalogs only; nothing is written.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/hash.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "parser/parse_coerce.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "corm.h"

/* A candidate join: one foreign key constraint, seen from its two tables. */
typedef struct FkCandidate
{
	Oid			conoid;
	Oid			conrelid;		/* referencing table */
	Oid			confrelid;		/* referenced table */
	int			nkeys;
	AttrNumber	conkey[CORM_MAX_KEYS];
	AttrNumber	confkey[CORM_MAX_KEYS];
} FkCandidate;

static List *fk_candidates(Oid referencing, Oid referenced);
static List *without_fk(List *candidates, const char *conname, Oid conoid);
static FkCandidate *pick_fk(List *candidates, const char *conname, Oid from, Oid to,
							const char *argname, bool via_secondary);
static int	resolve_columns(Oid relid, List *names, AttrNumber *attnums, const char *argname);
static void check_pair_types(Oid rel1, const AttrNumber *att1, Oid rel2,
							 const AttrNumber *att2, int n);
static bool columns_are_unique(Oid relid, const AttrNumber *attnums, int n);

/*
 * Fill in the join of rel (direction, local/remote and secondary columns)
 * from the arguments of corm_relationship().  rel->parent, rel->target and
 * rel->secondary are set; everything else about the join is found here.
 */
void
corm_infer_join(CormRelationship *rel, const char *foreign_key,
				const char *secondary_foreign_key,
				List *local_columns, List *remote_columns,
				List *secondary_local_columns, List *secondary_remote_columns,
				const char *direction)
{
	bool		self_ref = rel->parent == rel->target;
	CormDirection asked = direction ? corm_parse_direction(direction) : -1;

	if ((local_columns != NIL) != (remote_columns != NIL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("local_columns and remote_columns must be given together"),
				 errhint("local_columns lists the parent's join columns, remote_columns the target's, pairwise.")));
	if (local_columns != NIL && foreign_key != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("foreign_key cannot be combined with local_columns and remote_columns"),
				 errhint("Give either the constraint to join by or the columns, not both.")));

	if (OidIsValid(rel->secondary))
	{
		FkCandidate *fk;

		if (direction && asked != CORM_MANY_TO_MANY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("direction \"%s\" contradicts secondary", direction),
					 errhint("A relationship through a secondary table is many_to_many.")));
		if ((local_columns != NIL) != (secondary_local_columns != NIL) ||
			(remote_columns != NIL) != (secondary_remote_columns != NIL))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("with secondary, explicit columns need secondary_local_columns and secondary_remote_columns"),
					 errhint("parent.local_columns[i] = secondary.secondary_local_columns[i] and secondary.secondary_remote_columns[j] = target.remote_columns[j].")));
		if (secondary_foreign_key != NULL && remote_columns != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("secondary_foreign_key cannot be combined with explicit columns"),
					 errhint("Give either the constraints to join by or the columns, not both.")));
		rel->direction = CORM_MANY_TO_MANY;

		/* parent side: secondary -> parent */
		if (local_columns != NIL)
		{
			int			n1 = resolve_columns(rel->parent, local_columns, rel->local_attnums,
											 "local_columns");
			int			n2 = resolve_columns(rel->secondary, secondary_local_columns,
											 rel->secondary_local_attnums,
											 "secondary_local_columns");

			if (n1 != n2)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_FOREIGN_KEY),
						 errmsg("local_columns has %d columns but secondary_local_columns has %d", n1, n2)));
			rel->nlocal = n1;
		}
		else
		{
			List	   *candidates = fk_candidates(rel->secondary, rel->parent);

			/* a self-reference named only by its target side: the other is ours */
			if (self_ref && foreign_key == NULL && secondary_foreign_key != NULL)
				candidates = without_fk(candidates, secondary_foreign_key, InvalidOid);
			fk = pick_fk(candidates, foreign_key, rel->secondary, rel->parent, "foreign_key", true);
			rel->nlocal = fk->nkeys;
			memcpy(rel->local_attnums, fk->confkey, sizeof(AttrNumber) * fk->nkeys);
			memcpy(rel->secondary_local_attnums, fk->conkey, sizeof(AttrNumber) * fk->nkeys);

			/*
			 * On a self-referential many-to-many, the secondary's other
			 * foreign key to the same table is the target side.
			 */
			if (self_ref && secondary_foreign_key == NULL && remote_columns == NIL)
			{
				fk = pick_fk(without_fk(fk_candidates(rel->secondary, rel->target),
										NULL, fk->conoid),
							 NULL, rel->secondary, rel->target, "secondary_foreign_key", true);
				rel->nremote = fk->nkeys;
				memcpy(rel->remote_attnums, fk->confkey, sizeof(AttrNumber) * fk->nkeys);
				memcpy(rel->secondary_remote_attnums, fk->conkey, sizeof(AttrNumber) * fk->nkeys);
			}
		}

		/* target side: secondary -> target */
		if (remote_columns != NIL)
		{
			int			n1 = resolve_columns(rel->target, remote_columns, rel->remote_attnums,
											 "remote_columns");
			int			n2 = resolve_columns(rel->secondary, secondary_remote_columns,
											 rel->secondary_remote_attnums,
											 "secondary_remote_columns");

			if (n1 != n2)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_FOREIGN_KEY),
						 errmsg("remote_columns has %d columns but secondary_remote_columns has %d", n1, n2)));
			rel->nremote = n1;
		}
		else if (rel->nremote == 0)
		{
			fk = pick_fk(fk_candidates(rel->secondary, rel->target), secondary_foreign_key,
						 rel->secondary, rel->target, "secondary_foreign_key", true);
			rel->nremote = fk->nkeys;
			memcpy(rel->remote_attnums, fk->confkey, sizeof(AttrNumber) * fk->nkeys);
			memcpy(rel->secondary_remote_attnums, fk->conkey, sizeof(AttrNumber) * fk->nkeys);
		}

		check_pair_types(rel->parent, rel->local_attnums, rel->secondary,
						 rel->secondary_local_attnums, rel->nlocal);
		check_pair_types(rel->secondary, rel->secondary_remote_attnums, rel->target,
						 rel->remote_attnums, rel->nremote);
		return;
	}

	if (secondary_local_columns != NIL || secondary_remote_columns != NIL ||
		secondary_foreign_key != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("secondary_foreign_key, secondary_local_columns and secondary_remote_columns need secondary"),
				 errhint("Pass secondary => the association table for a many-to-many relationship.")));
	if (asked == CORM_MANY_TO_MANY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("direction \"many_to_many\" needs secondary"),
				 errhint("Pass secondary => the association table.")));

	if (local_columns != NIL)
	{
		int			n1 = resolve_columns(rel->parent, local_columns, rel->local_attnums,
										 "local_columns");
		int			n2 = resolve_columns(rel->target, remote_columns, rel->remote_attnums,
										 "remote_columns");
		bool		remote_unique;
		bool		local_unique;

		if (n1 != n2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_FOREIGN_KEY),
					 errmsg("local_columns has %d columns but remote_columns has %d", n1, n2),
					 errhint("The columns are joined pairwise: parent.local_columns[i] = target.remote_columns[i].")));
		rel->nlocal = rel->nremote = n1;
		check_pair_types(rel->parent, rel->local_attnums, rel->target, rel->remote_attnums, n1);

		if (direction)
		{
			rel->direction = asked;
			return;
		}
		remote_unique = columns_are_unique(rel->target, rel->remote_attnums, n1);
		local_unique = columns_are_unique(rel->parent, rel->local_attnums, n1);
		if (remote_unique && !local_unique)
			rel->direction = CORM_MANY_TO_ONE;
		else if (local_unique && !remote_unique)
			rel->direction = CORM_ONE_TO_MANY;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cannot infer the direction of relationship \"%s\"", rel->name),
					 errdetail(remote_unique
							   ? "Both local_columns and remote_columns are unique keys of their tables."
							   : "Neither local_columns nor remote_columns are a primary or unique key of their table."),
					 errhint("Pass direction => 'one_to_many' or 'many_to_one'.")));
		return;
	}
	else
	{
		List	   *candidates = fk_candidates(rel->target, rel->parent);
		FkCandidate *fk;

		if (!self_ref)
			candidates = list_concat(candidates, fk_candidates(rel->parent, rel->target));
		fk = pick_fk(candidates, foreign_key, rel->parent, rel->target, "foreign_key", false);
		rel->nlocal = rel->nremote = fk->nkeys;

		/*
		 * The side holding the foreign key is the "many" side.  On a
		 * self-reference both readings are possible: one_to_many unless
		 * direction says otherwise (SQLAlchemy's remote_side).
		 */
		if (self_ref)
			rel->direction = direction ? asked : CORM_ONE_TO_MANY;
		else
		{
			rel->direction = fk->conrelid == rel->target ? CORM_ONE_TO_MANY : CORM_MANY_TO_ONE;
			if (direction && asked != rel->direction)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("direction \"%s\" contradicts foreign key \"%s\"",
								direction, get_constraint_name(fk->conoid)),
						 errdetail("The foreign key is on table \"%s\", which makes the relationship %s.",
								   get_rel_name(fk->conrelid), corm_direction_name(rel->direction)),
						 errhint("Omit direction, or join by local_columns and remote_columns.")));
		}
		if (rel->direction == CORM_ONE_TO_MANY)
		{
			memcpy(rel->local_attnums, fk->confkey, sizeof(AttrNumber) * fk->nkeys);
			memcpy(rel->remote_attnums, fk->conkey, sizeof(AttrNumber) * fk->nkeys);
		}
		else
		{
			memcpy(rel->local_attnums, fk->conkey, sizeof(AttrNumber) * fk->nkeys);
			memcpy(rel->remote_attnums, fk->confkey, sizeof(AttrNumber) * fk->nkeys);
		}
	}
}

/* Foreign keys of table referencing that point at table referenced. */
static List *
fk_candidates(Oid referencing, Oid referenced)
{
	Relation	rel = table_open(referencing, AccessShareLock);
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, RelationGetFKeyList(rel))
	{
		ForeignKeyCacheInfo *info = lfirst(lc);
		FkCandidate *c;

		if (info->confrelid != referenced)
			continue;
		c = palloc0(sizeof(FkCandidate));
		c->conoid = info->conoid;
		c->conrelid = info->conrelid;
		c->confrelid = info->confrelid;
		c->nkeys = info->nkeys;
		memcpy(c->conkey, info->conkey, sizeof(AttrNumber) * info->nkeys);
		memcpy(c->confkey, info->confkey, sizeof(AttrNumber) * info->nkeys);
		result = lappend(result, c);
	}
	table_close(rel, AccessShareLock);
	return result;
}

/* The candidates except the one named conname or with OID conoid. */
static List *
without_fk(List *candidates, const char *conname, Oid conoid)
{
	List	   *rest = NIL;
	ListCell   *lc;

	foreach(lc, candidates)
	{
		FkCandidate *c = lfirst(lc);

		if (c->conoid != conoid &&
			(conname == NULL || strcmp(get_constraint_name(c->conoid), conname) != 0))
			rest = lappend(rest, c);
	}
	return rest;
}

/* Comma-separated names of the candidates, for messages. */
static char *
candidate_names(List *candidates)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, candidates)
	{
		FkCandidate *c = lfirst(lc);

		appendStringInfo(&buf, "%s%s on %s", buf.len ? ", " : "",
						 quote_identifier(get_constraint_name(c->conoid)),
						 quote_identifier(get_rel_name(c->conrelid)));
	}
	return buf.data;
}

/*
 * Exactly one candidate (after filtering by constraint name when one is
 * given) is the join; none or several is an error naming what was found.
 */
static FkCandidate *
pick_fk(List *candidates, const char *conname, Oid from, Oid to, const char *argname,
		bool via_secondary)
{
	List	   *matching = NIL;
	ListCell   *lc;

	if (conname == NULL)
		matching = candidates;
	else
		foreach(lc, candidates)
		{
			FkCandidate *c = lfirst(lc);

			if (strcmp(get_constraint_name(c->conoid), conname) == 0)
				matching = lappend(matching, c);
		}

	if (list_length(matching) == 1)
		return linitial(matching);

	if (conname != NULL && matching == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FOREIGN_KEY),
				 errmsg("foreign key constraint \"%s\" does not join tables \"%s\" and \"%s\"",
						conname, get_rel_name(from), get_rel_name(to)),
				 candidates ? errdetail("Foreign keys that do: %s.", candidate_names(candidates))
				 : errdetail("No foreign key joins them."),
				 errhint("Pass %s => the name of one of them, or join by explicit columns.", argname)));
	if (matching == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FOREIGN_KEY),
				 errmsg("no foreign key joins tables \"%s\" and \"%s\"",
						get_rel_name(from), get_rel_name(to)),
				 errhint("Create a foreign key constraint, or pass local_columns and remote_columns%s.",
						 !via_secondary ? "" :
						 " with secondary_local_columns and secondary_remote_columns")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_FOREIGN_KEY),
			 errmsg("more than one foreign key joins tables \"%s\" and \"%s\"",
					get_rel_name(from), get_rel_name(to)),
			 errdetail("Candidates: %s.", candidate_names(matching)),
			 errhint("Pass %s => the constraint to use.", argname)));
	return NULL;				/* keep compiler quiet */
}

/* Column names (a List of char *) to attribute numbers of relid. */
static int
resolve_columns(Oid relid, List *names, AttrNumber *attnums, const char *argname)
{
	ListCell   *lc;
	int			n = 0;

	if (list_length(names) > CORM_MAX_KEYS)
		ereport(ERROR,
				(errcode(ERRCODE_TOO_MANY_COLUMNS),
				 errmsg("%s has more than %d columns", argname, CORM_MAX_KEYS)));
	foreach(lc, names)
	{
		char	   *colname = lfirst(lc);
		AttrNumber	attnum = get_attnum(relid, colname);
		int			i;

		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of table \"%s\" does not exist",
							colname, get_rel_name(relid)),
					 errhint("%s names columns of table \"%s\".", argname, get_rel_name(relid))));
		for (i = 0; i < n; i++)
			if (attnums[i] == attnum)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column \"%s\" appears twice in %s", colname, argname)));
		attnums[n++] = attnum;
	}
	return n;
}

/*
 * Joined columns must be comparable, and hashable alike, since the loader
 * matches children to parents by hashing keys: the same type (domains look
 * through), binary-coercible types (text/varchar), or types whose default hash
 * operator family has a cross-type equality (int2/int4/int8).
 */
static bool
types_joinable(Oid a, Oid b)
{
	Oid			opclass;

	a = getBaseType(a);
	b = getBaseType(b);
	if (a == b || IsBinaryCoercible(a, b) || IsBinaryCoercible(b, a))
		return true;
	opclass = GetDefaultOpClass(a, HASH_AM_OID);
	return OidIsValid(opclass) &&
		OidIsValid(get_opfamily_member(get_opclass_family(opclass), a, b,
									   HTEqualStrategyNumber));
}

static void
check_pair_types(Oid rel1, const AttrNumber *att1, Oid rel2, const AttrNumber *att2, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		Oid			t1 = get_atttype(rel1, att1[i]);
		Oid			t2 = get_atttype(rel2, att2[i]);

		if (!types_joinable(t1, t2))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\".\"%s\" of type %s cannot be joined to column \"%s\".\"%s\" of type %s",
							get_rel_name(rel1), get_attname(rel1, att1[i], false), format_type_be(t1),
							get_rel_name(rel2), get_attname(rel2, att2[i], false), format_type_be(t2)),
					 errhint("Joined columns need the same type, or types with a common hash equality operator.")));
	}
}

/*
 * Whether the columns are known unique: some non-partial unique index (the
 * primary key included) has only key columns among them.
 */
static bool
columns_are_unique(Oid relid, const AttrNumber *attnums, int n)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		unique = false;

	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index index;
		int			k;
		bool		covered = true;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", lfirst_oid(lc));
		index = (Form_pg_index) GETSTRUCT(tup);
		if (index->indisunique && index->indisvalid &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
		{
			for (k = 0; k < index->indnkeyatts && covered; k++)
			{
				int			i;

				covered = false;
				for (i = 0; i < n; i++)
					if (attnums[i] == index->indkey.values[k])
						covered = true;
			}
			unique = covered;
		}
		ReleaseSysCache(tup);
		if (unique)
			break;
	}
	list_free(indexes);
	table_close(rel, AccessShareLock);
	return unique;
}

/*
 * Parse order_by: a comma-separated list of the target's columns, each
 * optionally followed by ASC or DESC and NULLS FIRST or NULLS LAST.  Column
 * names follow SQL's rules (unquoted names fold to lower case).  It is parsed
 * here rather than kept as text so that renamed columns keep working and no
 * user text ever reaches a statement.
 */
void
corm_parse_order_by(CormRelationship *rel, const char *order_by)
{
	const char *p = order_by;
	const char *target = get_rel_name(rel->target);

	rel->norder = 0;
	if (order_by == NULL)
		return;

	for (;;)
	{
		const char *start;
		char	   *colname;
		CormSortKey *key;
		AttrNumber	attnum;

		while (scanner_isspace(*p))
			p++;
		start = p;
		if (*p == '"')
		{
			StringInfoData buf;

			initStringInfo(&buf);
			for (p++;; p++)
			{
				if (*p == '\0')
					goto syntax_error;
				if (*p == '"')
				{
					if (p[1] != '"')
						break;
					p++;
				}
				appendStringInfoChar(&buf, *p);
			}
			p++;
			colname = buf.data;
			if (colname[0] == '\0')
				goto syntax_error;
		}
		else if (isalpha((unsigned char) *p) || *p == '_' || IS_HIGHBIT_SET(*p))
		{
			while (isalnum((unsigned char) *p) || *p == '_' || *p == '$' || IS_HIGHBIT_SET(*p))
				p++;
			colname = downcase_truncate_identifier(start, p - start, false);
		}
		else
			goto syntax_error;

		attnum = get_attnum(rel->target, colname);
		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of table \"%s\" does not exist", colname, target),
					 errdetail("In order_by \"%s\" at position %d.", order_by, (int) (start - order_by) + 1),
					 errhint("order_by lists columns of the target table \"%s\".", target)));
		if (rel->norder >= CORM_MAX_KEYS)
			ereport(ERROR,
					(errcode(ERRCODE_TOO_MANY_COLUMNS),
					 errmsg("order_by has more than %d columns", CORM_MAX_KEYS)));
		key = &rel->order_by[rel->norder++];
		key->attnum = attnum;
		key->desc = false;

		/* [ASC | DESC] [NULLS FIRST | NULLS LAST] */
		while (scanner_isspace(*p))
			p++;
		if (pg_strncasecmp(p, "asc", 3) == 0 && !isalnum((unsigned char) p[3]) && p[3] != '_')
			p += 3;
		else if (pg_strncasecmp(p, "desc", 4) == 0 && !isalnum((unsigned char) p[4]) && p[4] != '_')
		{
			p += 4;
			key->desc = true;
		}
		key->nulls_first = key->desc;	/* PostgreSQL's default */
		while (scanner_isspace(*p))
			p++;
		if (pg_strncasecmp(p, "nulls", 5) == 0 && scanner_isspace(p[5]))
		{
			p += 5;
			while (scanner_isspace(*p))
				p++;
			if (pg_strncasecmp(p, "first", 5) == 0 && !isalnum((unsigned char) p[5]) && p[5] != '_')
			{
				p += 5;
				key->nulls_first = true;
			}
			else if (pg_strncasecmp(p, "last", 4) == 0 && !isalnum((unsigned char) p[4]) && p[4] != '_')
			{
				p += 4;
				key->nulls_first = false;
			}
			else
				goto syntax_error;
		}
		while (scanner_isspace(*p))
			p++;
		if (*p == '\0')
			return;
		if (*p != ',')
			goto syntax_error;
		p++;
	}

syntax_error:
	ereport(ERROR,
			(errcode(ERRCODE_SYNTAX_ERROR),
			 errmsg("syntax error in order_by \"%s\" at position %d", order_by, (int) (p - order_by) + 1),
			 errhint("order_by is a comma-separated list of columns of \"%s\", each optionally followed by ASC or DESC and NULLS FIRST or NULLS LAST.",
					 target)));
}

/* order_by as text, e.g. published DESC, id; NULL when there is none. */
char *
corm_deparse_order_by(Oid relid, const CormSortKey *keys, int n)
{
	StringInfoData buf;
	int			i;

	if (n == 0)
		return NULL;
	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		char	   *attname = get_attname(relid, keys[i].attnum, true);

		appendStringInfo(&buf, "%s%s", i ? ", " : "",
						 attname ? quote_identifier(attname) : "?");
		if (keys[i].desc)
			appendStringInfoString(&buf, " DESC");
		if (keys[i].nulls_first != keys[i].desc)
			appendStringInfoString(&buf, keys[i].nulls_first ? " NULLS FIRST" : " NULLS LAST");
	}
	return buf.data;
}
