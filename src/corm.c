/*-------------------------------------------------------------------------
 *
 * corm.c
 *	  Module entry point: the magic block, _PG_init.
 *
 * corm moves an ORM's relationship layer into the server: relationships
 * declared once in catalog tables (register.c, catalog.c), guarded against
 * DROP (ddl.c), loaded as one JSON graph (load.c and the modules it uses).
 * This file holds no logic.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "corm.h"
#include "load.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* corm.* is ours: a misspelt corm setting is an error, not a silent no-op */
	MarkGUCPrefixReserved("corm");
	/* the loader's caches follow DDL and catalog changes */
	corm_cache_init();
}
