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
	DefineCustomIntVariable("corm.plan_cache_size",
							"Prepared statements corm keeps per backend.",
							"The least recently used are freed beyond this; statements that embed a caller's where or order_by are never kept.",
							&corm_plan_cache_size, 256, 0, 100000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("corm.max_load_nodes",
							"Most relationship nodes one load may plan.",
							"Eager-by-default relationships multiply; a load past this is an ERROR.",
							&corm_max_load_nodes, 1000, 1, 1000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("corm.batch_size",
							"Keys per selectin statement, and roots per batch of corm_load_rows.",
							"Results do not depend on it; larger batches mean fewer statements and more memory per batch.",
							&corm_batch_size, 500, 1, 100000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	/* corm.* is ours: a misspelt corm setting is an error, not a silent no-op */
	MarkGUCPrefixReserved("corm");
	/* the loader's caches follow DDL and catalog changes */
	corm_cache_init();
}
