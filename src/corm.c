/*-------------------------------------------------------------------------
 *
 * corm.c
 *	  Module entry point: the magic block, _PG_init.
 *
 * corm moves an ORM's relationship layer into the server: relationships
 * declared once in catalog tables (register.c, catalog.c), guarded against
 * DROP (ddl.c).  This file holds no logic.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "corm.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* corm.* is ours: a misspelt corm setting is an error, not a silent no-op */
	MarkGUCPrefixReserved("corm");
}
