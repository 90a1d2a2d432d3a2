/*-------------------------------------------------------------------------
 *
 * deparse.c
 *	  The pieces of every SQL text corm writes, and the statements of the
 *	  cascade triggers.
 *
 * As postgres_fdw's deparse.c, this is the one place that decides how a
 * table, a column, a type or a comparison is spelled; the rules are in
 * deparse.h.  Comparisons follow ri_triggers.c: the operator is the one
 * the key types' btree (or hash) support provides, found by OID and
 * written with its schema, so that an operator a role creates in a schema
 * of its search_path is never chosen — not even for an enum or domain key,
 * where an unqualified = would consider it.
 *
 * The cascade statements compare the rows of a transition table (corm_old,
 * corm_new: a name the parser resolves before any table) with a table's
 * rows by EXISTS over the join columns: no IN, which would pick = from the
 * search_path.  Where PostgreSQL cannot collect transition tables — a
 * partitioned table with foreign partitions — the same statements read one
 * row given as parameters instead (see append_changed_rows).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
#include "access/stratnum.h"

#include "deparse.h"
#include "load.h"

/* ---------- pieces ---------- */

/* A table: ONLY schema.name for a plain table, schema.name otherwise. */
void
corm_deparse_relation(StringInfo buf, Oid relid)
{
	char	   *relname = get_rel_name(relid);

	if (relname == NULL)
		elog(ERROR, "cache lookup failed for relation %u", relid);
	appendStringInfo(buf, "%s%s",
					 get_rel_relkind(relid) == RELKIND_RELATION ? "ONLY " : "",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												relname));
}

/* alias.column (alias may be NULL) */
void
corm_deparse_column(StringInfo buf, Oid relid, AttrNumber attnum, const char *alias)
{
	if (alias)
		appendStringInfo(buf, "%s.", alias);
	appendStringInfoString(buf, quote_identifier(get_attname(relid, attnum, false)));
}

/* A type, schema-qualified, with its modifiers. */
char *
corm_deparse_type(Oid type)
{
	return format_type_be_qualified(type);
}

/* A string literal (for names the catalog holds, never for user values). */
char *
corm_deparse_literal(const char *str)
{
	return quote_literal_cstr(str);
}

/*
 * The equality operator between a value of type1 and one of type2: the
 * types' own (btree, else hash) equality when their base types are the
 * same, else the cross-type member of the first type's btree family, else
 * the equality of the type the other is binary-coercible to.  Sets the
 * operator's input types.
 */
static Oid
equality_operator(Oid type1, Oid type2, Oid *in1, Oid *in2, const CormRelationship *rel)
{
	Oid			base1 = getBaseType(type1);
	Oid			base2 = getBaseType(type2);
	Oid			opno = InvalidOid;

	if (base1 == base2)
		opno = lookup_type_cache(base1, TYPECACHE_EQ_OPR)->eq_opr;
	else
	{
		TypeCacheEntry *tc = lookup_type_cache(base1, TYPECACHE_BTREE_OPFAMILY);

		if (OidIsValid(tc->btree_opf))
			opno = get_opfamily_member(tc->btree_opf, base1, base2, BTEqualStrategyNumber);
		if (!OidIsValid(opno) && IsBinaryCoercible(base1, base2))
			opno = lookup_type_cache(base2, TYPECACHE_EQ_OPR)->eq_opr;
		if (!OidIsValid(opno) && IsBinaryCoercible(base2, base1))
			opno = lookup_type_cache(base1, TYPECACHE_EQ_OPR)->eq_opr;
	}
	if (!OidIsValid(opno))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 rel ? errmsg("relationship \"%s\" compares %s with %s, which have no equality operator",
							  corm_relationship_display(rel->parent, rel->name),
							  format_type_be(type1), format_type_be(type2))
				 : errmsg("%s and %s have no equality operator",
						  format_type_be(type1), format_type_be(type2)),
				 errdetail("A join column's type was probably changed after the relationship was registered."),
				 errhint("Drop the relationship with corm_drop_relationship() and register it again, or change the column back.")));
	op_input_types(opno, in1, in2);
	return opno;
}

/*
 * ERROR (naming rel) unless a value of type1 can be compared with one of
 * type2: for the loader, which checks each join before writing its
 * statements, so that a column whose type changed after registration is
 * reported as the relationship's problem.
 */
void
corm_deparse_check_comparable(Oid type1, Oid type2, const CormRelationship *rel)
{
	Oid			in1;
	Oid			in2;

	(void) equality_operator(type1, type2, &in1, &in2, rel);
}

/* OPERATOR(schema.name) for operator opno */
static void
append_operator(StringInfo buf, Oid opno)
{
	HeapTuple	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	Form_pg_operator op;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opno);
	op = (Form_pg_operator) GETSTRUCT(tup);
	appendStringInfo(buf, "OPERATOR(%s.%s)", quote_identifier(get_namespace_name(op->oprnamespace)),
					 NameStr(op->oprname));
	ReleaseSysCache(tup);
}

/* expr, cast to type unless it is of that type already (or type is polymorphic). */
static void
append_operand(StringInfo buf, const char *expr, Oid exprtype, Oid type)
{
	if (exprtype == type || IsPolymorphicType(type))
		appendStringInfoString(buf, expr);
	else
		appendStringInfo(buf, "CAST(%s AS %s)", expr, corm_deparse_type(type));
}

/*
 * "expr1 OPERATOR(schema.=) expr2" with the equality operator of their
 * types; rel (may be NULL) names the relationship if there is none.
 */
void
corm_deparse_equal_exprs(StringInfo buf, const char *expr1, Oid type1,
						 const char *expr2, Oid type2, const CormRelationship *rel)
{
	Oid			in1;
	Oid			in2;
	Oid			opno = equality_operator(type1, type2, &in1, &in2, rel);

	append_operand(buf, expr1, type1, in1);
	appendStringInfoChar(buf, ' ');
	append_operator(buf, opno);
	appendStringInfoChar(buf, ' ');
	append_operand(buf, expr2, type2, in2);
}

/*
 * "expr OPERATOR(schema.=) ANY (array)" where array holds values of
 * elemtype, with the equality operator of (type, elemtype).
 */
void
corm_deparse_equal_any(StringInfo buf, const char *expr, Oid type, const char *array,
					   Oid elemtype, const CormRelationship *rel)
{
	Oid			in1;
	Oid			in2;
	Oid			opno = equality_operator(type, elemtype, &in1, &in2, rel);

	append_operand(buf, expr, type, in1);
	appendStringInfoChar(buf, ' ');
	append_operator(buf, opno);
	appendStringInfoString(buf, " ANY (");
	if (elemtype == in2 || IsPolymorphicType(in2))
		appendStringInfoString(buf, array);
	else
		appendStringInfo(buf, "CAST(%s AS %s)", array, corm_deparse_type(get_array_type(in2)));
	appendStringInfoChar(buf, ')');
}

/* alias1.column1 = alias2.column2, as corm_deparse_equal_exprs() */
void
corm_deparse_equal(StringInfo buf, Oid relid1, AttrNumber attnum1, const char *alias1,
				   Oid relid2, AttrNumber attnum2, const char *alias2,
				   const CormRelationship *rel)
{
	StringInfoData c1;
	StringInfoData c2;

	initStringInfo(&c1);
	initStringInfo(&c2);
	corm_deparse_column(&c1, relid1, attnum1, alias1);
	corm_deparse_column(&c2, relid2, attnum2, alias2);
	corm_deparse_equal_exprs(buf, c1.data, get_atttype(relid1, attnum1),
							 c2.data, get_atttype(relid2, attnum2), rel);
}

/* "a.x1 = b.y1 AND a.x2 = b.y2 ..." over n column pairs */
static void
append_pairs(StringInfo buf, Oid relid1, const AttrNumber *attnums1, const char *alias1,
			 Oid relid2, const AttrNumber *attnums2, const char *alias2, int n,
			 const CormRelationship *rel)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, " AND ");
		corm_deparse_equal(buf, relid1, attnums1[i], alias1, relid2, attnums2[i], alias2, rel);
	}
}

/* "(a.x1 IS [NOT] NULL AND|OR ...)" */
static void
append_null_test(StringInfo buf, Oid relid, const AttrNumber *attnums, int n,
				 const char *alias, bool is_null, bool any)
{
	int			i;

	appendStringInfoChar(buf, '(');
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, any ? " OR " : " AND ");
		corm_deparse_column(buf, relid, attnums[i], alias);
		appendStringInfoString(buf, is_null ? " IS NULL" : " IS NOT NULL");
	}
	appendStringInfoChar(buf, ')');
}

/* ---------- the cascade triggers' statements ---------- */

/*
 * CREATE TRIGGER for one of corm's triggers on relid: AFTER DELETE (for_delete)
 * or AFTER UPDATE; a row trigger or a statement trigger; with the old rows
 * as corm_old (and for an update the new ones as corm_new) when transition,
 * else a row trigger that sees one row per event.
 */
char *
corm_deparse_create_trigger(Oid relid, const char *name, bool for_delete, bool for_row,
							bool transition)
{
	Assert(transition || for_row);
	return psprintf("CREATE TRIGGER %s AFTER %s ON %s %s"
					"FOR EACH %s EXECUTE FUNCTION corm.%s()",
					quote_identifier(name), for_delete ? "DELETE" : "UPDATE",
					quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
											   get_rel_name(relid)),
					!transition ? ""
					: for_delete ? "REFERENCING OLD TABLE AS corm_old "
					: "REFERENCING OLD TABLE AS corm_old NEW TABLE AS corm_new ",
					for_row ? "ROW" : "STATEMENT",
					for_delete ? "on_delete" : "on_update");
}

/*
 * The rows of relid that the statement being cascaded deleted or updated,
 * as "<source> alias": the old rows (new_rows false) or the new ones.
 *
 * Normally the transition table corm_old / corm_new.  With one_row, the one
 * row of a row event given as parameters — the old row's columns $1..$n,
 * the new row's $n+1..$2n, n the live columns of relid in attribute order
 * (its CormTable) — as a subquery without FROM.  The planner pulls it up,
 * so that "t.fk = o.key" becomes "t.fk = $1", which postgres_fdw sends to
 * the shard with the statement (a DELETE or UPDATE done there).
 */
static void
append_changed_rows(StringInfo buf, Oid relid, bool one_row, bool new_rows, const char *alias)
{
	CormTable  *t;
	int			i;

	if (!one_row)
	{
		appendStringInfo(buf, "%s %s", new_rows ? "corm_new" : "corm_old", alias);
		return;
	}
	t = corm_cached_table(relid);
	appendStringInfoString(buf, "(SELECT ");
	for (i = 0; i < t->ncols; i++)
		appendStringInfo(buf, "%s$%d AS %s", i > 0 ? ", " : "",
						 (new_rows ? t->ncols : 0) + i + 1, t->colnames[i]);
	appendStringInfo(buf, ") %s", alias);
}

/*
 * Before an EXISTS over the transition table, on a table with foreign
 * partitions: "a.x1 = ANY (ARRAY(SELECT o.y1 FROM corm_old o)) AND ... AND "
 * for each column pair.  postgres_fdw cannot send a join with the
 * transition table to a shard, and would fetch (and lock) every row of
 * every shard to find the few the EXISTS keeps; it sends these, whose
 * arrays are computed once here, so that each shard returns the rows
 * matching column by column (the EXISTS then picks among them).
 */
static void
append_shard_filter(StringInfo buf, Oid relid, const AttrNumber *attnums, const char *alias,
					Oid orelid, const AttrNumber *oattnums, int n, const CormRelationship *rel)
{
	int			i;

	if (!corm_cached_table(relid)->foreign_parts)
		return;
	for (i = 0; i < n; i++)
	{
		StringInfoData col;
		StringInfoData array;

		initStringInfo(&col);
		initStringInfo(&array);
		corm_deparse_column(&col, relid, attnums[i], alias);
		appendStringInfoString(&array, "ARRAY(SELECT ");
		corm_deparse_column(&array, orelid, oattnums[i], "o");
		appendStringInfoString(&array, " FROM corm_old o)");
		corm_deparse_equal_any(buf, col.data, get_atttype(relid, attnums[i]), array.data,
							   get_atttype(orelid, oattnums[i]), rel);
		appendStringInfoString(buf, " AND ");
	}
}

/*
 * The row of relid whose key (pk) is that of the one row given as parameters
 * (see append_changed_rows), its live columns in order.  A row event's
 * DELETE whose row is still there was an UPDATE of the partition key, which
 * PostgreSQL runs as a DELETE and an INSERT: the row moved, to another shard.
 */
char *
corm_deparse_row_by_key(Oid relid, const AttrNumber *pk, int npk)
{
	CormTable  *t = corm_cached_table(relid);
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT ");
	for (i = 0; i < t->ncols; i++)
		appendStringInfo(&buf, "%st.%s", i > 0 ? ", " : "", t->colnames[i]);
	appendStringInfoString(&buf, " FROM ");
	corm_deparse_relation(&buf, relid);
	appendStringInfoString(&buf, " t, ");
	append_changed_rows(&buf, relid, true, false, "o");
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, relid, pk, "t", relid, pk, "o", npk, NULL);
	return buf.data;
}

/*
 * The condition that a row t of rel's target belongs to one of the deleted
 * parents (corm_old o): EXISTS (... t.remote = o.local ...).
 */
static void
append_child_of_deleted(StringInfo buf, const CormRelationship *rel, bool one_row)
{
	if (!one_row)
		append_shard_filter(buf, rel->target, rel->remote_attnums, "t",
							rel->parent, rel->local_attnums, rel->nremote, rel);
	appendStringInfoString(buf, "EXISTS (SELECT 1 FROM ");
	append_changed_rows(buf, rel->parent, one_row, false, "o");
	appendStringInfoString(buf, " WHERE ");
	append_pairs(buf, rel->target, rel->remote_attnums, "t", rel->parent, rel->local_attnums, "o",
				 rel->nremote, rel);
	appendStringInfoChar(buf, ')');
}

/* Delete the rows of rel's target that the deleted parents held. */
char *
corm_deparse_delete_children(const CormRelationship *rel, bool one_row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " t WHERE ");
	append_child_of_deleted(&buf, rel, one_row);
	return buf.data;
}

/* Whether the deleted parents had any child (for the NOT NULL check). */
char *
corm_deparse_children_exist(const CormRelationship *rel, bool one_row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " t WHERE ");
	append_child_of_deleted(&buf, rel, one_row);
	appendStringInfoString(&buf, " LIMIT 1");
	return buf.data;
}

/* Set the keys of the deleted parents' children to NULL. */
char *
corm_deparse_nullify_children(const CormRelationship *rel, bool one_row)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "UPDATE ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " t SET ");
	for (i = 0; i < rel->nremote; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		corm_deparse_column(&buf, rel->target, rel->remote_attnums[i], NULL);
		appendStringInfoString(&buf, " = NULL");
	}
	appendStringInfoString(&buf, " WHERE ");
	append_child_of_deleted(&buf, rel, one_row);
	return buf.data;
}

/* EXISTS (corm_old o whose key s's columns hold), for secondary rows s */
static void
append_secondary_of_deleted(StringInfo buf, const CormRelationship *rel, bool from_parent,
							bool one_row)
{
	appendStringInfoString(buf, "EXISTS (SELECT 1 FROM ");
	append_changed_rows(buf, from_parent ? rel->parent : rel->target, one_row, false, "o");
	appendStringInfoString(buf, " WHERE ");
	if (from_parent)
		append_pairs(buf, rel->secondary, rel->secondary_local_attnums, "s",
					 rel->parent, rel->local_attnums, "o", rel->nlocal, rel);
	else
		append_pairs(buf, rel->secondary, rel->secondary_remote_attnums, "s",
					 rel->target, rel->remote_attnums, "o", rel->nremote, rel);
	appendStringInfoChar(buf, ')');
}

/* Many-to-many with delete: the targets the deleted parents' association rows lead to. */
char *
corm_deparse_delete_secondary_targets(const CormRelationship *rel, bool one_row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " t WHERE EXISTS (SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->secondary);
	appendStringInfoString(&buf, " s WHERE ");
	append_pairs(&buf, rel->target, rel->remote_attnums, "t",
				 rel->secondary, rel->secondary_remote_attnums, "s", rel->nremote, rel);
	appendStringInfoString(&buf, " AND ");
	append_secondary_of_deleted(&buf, rel, true, one_row);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * The association rows of deleted rows: of deleted parents (from_parent),
 * else of deleted targets.
 */
char *
corm_deparse_delete_secondary(const CormRelationship *rel, bool from_parent, bool one_row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->secondary);
	appendStringInfoString(&buf, " s WHERE ");
	if (!one_row && from_parent)
		append_shard_filter(&buf, rel->secondary, rel->secondary_local_attnums, "s",
							rel->parent, rel->local_attnums, rel->nlocal, rel);
	else if (!one_row)
		append_shard_filter(&buf, rel->secondary, rel->secondary_remote_attnums, "s",
							rel->target, rel->remote_attnums, rel->nremote, rel);
	append_secondary_of_deleted(&buf, rel, from_parent, one_row);
	return buf.data;
}

/*
 * Association rows deleted (corm_old o of the secondary): under
 * delete-orphan, the targets they led to that no association row still
 * leads to.
 */
char *
corm_deparse_delete_secondary_orphans(const CormRelationship *rel, bool one_row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " t WHERE EXISTS (SELECT 1 FROM ");
	append_changed_rows(&buf, rel->secondary, one_row, false, "o");
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, rel->target, rel->remote_attnums, "t",
				 rel->secondary, rel->secondary_remote_attnums, "o", rel->nremote, rel);
	appendStringInfoString(&buf, ") AND NOT EXISTS (SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->secondary);
	appendStringInfoString(&buf, " s WHERE ");
	append_pairs(&buf, rel->secondary, rel->secondary_remote_attnums, "s",
				 rel->target, rel->remote_attnums, "t", rel->nremote, rel);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* "FROM corm_old o JOIN corm_new n ON o.pk = n.pk" for table relid */
static void
append_old_new(StringInfo buf, Oid relid, const AttrNumber *pk, int npk, bool one_row)
{
	appendStringInfoString(buf, "FROM ");
	append_changed_rows(buf, relid, one_row, false, "o");
	appendStringInfoString(buf, " JOIN ");
	append_changed_rows(buf, relid, one_row, true, "n");
	appendStringInfoString(buf, " ON ");
	append_pairs(buf, relid, pk, "o", relid, pk, "n", npk, NULL);
}

/*
 * delete-orphan, one-to-many: the children (rel's target, updated) whose
 * key went from a value to NULL in this statement and is NULL still.
 */
char *
corm_deparse_delete_orphans(const CormRelationship *rel, const AttrNumber *pk, int npk,
							bool one_row)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " c WHERE ");
	append_null_test(&buf, rel->target, rel->remote_attnums, rel->nremote, "c", true, true);
	appendStringInfoString(&buf, " AND EXISTS (SELECT 1 ");
	append_old_new(&buf, rel->target, pk, npk, one_row);
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, rel->target, pk, "c", rel->target, pk, "n", npk, NULL);
	appendStringInfoString(&buf, " AND ");
	append_null_test(&buf, rel->target, rel->remote_attnums, rel->nremote, "o", false, false);
	appendStringInfoString(&buf, " AND ");
	append_null_test(&buf, rel->target, rel->remote_attnums, rel->nremote, "n", true, true);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * delete-orphan, many-to-one with single_parent: the objects (rel's
 * target) that updated rows of rel's parent stopped referring to, unless
 * another row still refers to them.
 */
char *
corm_deparse_delete_m2o_orphans(const CormRelationship *rel, const AttrNumber *pk, int npk,
								bool one_row)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "DELETE FROM ");
	corm_deparse_relation(&buf, rel->target);
	appendStringInfoString(&buf, " t WHERE EXISTS (SELECT 1 ");
	append_old_new(&buf, rel->parent, pk, npk, one_row);
	appendStringInfoString(&buf, " WHERE ");
	append_pairs(&buf, rel->target, rel->remote_attnums, "t",
				 rel->parent, rel->local_attnums, "o", rel->nlocal, rel);
	appendStringInfoString(&buf, " AND ");
	append_null_test(&buf, rel->parent, rel->local_attnums, rel->nlocal, "o", false, false);
	/* the new key differs: a column is NULL or not equal (the old one has none NULL) */
	appendStringInfoString(&buf, " AND NOT (");
	for (i = 0; i < rel->nlocal; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, " AND ");
		corm_deparse_column(&buf, rel->parent, rel->local_attnums[i], "n");
		appendStringInfoString(&buf, " IS NOT NULL AND ");
		corm_deparse_equal(&buf, rel->parent, rel->local_attnums[i], "n",
						   rel->parent, rel->local_attnums[i], "o", rel);
	}
	appendStringInfoString(&buf, ")) AND NOT EXISTS (SELECT 1 FROM ");
	corm_deparse_relation(&buf, rel->parent);
	appendStringInfoString(&buf, " p WHERE ");
	append_pairs(&buf, rel->parent, rel->local_attnums, "p",
				 rel->target, rel->remote_attnums, "t", rel->nlocal, rel);
	appendStringInfoChar(&buf, ')');
	return buf.data;
}
