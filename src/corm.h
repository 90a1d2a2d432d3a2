/*-------------------------------------------------------------------------
 *
 * corm.h
 *	  Types and functions shared between corm's modules.
 *
 * A relationship is stored in corm.relationship by table OID and attribute
 * number (see attref.c), read into a CormRelationship, and used by the
 * registration functions, the DDL guards and (later) the loader and the
 * cascade triggers.  Module-private types stay in their own .c file.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_H
#define CORM_H

#include "postgres.h"

#include "access/attnum.h"
#include "nodes/pg_list.h"
#include "pg_config_manual.h"

/* The schema holding corm's catalog; fixed, unlike the functions' schema. */
#define CORM_CATALOG_SCHEMA		"corm"

/* At most this many columns on each side of a join, as for an index. */
#define CORM_MAX_KEYS			INDEX_MAX_KEYS

typedef enum CormDirection
{
	CORM_ONE_TO_MANY,
	CORM_MANY_TO_ONE,
	CORM_ONE_TO_ONE,			/* one-to-many by key, scalar (uselist false) */
	CORM_MANY_TO_MANY
} CormDirection;

typedef enum CormLazy
{
	CORM_LAZY_SELECT,
	CORM_LAZY_JOINED,
	CORM_LAZY_SUBQUERY,
	CORM_LAZY_SELECTIN,
	CORM_LAZY_RAISE,
	CORM_LAZY_NOLOAD
} CormLazy;

typedef enum CormPassiveDeletes
{
	CORM_PASSIVE_FALSE,
	CORM_PASSIVE_TRUE,
	CORM_PASSIVE_ALL
} CormPassiveDeletes;

/* Cascade flags, as SQLAlchemy's CascadeOptions; "all" sets the first five. */
#define CORM_CASCADE_SAVE_UPDATE	0x01
#define CORM_CASCADE_MERGE			0x02
#define CORM_CASCADE_REFRESH_EXPIRE	0x04
#define CORM_CASCADE_EXPUNGE		0x08
#define CORM_CASCADE_DELETE			0x10
#define CORM_CASCADE_DELETE_ORPHAN	0x20
#define CORM_CASCADE_ALL			0x1F
#define CORM_CASCADE_DEFAULT		(CORM_CASCADE_SAVE_UPDATE | CORM_CASCADE_MERGE)

/* A stored column reference: the internal form of type corm.attref. */
typedef struct CormAttref
{
	Oid			relid;
	int16		attnum;
	int16		pad;			/* always zero, so equal values are equal bytes */
} CormAttref;

/* One sort key of a collection's order_by, on the target table. */
typedef struct CormSortKey
{
	AttrNumber	attnum;
	bool		desc;
	bool		nulls_first;
} CormSortKey;

/*
 * A resolved relationship.
 *
 * Without a secondary table the join is
 *	 parent.local_attnums[i] = target.remote_attnums[i]  (nlocal == nremote).
 * With one (many-to-many) it is
 *	 parent.local_attnums[i] = secondary.secondary_local_attnums[i] and
 *	 secondary.secondary_remote_attnums[j] = target.remote_attnums[j].
 */
typedef struct CormRelationship
{
	Oid			parent;
	char	   *name;
	Oid			target;
	CormDirection direction;
	int			nlocal;
	AttrNumber	local_attnums[CORM_MAX_KEYS];
	int			nremote;
	AttrNumber	remote_attnums[CORM_MAX_KEYS];
	Oid			secondary;		/* InvalidOid unless many-to-many */
	AttrNumber	secondary_local_attnums[CORM_MAX_KEYS];
	AttrNumber	secondary_remote_attnums[CORM_MAX_KEYS];
	bool		uselist;
	CormLazy	lazy;
	int			cascade;		/* CORM_CASCADE_* flags */
	CormPassiveDeletes passive_deletes;
	bool		single_parent;
	int			norder;
	CormSortKey order_by[CORM_MAX_KEYS];
	int			join_depth;		/* -1 when NULL */
	char	   *back_populates; /* NULL when not set */
} CormRelationship;

/* An association proxy: parent.name proxies relationship.attribute. */
typedef struct CormProxy
{
	Oid			parent;
	char	   *name;
	char	   *relationship;	/* a relationship of parent */
	char	   *target_relationship;	/* a relationship of its target, or */
	AttrNumber	target_attnum;	/* a column of its target (else 0) */
	Oid			target;			/* the relationship's target, for the column */
} CormProxy;

/* A key declared with corm_primary_key(), for a table that cannot have one. */
typedef struct CormDeclaredKey
{
	Oid			relid;
	int			n;
	AttrNumber	attnums[CORM_MAX_KEYS];
} CormDeclaredKey;

/* attref.c */
extern Oid	corm_attref_type_oid(void);
extern Datum corm_attref_array(Oid relid, const AttrNumber *attnums, int n);
extern int	corm_attref_array_attnums(Datum array, Oid relid, AttrNumber *attnums,
									  int maxn, const char *what);

/* options.c: parsing of option strings (no catalog access) */
extern CormLazy corm_parse_lazy(const char *str);
extern const char *corm_lazy_name(CormLazy lazy);
extern int	corm_parse_cascade(const char *str);
extern Datum corm_cascade_array(int cascade);
extern int	corm_cascade_from_array(Datum array);
extern CormPassiveDeletes corm_parse_passive_deletes(const char *str);
extern const char *corm_passive_deletes_name(CormPassiveDeletes pd);
extern CormDirection corm_parse_direction(const char *str);
extern const char *corm_direction_name(CormDirection dir);
extern CormDirection corm_direction_from_name(const char *str);
extern bool corm_is_identifier_name(const char *name);
extern void corm_check_attribute_name(const char *name, const char *what);

/* infer.c: join inference from the system catalogs */
extern void corm_infer_join(CormRelationship *rel, const char *foreign_key,
							const char *secondary_foreign_key,
							List *local_columns, List *remote_columns,
							List *secondary_local_columns,
							List *secondary_remote_columns,
							const char *direction);
extern void corm_parse_order_by(CormRelationship *rel, const char *order_by);
extern char *corm_deparse_order_by(Oid relid, const CormSortKey *keys, int n);

/* cascade.c: the cascade triggers */
extern void corm_sync_triggers(Oid relid);
extern bool corm_has_foreign_partitions(Oid relid);
extern void corm_fix_trigger_kinds(Oid relid);
extern void corm_remove_all_triggers(void);

/* catalog.c: corm's own catalog tables */
extern void corm_catalog_lock(void);
extern CormRelationship *corm_catalog_get_relationship(Oid parent, const char *name);
extern CormProxy *corm_catalog_get_proxy(Oid parent, const char *name);
extern List *corm_catalog_all_relationships(void);
extern List *corm_catalog_all_proxies(void);
extern void corm_catalog_insert_relationship(const CormRelationship *rel);
extern void corm_catalog_insert_proxy(const CormProxy *proxy);
extern void corm_catalog_delete_relationship(Oid parent, const char *name);
extern void corm_catalog_delete_proxy(Oid parent, const char *name);
extern List *corm_catalog_proxies_using(Oid parent, const char *name);
extern int	corm_catalog_get_primary_key(Oid relid, AttrNumber *attnums);
extern List *corm_catalog_all_primary_keys(void);
extern void corm_catalog_set_primary_key(Oid relid, const AttrNumber *attnums, int n);
extern Oid	corm_catalog_relid(const char *relname, bool missing_ok);
extern char *corm_relationship_display(Oid parent, const char *name);
extern char *corm_qualified_name(Oid relid);
extern bool corm_column_not_null(Oid relid, AttrNumber attnum);

#endif							/* CORM_H */
