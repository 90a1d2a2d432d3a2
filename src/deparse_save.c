/*-------------------------------------------------------------------------
 *
 * deparse_save.c
 *	  The statements of corm_save, corm_merge, corm_link and corm_unlink.
 *
 * save.c walks the graph and decides what to write; this file spells it,
 * with the pieces and rules of deparse.c.  Values reach the statements
 * only as parameters: a row as one jsonb object ($1) expanded by
 * pg_catalog.jsonb_populate_record over the table's row type (so values
 * convert exactly as PostgreSQL converts them), a list of rows as a jsonb
 * array ($2, jsonb_populate_recordset), ids as $1 / $2 of their own types.
 * Rows read from such a record are aliased r (the row given), p (the
 * parent's key) or k (the rows kept).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "deparse.h"

/* schema.table, for INSERT and for the row type */
static char *
table_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* "pg_catalog.jsonb_populate_record(CAST(NULL AS schema.table), $n) alias" */
static void
append_record(StringInfo buf, Oid relid, int param, const char *alias, bool set)
{
	appendStringInfo(buf, "pg_catalog.jsonb_populate_record%s(CAST(NULL AS %s), $%d) %s",
					 set ? "set" : "", table_name(relid), param, alias);
}

/* "a.k1 = b.k1 AND ..." for columns of relid (and relid2) */
static void
append_pairs(StringInfo buf, Oid relid, const AttrNumber *attnums, const char *a,
			 Oid relid2, const AttrNumber *attnums2, const char *b, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, " AND ");
		corm_deparse_equal(buf, relid, attnums[i], a, relid2, attnums2[i], b, NULL);
	}
}

/* "c1, c2" (prefix NULL) or "r.c1, r.c2" for column names */
static void
append_names(StringInfo buf, List *names, const char *prefix)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		if (foreach_current_index(lc) > 0)
			appendStringInfoString(buf, ", ");
		if (prefix)
			appendStringInfo(buf, "%s.", prefix);
		appendStringInfoString(buf, quote_identifier((char *) lfirst(lc)));
	}
}

/* ---------- corm_link / corm_unlink (single-column keys) ---------- */

/* Whether the parent $1 (of type idtype) exists. */
char *
corm_deparse_link_parent_exists(const CormRelationship *rel, Oid idtype)
{
	StringInfoData buf;
	StringInfoData col;

	initStringInfo(&buf);
	initStringInfo(&col);
	corm_deparse_column(&col, rel->parent, rel->local_attnums[0], "t");
	appendStringInfoString(&buf, "SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->parent);
	appendStringInfoString(&buf, " t WHERE ");
	corm_deparse_equal_exprs(&buf, col.data, get_atttype(rel->parent, rel->local_attnums[0]),
							 "$1", idtype, rel);
	return buf.data;
}

/* The target ids of $2 (elements of elemtype) that name no row, and how many. */
char *
corm_deparse_link_missing_targets(const CormRelationship *rel, Oid elemtype)
{
	StringInfoData buf;
	StringInfoData col;

	initStringInfo(&buf);
	initStringInfo(&col);
	corm_deparse_column(&col, rel->target, rel->remote_attnums[0], "t");
	appendStringInfoString(&buf, "SELECT pg_catalog.string_agg(CAST(u.i AS pg_catalog.text), ', ' ORDER BY u.o), "
						   "pg_catalog.count(*) FROM pg_catalog.unnest($2) WITH ORDINALITY AS u(i, o) "
						   "WHERE u.i IS NULL OR NOT EXISTS (SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " t WHERE ");
	corm_deparse_equal_exprs(&buf, col.data, get_atttype(rel->target, rel->remote_attnums[0]),
							 "u.i", elemtype, rel);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* Insert the association rows ($1, each of $2) that do not exist yet. */
char *
corm_deparse_link_insert(const CormRelationship *rel, Oid idtype, Oid elemtype)
{
	StringInfoData buf;
	StringInfoData local;
	StringInfoData remote;

	initStringInfo(&buf);
	initStringInfo(&local);
	initStringInfo(&remote);
	corm_deparse_column(&local, rel->secondary, rel->secondary_local_attnums[0], "e");
	corm_deparse_column(&remote, rel->secondary, rel->secondary_remote_attnums[0], "e");
	appendStringInfo(&buf, "INSERT INTO %s AS s (", table_name(rel->secondary));
	corm_deparse_column(&buf, rel->secondary, rel->secondary_local_attnums[0], NULL);
	appendStringInfoString(&buf, ", ");
	corm_deparse_column(&buf, rel->secondary, rel->secondary_remote_attnums[0], NULL);
	appendStringInfoString(&buf, ") SELECT $1, u.i FROM (SELECT DISTINCT i FROM pg_catalog.unnest($2) AS i) u "
						   "WHERE NOT EXISTS (SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->secondary);
	appendStringInfoString(&buf, " e WHERE ");
	corm_deparse_equal_exprs(&buf, local.data,
							 get_atttype(rel->secondary, rel->secondary_local_attnums[0]),
							 "$1", idtype, rel);
	appendStringInfoString(&buf, " AND ");
	corm_deparse_equal_exprs(&buf, remote.data,
							 get_atttype(rel->secondary, rel->secondary_remote_attnums[0]),
							 "u.i", elemtype, rel);
	appendStringInfoString(&buf, ") ON CONFLICT DO NOTHING");
	return buf.data;
}

/* Delete the association rows ($1, any of $2). */
char *
corm_deparse_link_delete(const CormRelationship *rel, Oid idtype, Oid elemtype)
{
	StringInfoData buf;
	StringInfoData local;
	StringInfoData remote;

	initStringInfo(&buf);
	initStringInfo(&local);
	initStringInfo(&remote);
	corm_deparse_column(&local, rel->secondary, rel->secondary_local_attnums[0], "s");
	corm_deparse_column(&remote, rel->secondary, rel->secondary_remote_attnums[0], "s");
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->secondary);
	appendStringInfoString(&buf, " s WHERE ");
	corm_deparse_equal_exprs(&buf, local.data,
							 get_atttype(rel->secondary, rel->secondary_local_attnums[0]),
							 "$1", idtype, rel);
	appendStringInfoString(&buf, " AND ");
	corm_deparse_equal_any(&buf, remote.data,
						   get_atttype(rel->secondary, rel->secondary_remote_attnums[0]),
						   "$2", elemtype, rel);
	return buf.data;
}

/* ---------- corm_save / corm_merge: one row ---------- */

/* "t.pk1 = r.pk1 AND ..." */
static void
append_pk_match(StringInfo buf, Oid relid, const AttrNumber *pk, int npk)
{
	append_pairs(buf, relid, pk, "t", relid, pk, "r", npk);
}

/* Whether the row given ($1) exists, by primary key. */
char *
corm_deparse_row_exists(Oid relid, const AttrNumber *pk, int npk)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT 1 FROM ");
	corm_deparse_relation(&buf, relid);
	appendStringInfoString(&buf, " t, ");
	append_record(&buf, relid, 1, "r", false);
	appendStringInfoString(&buf, " WHERE ");
	append_pk_match(&buf, relid, pk, npk);
	return buf.data;
}

/* The stored row of the row given ($1), as jsonb. */
char *
corm_deparse_row_select(Oid relid, const AttrNumber *pk, int npk)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT pg_catalog.to_jsonb(t.*) FROM ");
	corm_deparse_relation(&buf, relid);
	appendStringInfoString(&buf, " t, ");
	append_record(&buf, relid, 1, "r", false);
	appendStringInfoString(&buf, " WHERE ");
	append_pk_match(&buf, relid, pk, npk);
	return buf.data;
}

/* Update the given columns (names, not the key) of the row given ($1). */
char *
corm_deparse_row_update(Oid relid, const AttrNumber *pk, int npk, List *names)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "UPDATE ");
	corm_deparse_relation(&buf, relid);
	appendStringInfoString(&buf, " t SET (");
	append_names(&buf, names, NULL);
	appendStringInfoString(&buf, ") = (SELECT ");
	append_names(&buf, names, "r");
	appendStringInfoString(&buf, " FROM ");
	append_record(&buf, relid, 1, "r", false);
	appendStringInfoString(&buf, ") FROM ");
	append_record(&buf, relid, 1, "r", false);
	appendStringInfoString(&buf, " WHERE ");
	append_pk_match(&buf, relid, pk, npk);
	appendStringInfoString(&buf, " RETURNING pg_catalog.to_jsonb(t.*)");
	return buf.data;
}

/* Insert the given columns (names; NIL: all defaults) of the row given ($1). */
char *
corm_deparse_row_insert(Oid relid, List *names)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "INSERT INTO %s AS t ", table_name(relid));
	if (names == NIL)
		appendStringInfoString(&buf, "DEFAULT VALUES");
	else
	{
		appendStringInfoChar(&buf, '(');
		append_names(&buf, names, NULL);
		appendStringInfoString(&buf, ") SELECT ");
		append_names(&buf, names, "r");
		appendStringInfoString(&buf, " FROM ");
		append_record(&buf, relid, 1, "r", false);
	}
	appendStringInfoString(&buf, " RETURNING pg_catalog.to_jsonb(t.*)");
	return buf.data;
}

/*
 * Insert the row given ($1: names, key included), or update its given
 * columns (set_names) if a concurrent transaction inserted the key first.
 */
char *
corm_deparse_row_upsert(Oid relid, const AttrNumber *pk, int npk, List *names, List *set_names)
{
	StringInfoData buf;
	ListCell   *lc;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "INSERT INTO %s AS t (", table_name(relid));
	append_names(&buf, names, NULL);
	appendStringInfoString(&buf, ") SELECT ");
	append_names(&buf, names, "r");
	appendStringInfoString(&buf, " FROM ");
	append_record(&buf, relid, 1, "r", false);
	appendStringInfoString(&buf, " ON CONFLICT (");
	for (i = 0; i < npk; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		corm_deparse_column(&buf, relid, pk[i], NULL);
	}
	appendStringInfoString(&buf, ") DO UPDATE SET ");
	foreach(lc, set_names)
	{
		const char *col = quote_identifier((char *) lfirst(lc));

		appendStringInfo(&buf, "%s%s = EXCLUDED.%s", foreach_current_index(lc) ? ", " : "", col, col);
	}
	/* nothing but the key given: a no-op update, which returns the row all the same */
	if (set_names == NIL)
	{
		const char *col = quote_identifier(get_attname(relid, pk[0], false));

		appendStringInfo(&buf, "%s = EXCLUDED.%s", col, col);
	}
	appendStringInfoString(&buf, " RETURNING pg_catalog.to_jsonb(t.*)");
	return buf.data;
}

/* ---------- corm_merge: a collection replaced ---------- */

/*
 * The stored children c of the parent ($1: its key as rel's target row)
 * that are not among the rows kept ($2, by primary key), to delete
 * (CORM_DEASSOCIATE_DELETE), to look for (..._FIND) or to nullify.
 */
char *
corm_deparse_deassociate(const CormRelationship *rel, const AttrNumber *pk, int npk,
						 CormDeassociate what)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	switch (what)
	{
		case CORM_DEASSOCIATE_DELETE:
			appendStringInfoString(&buf, "DELETE FROM ");
			corm_deparse_relation(&buf, rel->target);
			appendStringInfoString(&buf, " c USING ");
			break;
		case CORM_DEASSOCIATE_FIND:
			appendStringInfoString(&buf, "SELECT 1 FROM ");
			corm_deparse_relation(&buf, rel->target);
			appendStringInfoString(&buf, " c, ");
			break;
		case CORM_DEASSOCIATE_NULLIFY:
			appendStringInfoString(&buf, "UPDATE ");
			corm_deparse_relation(&buf, rel->target);
			appendStringInfoString(&buf, " c SET ");
			for (i = 0; i < rel->nremote; i++)
			{
				if (i > 0)
					appendStringInfoString(&buf, ", ");
				corm_deparse_column(&buf, rel->target, rel->remote_attnums[i], NULL);
				appendStringInfoString(&buf, " = NULL");
			}
			appendStringInfoString(&buf, " FROM ");
			break;
	}
	append_record(&buf, rel->target, 1, "p", false);
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, rel->target, rel->remote_attnums, "c", rel->target, rel->remote_attnums, "p",
				 rel->nremote);
	appendStringInfoString(&buf, " AND NOT EXISTS (SELECT 1 FROM ");
	append_record(&buf, rel->target, 2, "k", true);
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, rel->target, pk, "k", rel->target, pk, "c", npk);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* Insert the association row given ($1, a secondary row) unless it exists. */
char *
corm_deparse_secondary_insert(const CormRelationship *rel, List *names)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "INSERT INTO %s (", table_name(rel->secondary));
	append_names(&buf, names, NULL);
	appendStringInfoString(&buf, ") SELECT ");
	append_names(&buf, names, "r");
	appendStringInfoString(&buf, " FROM ");
	append_record(&buf, rel->secondary, 1, "r", false);
	appendStringInfoString(&buf, " WHERE NOT EXISTS (SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->secondary);
	appendStringInfoString(&buf, " e WHERE ");
	append_pairs(&buf, rel->secondary, rel->secondary_local_attnums, "e",
				 rel->secondary, rel->secondary_local_attnums, "r", rel->nlocal);
	appendStringInfoString(&buf, " AND ");
	append_pairs(&buf, rel->secondary, rel->secondary_remote_attnums, "e",
				 rel->secondary, rel->secondary_remote_attnums, "r", rel->nremote);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* The association rows of the parent ($1) to targets not kept ($2). */
char *
corm_deparse_secondary_delete_others(const CormRelationship *rel)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->secondary);
	appendStringInfoString(&buf, " s USING ");
	append_record(&buf, rel->secondary, 1, "p", false);
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, rel->secondary, rel->secondary_local_attnums, "s",
				 rel->secondary, rel->secondary_local_attnums, "p", rel->nlocal);
	appendStringInfoString(&buf, " AND NOT EXISTS (SELECT 1 FROM ");
	append_record(&buf, rel->secondary, 2, "k", true);
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, rel->secondary, rel->secondary_remote_attnums, "k",
				 rel->secondary, rel->secondary_remote_attnums, "s", rel->nremote);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}
