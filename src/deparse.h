/*-------------------------------------------------------------------------
 *
 * deparse.h
 *	  The SQL text corm writes: the pieces every statement is made of and
 *	  the cascade triggers' statements (deparse.c), the loader's (deparse_load.c),
 *	  and those of corm_save / corm_merge / corm_link (deparse_save.c).
 *
 * Rules every text follows, so that no search_path, no operator, function
 * or type a role creates can change what a statement does (it may run as
 * another role, see cascade.c):
 *	 - identifiers through quote_identifier(), tables schema-qualified;
 *	 - values only as $n parameters;
 *	 - comparisons with the key types' own equality operator, chosen by OID
 *	   and written OPERATOR(schema.=) with both operands of its input types;
 *	   never IN, IS DISTINCT FROM or an unqualified =;
 *	 - functions and types schema-qualified (pg_catalog.*);
 *	 - plain tables as ONLY: a table's foreign keys, and so its
 *	   relationships, do not reach into inheritance children.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_DEPARSE_H
#define CORM_DEPARSE_H

#include "lib/stringinfo.h"

#include "corm.h"

/* deparse.c: pieces */
extern void corm_deparse_relation(StringInfo buf, Oid relid);
extern void corm_deparse_column(StringInfo buf, Oid relid, AttrNumber attnum, const char *alias);
extern void corm_deparse_equal(StringInfo buf, Oid relid1, AttrNumber attnum1, const char *alias1,
							   Oid relid2, AttrNumber attnum2, const char *alias2,
							   const CormRelationship *rel);
extern void corm_deparse_equal_exprs(StringInfo buf, const char *expr1, Oid type1,
									 const char *expr2, Oid type2, const CormRelationship *rel);
extern void corm_deparse_equal_any(StringInfo buf, const char *expr, Oid type, const char *array,
								   Oid elemtype, const CormRelationship *rel);
extern void corm_deparse_check_comparable(Oid type1, Oid type2, const CormRelationship *rel);
extern char *corm_deparse_type(Oid type);
extern char *corm_deparse_literal(const char *str);

/*
 * deparse.c: the cascade triggers' statements.  They read the rows being
 * deleted or updated from the transition tables corm_old / corm_new, or
 * with one_row from one row given as parameters $1..$n (old) and
 * $n+1..$2n (new), n the live columns of the table whose rows they are, in
 * attribute order (its CormTable): for tables whose triggers cannot have
 * transition tables (partitioned tables with foreign partitions).
 */
extern char *corm_deparse_create_trigger(Oid relid, const char *name, bool for_delete, bool for_row,
										 bool transition);
extern char *corm_deparse_row_by_key(Oid relid, const AttrNumber *pk, int npk);
extern char *corm_deparse_delete_children(const CormRelationship *rel, bool one_row);
extern char *corm_deparse_children_exist(const CormRelationship *rel, bool one_row);
extern char *corm_deparse_nullify_children(const CormRelationship *rel, bool one_row);
extern char *corm_deparse_delete_secondary_targets(const CormRelationship *rel, bool one_row);
extern char *corm_deparse_delete_secondary(const CormRelationship *rel, bool from_parent,
										   bool one_row);
extern char *corm_deparse_delete_secondary_orphans(const CormRelationship *rel, bool one_row);
extern char *corm_deparse_delete_orphans(const CormRelationship *rel, const AttrNumber *pk, int npk,
										 bool one_row);
extern char *corm_deparse_delete_m2o_orphans(const CormRelationship *rel, const AttrNumber *pk,
											 int npk, bool one_row);

/* deparse_save.c: corm_save, corm_merge, corm_link, corm_unlink */
typedef enum CormDeassociate
{
	CORM_DEASSOCIATE_DELETE,
	CORM_DEASSOCIATE_FIND,
	CORM_DEASSOCIATE_NULLIFY
} CormDeassociate;

extern char *corm_deparse_link_parent_exists(const CormRelationship *rel, Oid idtype);
extern char *corm_deparse_link_missing_targets(const CormRelationship *rel, Oid elemtype);
extern char *corm_deparse_link_insert(const CormRelationship *rel, Oid idtype, Oid elemtype);
extern char *corm_deparse_link_delete(const CormRelationship *rel, Oid idtype, Oid elemtype);
extern char *corm_deparse_row_exists(Oid relid, const AttrNumber *pk, int npk);
extern char *corm_deparse_row_select(Oid relid, const AttrNumber *pk, int npk);
extern char *corm_deparse_row_update(Oid relid, const AttrNumber *pk, int npk, List *names);
extern char *corm_deparse_row_insert(Oid relid, List *names);
extern char *corm_deparse_row_upsert(Oid relid, const AttrNumber *pk, int npk, List *names,
									 List *set_names);
extern char *corm_deparse_deassociate(const CormRelationship *rel, const AttrNumber *pk, int npk,
									  CormDeassociate what);
extern char *corm_deparse_secondary_insert(const CormRelationship *rel, List *names);
extern char *corm_deparse_secondary_delete_others(const CormRelationship *rel);

#endif							/* CORM_DEPARSE_H */
