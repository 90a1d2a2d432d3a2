/*-------------------------------------------------------------------------
 *
 * pg_shim.h
 *	  A minimal host for corm's pure modules outside the server, for the
 *	  libFuzzer targets in this directory.
 *
 * pg_shim.c provides what the server would: memory contexts (every chunk
 * its own malloc, so AddressSanitizer sees each one; a context frees all of
 * its chunks and children when deleted), ereport()/elog() with ERROR
 * longjmp-ing to the innermost PG_TRY (PG_exception_stack), FATAL/PANIC
 * and failed Assert()s aborting, the database encoding, the stack depth
 * check and the text <-> C string functions.  StringInfo, List, dynahash,
 * psprintf, snprintf and the encoding tables are PostgreSQL's own sources,
 * compiled next to it by run.sh.
 *
 * A fuzz target calls shim_init() once, then for each input
 * shim_begin_input() ... shim_end_input(): everything allocated in between
 * is freed, and anything left in TopMemoryContext is reported as a leak.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CORM_PG_SHIM_H
#define CORM_PG_SHIM_H

#include "postgres.h"

#include "utils/memutils.h"

/* One-time setup: TopMemoryContext, ErrorContext, UTF8 database encoding. */
extern void shim_init(void);

/*
 * A fresh context for one input, made current; stack_base is the address of
 * a local of the caller, from which check_stack_depth() measures.
 */
extern MemoryContext shim_begin_input(void *stack_base);

/* Delete the input's context; abort() if anything else was left behind. */
extern void shim_end_input(MemoryContext cxt);

/* The "database encoding" (PG_UTF8, PG_SQL_ASCII, PG_EUC_JP, ...). */
extern void shim_set_encoding(int encoding);

/* Number of chunks allocated and not freed in cxt (not its children). */
extern Size shim_context_chunks(MemoryContext cxt);

#endif							/* CORM_PG_SHIM_H */
