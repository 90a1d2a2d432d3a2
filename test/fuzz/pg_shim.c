/*-------------------------------------------------------------------------
 *
 * pg_shim.c
 *	  Just enough of the PostgreSQL backend to run corm's pure modules (the
 *	  load spec parser, ...) in a libFuzzer process.  See pg_shim.h.
 *
 * Compiled against the server's own headers (pg_config --includedir-server),
 * so the modules under test compile unchanged.  What the server does and
 * this file imitates:
 *
 * - Memory contexts.  Every chunk is a separate malloc() with a header in
 *	 front, the last field of which is the owning context, as
 *	 GetMemoryChunkContext() expects; the rest of the header is poisoned for
 *	 AddressSanitizer, so writing before a chunk is reported, and pfree()
 *	 checks the header.  repalloc() always moves the chunk (a stale pointer
 *	 to the old one is then a use-after-free).  Deleting or resetting a
 *	 context frees its chunks; deleting frees its children too.  Requests
 *	 over MaxAllocSize are an ERROR, as in mcxt.c.
 * - ereport()/elog().  Messages are formatted (in ErrorContext) whatever the
 *	 level.  ERROR longjmps to PG_exception_stack (PG_TRY/PG_CATCH work as in
 *	 the server; CopyErrorData() and FlushErrorState() too); below ERROR the
 *	 report is dropped; FATAL, PANIC, an ERROR with no PG_TRY around it, and
 *	 a failed Assert() print the report and abort(), so the fuzzer records a
 *	 crash.
 * - The database encoding (pg_mblen, pg_mbcliplen, ...) over wchar.c's
 *	 tables, as mbutils.c does.
 * - check_stack_depth() with the default max_stack_depth of 2MB, measured
 *	 from the base the fuzz target gives; CHECK_FOR_INTERRUPTS() never fires.
 * - text_to_cstring() and friends, for the SQL-callable wrappers.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/xact.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/memnodes.h"
#include "storage/s_lock.h"
#include "storage/shmem.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "pg_shim.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHIM_ASAN 1
#endif
#endif
#if !defined(SHIM_ASAN) && defined(__SANITIZE_ADDRESS__)
#define SHIM_ASAN 1
#endif
#ifdef SHIM_ASAN
#include <sanitizer/asan_interface.h>
#define SHIM_POISON(p, n)	__asan_poison_memory_region((p), (n))
#define SHIM_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define SHIM_POISON(p, n)	((void) 0)
#define SHIM_UNPOISON(p, n) ((void) 0)
#endif

static void shim_fatal(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

static void
shim_fatal(const char *fmt,...)
{
	va_list		ap;

	fflush(stdout);
	fprintf(stderr, "pg_shim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	abort();
}

/* ----------------------------------------------------------------
 *	Memory contexts
 * ----------------------------------------------------------------
 */

#define SHIM_CHUNK_MAGIC	UINT64CONST(0x636f726d4368756e)	/* "cormChun" */
#define SHIM_FREED_MAGIC	UINT64CONST(0x6672656564636875)

typedef struct ShimContext ShimContext;

typedef struct ShimChunk
{
	uint64		magic;
	struct ShimChunk *prev;
	struct ShimChunk *next;
	ShimContext *owner;			/* a copy of context, to check it */
	Size		size;
	uint64		pad;
	MemoryContext context;		/* must be last: GetMemoryChunkContext() */
} ShimChunk;

/* the part of the header poisoned while the chunk is allocated */
#define SHIM_POISONED		offsetof(ShimChunk, context)

StaticAssertDecl(sizeof(ShimChunk) % MAXIMUM_ALIGNOF == 0,
				 "chunk header must keep chunks MAXALIGNed");
StaticAssertDecl(offsetof(ShimChunk, context) + sizeof(MemoryContext) == sizeof(ShimChunk),
				 "the context pointer must come right before the chunk");

struct ShimContext
{
	MemoryContextData header;	/* must be first */
	ShimChunk  *chunks;
	Size		nchunks;
};

MemoryContext CurrentMemoryContext = NULL;
MemoryContext TopMemoryContext = NULL;
MemoryContext ErrorContext = NULL;
MemoryContext PostmasterContext = NULL;
MemoryContext CacheMemoryContext = NULL;
MemoryContext MessageContext = NULL;
MemoryContext TopTransactionContext = NULL;
MemoryContext CurTransactionContext = NULL;
MemoryContext PortalContext = NULL;

static ShimContext *
shim_context(MemoryContext context)
{
	if (context == NULL || !IsA(context, AllocSetContext))
		shim_fatal("invalid memory context %p", (void *) context);
	return (ShimContext *) context;
}

static ShimChunk *
shim_chunk(void *pointer, const char *what)
{
	ShimChunk  *chunk;

	if (pointer == NULL)
		shim_fatal("%s(NULL)", what);
	if (pointer != (void *) MAXALIGN(pointer))
		shim_fatal("%s(%p): pointer not MAXALIGNed, not a palloc'd chunk", what, pointer);
	chunk = (ShimChunk *) ((char *) pointer - sizeof(ShimChunk));
	SHIM_UNPOISON(chunk, SHIM_POISONED);
	if (chunk->magic != SHIM_CHUNK_MAGIC)
		shim_fatal("%s(%p): not a palloc'd chunk, or freed already", what, pointer);
	if ((MemoryContext) chunk->owner != chunk->context)
		shim_fatal("%s(%p): chunk header overwritten", what, pointer);
	return chunk;
}

static void *
shim_alloc(MemoryContext context, Size size, int flags)
{
	ShimContext *cxt = shim_context(context);
	ShimChunk  *chunk;

	if (((flags & MCXT_ALLOC_HUGE) != 0 && !AllocHugeSizeIsValid(size)) ||
		((flags & MCXT_ALLOC_HUGE) == 0 && !AllocSizeIsValid(size)))
		elog(ERROR, "invalid memory alloc request size %zu", size);

	chunk = malloc(sizeof(ShimChunk) + size);
	if (chunk == NULL)
	{
		if (flags & MCXT_ALLOC_NO_OOM)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed on request of size %zu in memory context \"%s\".",
						   size, context->name)));
	}
	chunk->magic = SHIM_CHUNK_MAGIC;
	chunk->prev = NULL;
	chunk->next = cxt->chunks;
	if (cxt->chunks)
	{
		SHIM_UNPOISON(cxt->chunks, SHIM_POISONED);
		cxt->chunks->prev = chunk;
		SHIM_POISON(cxt->chunks, SHIM_POISONED);
	}
	cxt->chunks = chunk;
	cxt->nchunks++;
	chunk->owner = cxt;
	chunk->size = size;
	chunk->pad = 0;
	chunk->context = context;
	context->isReset = false;
	context->mem_allocated += size;
	SHIM_POISON(chunk, SHIM_POISONED);

	if (flags & MCXT_ALLOC_ZERO)
		memset(chunk + 1, 0, size);
	else if (size > 0)
		memset(chunk + 1, 0x7f, size);	/* as CLOBBER_FREED_MEMORY would */
	return chunk + 1;
}

static void
shim_unlink_free(ShimChunk *chunk)
{
	ShimContext *cxt = chunk->owner;

	/* chunk is unpoisoned */
	if (chunk->prev)
	{
		SHIM_UNPOISON(chunk->prev, SHIM_POISONED);
		chunk->prev->next = chunk->next;
		SHIM_POISON(chunk->prev, SHIM_POISONED);
	}
	else
		cxt->chunks = chunk->next;
	if (chunk->next)
	{
		SHIM_UNPOISON(chunk->next, SHIM_POISONED);
		chunk->next->prev = chunk->prev;
		SHIM_POISON(chunk->next, SHIM_POISONED);
	}
	cxt->nchunks--;
	cxt->header.mem_allocated -= chunk->size;
	chunk->magic = SHIM_FREED_MAGIC;
	free(chunk);
}

static void
shim_free_chunks(ShimContext *cxt)
{
	while (cxt->chunks)
	{
		ShimChunk  *chunk = cxt->chunks;

		SHIM_UNPOISON(chunk, SHIM_POISONED);
		shim_unlink_free(chunk);
	}
	cxt->header.isReset = true;
}

Size
shim_context_chunks(MemoryContext cxt)
{
	return shim_context(cxt)->nchunks;
}

MemoryContext
AllocSetContextCreateInternal(MemoryContext parent, const char *name,
							  Size minContextSize, Size initBlockSize,
							  Size maxBlockSize)
{
	ShimContext *cxt = calloc(1, sizeof(ShimContext));
	MemoryContext context = (MemoryContext) cxt;

	if (cxt == NULL)
		shim_fatal("out of memory creating context \"%s\"", name);
	context->type = T_AllocSetContext;
	context->isReset = true;
	context->methods = NULL;	/* everything goes through the functions here */
	context->parent = parent;
	context->name = name;
	if (parent)
	{
		shim_context(parent);
		context->nextchild = parent->firstchild;
		if (parent->firstchild)
			parent->firstchild->prevchild = context;
		parent->firstchild = context;
	}
	return context;
}

static void
shim_unlink_context(MemoryContext context)
{
	MemoryContext parent = context->parent;

	if (parent == NULL)
		return;
	if (context->prevchild)
		context->prevchild->nextchild = context->nextchild;
	else
		parent->firstchild = context->nextchild;
	if (context->nextchild)
		context->nextchild->prevchild = context->prevchild;
	context->parent = context->prevchild = context->nextchild = NULL;
}

static void
shim_call_reset_callbacks(MemoryContext context)
{
	MemoryContextCallback *cb;

	while ((cb = context->reset_cbs) != NULL)
	{
		context->reset_cbs = cb->next;
		cb->func(cb->arg);
	}
}

void
MemoryContextDeleteChildren(MemoryContext context)
{
	shim_context(context);
	while (context->firstchild)
		MemoryContextDelete(context->firstchild);
}

void
MemoryContextDelete(MemoryContext context)
{
	ShimContext *cxt = shim_context(context);

	if (context == TopMemoryContext)
		shim_fatal("cannot delete TopMemoryContext");
	if (context == CurrentMemoryContext)
		shim_fatal("deleting the current memory context \"%s\"", context->name);
	MemoryContextDeleteChildren(context);
	shim_call_reset_callbacks(context);
	shim_unlink_context(context);
	shim_free_chunks(cxt);
	context->type = T_Invalid;
	free(cxt);
}

void
MemoryContextResetOnly(MemoryContext context)
{
	ShimContext *cxt = shim_context(context);

	shim_call_reset_callbacks(context);
	shim_free_chunks(cxt);
}

void
MemoryContextReset(MemoryContext context)
{
	MemoryContextDeleteChildren(context);
	MemoryContextResetOnly(context);
}

void
MemoryContextResetChildren(MemoryContext context)
{
	MemoryContext child;

	for (child = context->firstchild; child != NULL; child = child->nextchild)
	{
		MemoryContextResetChildren(child);
		MemoryContextResetOnly(child);
	}
}

void
MemoryContextSetIdentifier(MemoryContext context, const char *id)
{
	shim_context(context)->header.ident = id;
}

void
MemoryContextSetParent(MemoryContext context, MemoryContext new_parent)
{
	shim_context(context);
	if (new_parent == context->parent)
		return;
	shim_unlink_context(context);
	if (new_parent)
	{
		context->parent = new_parent;
		context->nextchild = new_parent->firstchild;
		if (new_parent->firstchild)
			new_parent->firstchild->prevchild = context;
		new_parent->firstchild = context;
	}
}

MemoryContext
MemoryContextGetParent(MemoryContext context)
{
	return shim_context(context)->header.parent;
}

bool
MemoryContextIsEmpty(MemoryContext context)
{
	return context->firstchild == NULL && shim_context(context)->nchunks == 0;
}

Size
MemoryContextMemAllocated(MemoryContext context, bool recurse)
{
	Size		total = shim_context(context)->header.mem_allocated;

	if (recurse)
	{
		MemoryContext child;

		for (child = context->firstchild; child != NULL; child = child->nextchild)
			total += MemoryContextMemAllocated(child, true);
	}
	return total;
}

void
MemoryContextRegisterResetCallback(MemoryContext context, MemoryContextCallback *cb)
{
	shim_context(context);
	cb->next = context->reset_cbs;
	context->reset_cbs = cb;
}

void
MemoryContextStats(MemoryContext context)
{
	fprintf(stderr, "memory context \"%s\": %zu bytes in %zu chunks\n",
			context->name, context->mem_allocated, shim_context(context)->nchunks);
}

Size
GetMemoryChunkSpace(void *pointer)
{
	ShimChunk  *chunk = shim_chunk(pointer, "GetMemoryChunkSpace");
	Size		size = chunk->size;

	SHIM_POISON(chunk, SHIM_POISONED);
	return size + sizeof(ShimChunk);
}

void *
MemoryContextAlloc(MemoryContext context, Size size)
{
	return shim_alloc(context, size, 0);
}

void *
MemoryContextAllocZero(MemoryContext context, Size size)
{
	return shim_alloc(context, size, MCXT_ALLOC_ZERO);
}

void *
MemoryContextAllocZeroAligned(MemoryContext context, Size size)
{
	return shim_alloc(context, size, MCXT_ALLOC_ZERO);
}

void *
MemoryContextAllocExtended(MemoryContext context, Size size, int flags)
{
	return shim_alloc(context, size, flags);
}

void *
MemoryContextAllocHuge(MemoryContext context, Size size)
{
	return shim_alloc(context, size, MCXT_ALLOC_HUGE);
}

void *
palloc(Size size)
{
	return shim_alloc(CurrentMemoryContext, size, 0);
}

void *
palloc0(Size size)
{
	return shim_alloc(CurrentMemoryContext, size, MCXT_ALLOC_ZERO);
}

void *
palloc_extended(Size size, int flags)
{
	return shim_alloc(CurrentMemoryContext, size, flags);
}

void
pfree(void *pointer)
{
	shim_unlink_free(shim_chunk(pointer, "pfree"));
}

static void *
shim_realloc(void *pointer, Size size, int flags, const char *what)
{
	ShimChunk  *chunk = shim_chunk(pointer, what);
	MemoryContext context = chunk->context;
	Size		oldsize = chunk->size;
	void	   *result;

	SHIM_POISON(chunk, SHIM_POISONED);
	/* always move, so that stale pointers to the old chunk are caught */
	result = shim_alloc(context, size, flags);
	memcpy(result, pointer, Min(oldsize, size));
	pfree(pointer);
	return result;
}

void *
repalloc(void *pointer, Size size)
{
	return shim_realloc(pointer, size, 0, "repalloc");
}

void *
repalloc_huge(void *pointer, Size size)
{
	return shim_realloc(pointer, size, MCXT_ALLOC_HUGE, "repalloc_huge");
}

char *
MemoryContextStrdup(MemoryContext context, const char *string)
{
	Size		len = strlen(string) + 1;
	char	   *nstr = MemoryContextAlloc(context, len);

	memcpy(nstr, string, len);
	return nstr;
}

char *
pstrdup(const char *in)
{
	return MemoryContextStrdup(CurrentMemoryContext, in);
}

char *
pnstrdup(const char *in, Size len)
{
	char	   *out;

	len = strnlen(in, len);
	out = palloc(len + 1);
	memcpy(out, in, len);
	out[len] = '\0';
	return out;
}

char *
pchomp(const char *in)
{
	size_t		n = strlen(in);

	while (n > 0 && in[n - 1] == '\n')
		n--;
	return pnstrdup(in, n);
}

/* ----------------------------------------------------------------
 *	ereport / elog
 * ----------------------------------------------------------------
 */

sigjmp_buf *PG_exception_stack = NULL;
ErrorContextCallback *error_context_stack = NULL;
emit_log_hook_type emit_log_hook = NULL;

#define SHIM_ERRORDATA_STACK_SIZE 5

static ErrorData errordata[SHIM_ERRORDATA_STACK_SIZE];
static int	errordata_stack_depth = -1;

static ErrorData *
current_error(const char *what)
{
	if (errordata_stack_depth < 0)
		shim_fatal("%s called outside ereport()", what);
	return &errordata[errordata_stack_depth];
}

static void
print_error(const ErrorData *edata)
{
	fflush(stdout);
	fprintf(stderr, "%s:  %s  (SQLSTATE %s, %s:%d %s)\n",
			error_severity(edata->elevel),
			edata->message ? edata->message : "(no message)",
			unpack_sql_state(edata->sqlerrcode),
			edata->filename ? edata->filename : "?", edata->lineno,
			edata->funcname ? edata->funcname : "?");
	if (edata->detail)
		fprintf(stderr, "DETAIL:  %s\n", edata->detail);
	if (edata->hint)
		fprintf(stderr, "HINT:  %s\n", edata->hint);
	fflush(stderr);
}

const char *
error_severity(int elevel)
{
	switch (elevel)
	{
		case DEBUG1:
		case DEBUG2:
		case DEBUG3:
		case DEBUG4:
		case DEBUG5:
			return "DEBUG";
		case LOG:
		case LOG_SERVER_ONLY:
			return "LOG";
		case INFO:
			return "INFO";
		case NOTICE:
			return "NOTICE";
		case WARNING:
		case WARNING_CLIENT_ONLY:
			return "WARNING";
		case ERROR:
			return "ERROR";
		case FATAL:
			return "FATAL";
		case PANIC:
			return "PANIC";
	}
	return "???";
}

char *
unpack_sql_state(int sql_state)
{
	static char buf[12];
	int			i;

	for (i = 0; i < 5; i++)
	{
		buf[i] = PGUNSIXBIT(sql_state);
		sql_state >>= 6;
	}
	buf[i] = '\0';
	return buf;
}

bool
message_level_is_interesting(int elevel)
{
	return true;
}

bool
errstart(int elevel, const char *domain)
{
	ErrorData  *edata;

	if (elevel >= ERROR && PG_exception_stack == NULL)
		elevel = FATAL;			/* as elog.c does */
	if (errordata_stack_depth + 1 >= SHIM_ERRORDATA_STACK_SIZE)
		shim_fatal("ERRORDATA_STACK_SIZE exceeded (an error while reporting an error)");
	edata = &errordata[++errordata_stack_depth];
	memset(edata, 0, sizeof(ErrorData));
	edata->elevel = elevel;
	edata->output_to_server = true;
	edata->output_to_client = true;
	edata->domain = domain ? domain : PG_TEXTDOMAIN("postgres");
	edata->context_domain = edata->domain;
	if (elevel >= ERROR)
		edata->sqlerrcode = ERRCODE_INTERNAL_ERROR;
	else if (elevel >= WARNING)
		edata->sqlerrcode = ERRCODE_WARNING;
	else
		edata->sqlerrcode = ERRCODE_SUCCESSFUL_COMPLETION;
	edata->saved_errno = errno;
	edata->assoc_context = ErrorContext;
	/* format every message, whatever its level: that is code under test too */
	return true;
}

bool
errstart_cold(int elevel, const char *domain)
{
	return errstart(elevel, domain);
}

void
errfinish(const char *filename, int lineno, const char *funcname)
{
	ErrorData  *edata = current_error("errfinish");
	ErrorContextCallback *econtext;

	edata->filename = filename;
	edata->lineno = lineno;
	edata->funcname = funcname;

	/* error context callbacks run, as in the server (they add context) */
	for (econtext = error_context_stack; econtext != NULL; econtext = econtext->previous)
		econtext->callback(econtext->arg);

	if (edata->elevel >= FATAL)
	{
		print_error(edata);
		shim_fatal("%s reported (or ERROR outside PG_TRY): a bug",
				   error_severity(edata->elevel));
	}
	if (edata->elevel >= ERROR)
	{
		if (PG_exception_stack == NULL)
			shim_fatal("ERROR with no PG_TRY to catch it");
		siglongjmp(*PG_exception_stack, 1);
	}

	/* below ERROR: drop the report */
	errordata_stack_depth--;
	if (errordata_stack_depth < 0)
		MemoryContextReset(ErrorContext);
}

int
errcode(int sqlerrcode)
{
	current_error("errcode")->sqlerrcode = sqlerrcode;
	return 0;
}

int
errcode_for_file_access(void)
{
	current_error("errcode_for_file_access")->sqlerrcode = ERRCODE_IO_ERROR;
	return 0;
}

int
errcode_for_socket_access(void)
{
	current_error("errcode_for_socket_access")->sqlerrcode = ERRCODE_CONNECTION_FAILURE;
	return 0;
}

/*
 * Format fmt and the arguments into edata->field, in ErrorContext, as
 * elog.c's EVALUATE_MESSAGE does (without translation).
 */
#define SHIM_FORMAT(what, field, fmt, last) \
	do { \
		ErrorData  *edata_ = current_error(what); \
		MemoryContext oldcxt_ = MemoryContextSwitchTo(ErrorContext); \
		StringInfoData buf_; \
		initStringInfo(&buf_); \
		for (;;) \
		{ \
			va_list		args_; \
			int			needed_; \
			errno = edata_->saved_errno; \
			va_start(args_, last); \
			needed_ = appendStringInfoVA(&buf_, (fmt), args_); \
			va_end(args_); \
			if (needed_ == 0) \
				break; \
			enlargeStringInfo(&buf_, needed_); \
		} \
		if (edata_->field) \
			pfree(edata_->field); \
		edata_->field = pstrdup(buf_.data); \
		pfree(buf_.data); \
		MemoryContextSwitchTo(oldcxt_); \
	} while (0)

int
errmsg(const char *fmt,...)
{
	SHIM_FORMAT("errmsg", message, fmt, fmt);
	current_error("errmsg")->message_id = fmt;
	return 0;
}

int
errmsg_internal(const char *fmt,...)
{
	SHIM_FORMAT("errmsg_internal", message, fmt, fmt);
	current_error("errmsg_internal")->message_id = fmt;
	return 0;
}

int
errmsg_plural(const char *fmt_singular, const char *fmt_plural, unsigned long n,...)
{
	const char *fmt = n == 1 ? fmt_singular : fmt_plural;

	SHIM_FORMAT("errmsg_plural", message, fmt, n);
	current_error("errmsg_plural")->message_id = fmt_singular;
	return 0;
}

int
errdetail(const char *fmt,...)
{
	SHIM_FORMAT("errdetail", detail, fmt, fmt);
	return 0;
}

int
errdetail_internal(const char *fmt,...)
{
	SHIM_FORMAT("errdetail_internal", detail, fmt, fmt);
	return 0;
}

int
errdetail_log(const char *fmt,...)
{
	SHIM_FORMAT("errdetail_log", detail_log, fmt, fmt);
	return 0;
}

int
errhint(const char *fmt,...)
{
	SHIM_FORMAT("errhint", hint, fmt, fmt);
	return 0;
}

int
errcontext_msg(const char *fmt,...)
{
	ErrorData  *edata = current_error("errcontext_msg");
	char	   *old = edata->context;

	edata->context = NULL;
	SHIM_FORMAT("errcontext_msg", context, fmt, fmt);
	if (old)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(ErrorContext);
		char	   *joined = psprintf("%s\n%s", old, edata->context);

		MemoryContextSwitchTo(oldcxt);
		pfree(edata->context);
		pfree(old);
		edata->context = joined;
	}
	return 0;
}

int
set_errcontext_domain(const char *domain)
{
	current_error("set_errcontext_domain")->context_domain = domain;
	return 0;
}

int
errhidestmt(bool hide_stmt)
{
	current_error("errhidestmt")->hide_stmt = hide_stmt;
	return 0;
}

int
errhidecontext(bool hide_ctx)
{
	current_error("errhidecontext")->hide_ctx = hide_ctx;
	return 0;
}

int
errbacktrace(void)
{
	return 0;
}

int
errposition(int cursorpos)
{
	current_error("errposition")->cursorpos = cursorpos;
	return 0;
}

int
internalerrposition(int cursorpos)
{
	current_error("internalerrposition")->internalpos = cursorpos;
	return 0;
}

int
internalerrquery(const char *query)
{
	ErrorData  *edata = current_error("internalerrquery");

	edata->internalquery = query ? MemoryContextStrdup(ErrorContext, query) : NULL;
	return 0;
}

int
err_generic_string(int field, const char *str)
{
	current_error("err_generic_string");
	return 0;
}

int
geterrcode(void)
{
	return current_error("geterrcode")->sqlerrcode;
}

int
geterrposition(void)
{
	return current_error("geterrposition")->cursorpos;
}

int
getinternalerrposition(void)
{
	return current_error("getinternalerrposition")->internalpos;
}

void
pg_re_throw(void)
{
	if (PG_exception_stack == NULL)
	{
		if (errordata_stack_depth >= 0)
			print_error(&errordata[errordata_stack_depth]);
		shim_fatal("ERROR re-thrown with no PG_TRY to catch it");
	}
	siglongjmp(*PG_exception_stack, 1);
}

void
EmitErrorReport(void)
{
	print_error(current_error("EmitErrorReport"));
}

static char *
copy_string(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

ErrorData *
CopyErrorData(void)
{
	ErrorData  *edata = current_error("CopyErrorData");
	ErrorData  *copy;

	if (CurrentMemoryContext == ErrorContext)
		shim_fatal("CopyErrorData() in ErrorContext");
	copy = palloc(sizeof(ErrorData));
	memcpy(copy, edata, sizeof(ErrorData));
	copy->message = copy_string(edata->message);
	copy->detail = copy_string(edata->detail);
	copy->detail_log = copy_string(edata->detail_log);
	copy->hint = copy_string(edata->hint);
	copy->context = copy_string(edata->context);
	copy->backtrace = NULL;
	copy->schema_name = NULL;
	copy->table_name = NULL;
	copy->column_name = NULL;
	copy->datatype_name = NULL;
	copy->constraint_name = NULL;
	copy->internalquery = copy_string(edata->internalquery);
	copy->assoc_context = CurrentMemoryContext;
	return copy;
}

void
FreeErrorData(ErrorData *edata)
{
	if (edata->message)
		pfree(edata->message);
	if (edata->detail)
		pfree(edata->detail);
	if (edata->detail_log)
		pfree(edata->detail_log);
	if (edata->hint)
		pfree(edata->hint);
	if (edata->context)
		pfree(edata->context);
	if (edata->internalquery)
		pfree(edata->internalquery);
	pfree(edata);
}

void
FlushErrorState(void)
{
	errordata_stack_depth = -1;
	MemoryContextReset(ErrorContext);
}

void
ExceptionalCondition(const char *conditionName, const char *errorType,
					 const char *fileName, int lineNumber)
{
	shim_fatal("TRAP: %s(\"%s\", File: \"%s\", Line: %d)",
			   errorType ? errorType : "?", conditionName ? conditionName : "?",
			   fileName ? fileName : "?", lineNumber);
}

void
write_stderr(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* ----------------------------------------------------------------
 *	Interrupts, stack depth, spinlocks
 * ----------------------------------------------------------------
 */

volatile sig_atomic_t InterruptPending = false;
volatile sig_atomic_t QueryCancelPending = false;
volatile sig_atomic_t ProcDiePending = false;
volatile uint32 InterruptHoldoffCount = 0;
volatile uint32 QueryCancelHoldoffCount = 0;
volatile uint32 CritSectionCount = 0;
bool		IsUnderPostmaster = false;
int			max_stack_depth = 2048; /* kB, PostgreSQL's default */

static char *stack_base_ptr = NULL;

void
ProcessInterrupts(void)
{
	InterruptPending = false;
}

bool
stack_is_too_deep(void)
{
	char		stack_top_loc;
	long		stack_depth;

	if (stack_base_ptr == NULL)
		return false;
	stack_depth = (long) (stack_base_ptr - &stack_top_loc);
	if (stack_depth < 0)
		stack_depth = -stack_depth;
	return stack_depth > (long) max_stack_depth * 1024L;
}

void
check_stack_depth(void)
{
	if (stack_is_too_deep())
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("stack depth limit exceeded"),
				 errhint("Increase the configuration parameter \"max_stack_depth\" (currently %dkB), "
						 "after ensuring the platform's stack depth limit is adequate.",
						 max_stack_depth)));
}

/* only reached by a contended spinlock, which one process never has */
int
s_lock(volatile slock_t *lock, const char *file, int line, const char *func)
{
	shim_fatal("s_lock() called (%s:%d): spinlock contended in a single process", file, line);
}

/* ----------------------------------------------------------------
 *	The database encoding, as mbutils.c
 * ----------------------------------------------------------------
 */

static int	database_encoding = PG_SQL_ASCII;

void
shim_set_encoding(int encoding)
{
	if (!PG_VALID_BE_ENCODING(encoding))
		shim_fatal("invalid database encoding %d", encoding);
	database_encoding = encoding;
}

int
GetDatabaseEncoding(void)
{
	return database_encoding;
}

const char *
GetDatabaseEncodingName(void)
{
	return pg_enc2name_tbl[database_encoding].name;
}

int
GetMessageEncoding(void)
{
	return database_encoding;
}

int
pg_database_encoding_max_length(void)
{
	return pg_wchar_table[database_encoding].maxmblen;
}

int
pg_mblen(const char *mbstr)
{
	return pg_wchar_table[database_encoding].mblen((const unsigned char *) mbstr);
}

int
pg_mblen_unbounded(const char *mbstr)
{
	return pg_wchar_table[database_encoding].mblen((const unsigned char *) mbstr);
}

static void
shim_invalid_encoding(const char *mbstr, int len)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
			 errmsg("invalid byte sequence for encoding \"%s\": 0x%02x (%d bytes available)",
					GetDatabaseEncodingName(), (unsigned char) mbstr[0], len)));
}

int
pg_mblen_cstr(const char *mbstr)
{
	int			length = pg_mblen(mbstr);

	for (int i = 1; i < length; ++i)
		if (unlikely(mbstr[i] == 0))
			shim_invalid_encoding(mbstr, i);
	return length;
}

int
pg_mblen_range(const char *mbstr, const char *end)
{
	int			length = pg_mblen(mbstr);

	Assert(end > mbstr);
	if (unlikely(mbstr + length > end))
		shim_invalid_encoding(mbstr, end - mbstr);
	return length;
}

int
pg_mblen_with_len(const char *mbstr, int limit)
{
	int			length = pg_mblen(mbstr);

	Assert(limit >= 1);
	if (unlikely(length > limit))
		shim_invalid_encoding(mbstr, limit);
	return length;
}

static int
cliplen(const char *str, int len, int limit)
{
	int			l = 0;

	len = Min(len, limit);
	while (l < len && str[l])
		l++;
	return l;
}

int
pg_encoding_mbcliplen(int encoding, const char *mbstr, int len, int limit)
{
	mblen_converter mblen_fn;
	int			clen = 0;
	int			l;

	if (pg_encoding_max_length(encoding) == 1)
		return cliplen(mbstr, len, limit);
	mblen_fn = pg_wchar_table[encoding].mblen;
	while (len > 0 && *mbstr)
	{
		l = (*mblen_fn) ((const unsigned char *) mbstr);
		if ((clen + l) > limit)
			break;
		clen += l;
		if (clen == limit)
			break;
		len -= l;
		mbstr += l;
	}
	return clen;
}

int
pg_mbcliplen(const char *mbstr, int len, int limit)
{
	return pg_encoding_mbcliplen(database_encoding, mbstr, len, limit);
}

int
pg_mbstrlen_with_len(const char *mbstr, int limit)
{
	int			len = 0;

	if (pg_database_encoding_max_length() == 1)
		return limit;
	while (limit > 0 && *mbstr)
	{
		int			l = pg_mblen(mbstr);

		limit -= l;
		mbstr += l;
		len++;
	}
	return len;
}

bool
pg_verify_mbstr(int encoding, const char *mbstr, int len, bool noError)
{
	int			oklen = pg_wchar_table[encoding].mbverifystr((const unsigned char *) mbstr, len);

	if (oklen != len)
	{
		if (noError)
			return false;
		shim_invalid_encoding(mbstr + oklen, len - oklen);
	}
	return true;
}

bool
pg_verifymbstr(const char *mbstr, int len, bool noError)
{
	return pg_verify_mbstr(database_encoding, mbstr, len, noError);
}

/* ----------------------------------------------------------------
 *	text <-> C string, as varlena.c and fmgr.c
 * ----------------------------------------------------------------
 */

struct varlena *
pg_detoast_datum_packed(struct varlena *datum)
{
	if (VARATT_IS_COMPRESSED(datum) || VARATT_IS_EXTERNAL(datum))
		shim_fatal("pg_detoast_datum_packed: toasted datum, not supported here");
	return datum;
}

struct varlena *
pg_detoast_datum(struct varlena *datum)
{
	if (VARATT_IS_EXTENDED(datum))
		shim_fatal("pg_detoast_datum: toasted or short datum, not supported here");
	return datum;
}

text *
cstring_to_text_with_len(const char *s, int len)
{
	text	   *result = (text *) palloc(len + VARHDRSZ);

	SET_VARSIZE(result, len + VARHDRSZ);
	memcpy(VARDATA(result), s, len);
	return result;
}

text *
cstring_to_text(const char *s)
{
	return cstring_to_text_with_len(s, strlen(s));
}

char *
text_to_cstring(const text *t)
{
	text	   *tunpacked = (text *) pg_detoast_datum_packed(unconstify(text *, t));
	int			len = VARSIZE_ANY_EXHDR(tunpacked);
	char	   *result = (char *) palloc(len + 1);

	memcpy(result, VARDATA_ANY(tunpacked), len);
	result[len] = '\0';
	if (tunpacked != t)
		pfree(tunpacked);
	return result;
}

/* ----------------------------------------------------------------
 *	The rest of what the linked files refer to
 * ----------------------------------------------------------------
 */

Size
add_size(Size s1, Size s2)
{
	Size		result = s1 + s2;

	if (result < s1 || result < s2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("requested shared memory size overflows size_t")));
	return result;
}

Size
mul_size(Size s1, Size s2)
{
	Size		result;

	if (s1 == 0 || s2 == 0)
		return 0;
	result = s1 * s2;
	if (result / s2 != s1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("requested shared memory size overflows size_t")));
	return result;
}

int
GetCurrentTransactionNestLevel(void)
{
	return 1;
}

char *
pg_strerror_r(int errnum, char *buf, size_t buflen)
{
	/* GNU strerror_r: may return a static string instead of filling buf */
#undef strerror_r				/* port.h maps it to this very function */
	char	   *s = strerror_r(errnum, buf, buflen);

	if (s != buf)
		strlcpy(buf, s, buflen);
	return buf;
}

/*
 * Referred to by functions of the linked files that the targets never call
 * (options.c's cascade arrays, list.c's equal()-based searches and deep
 * copies); reaching one is a bug in the target, or the shim needs them.
 */
#define SHIM_NOT_PROVIDED(name) \
	shim_fatal("%s() is not provided by pg_shim.c", name)

ArrayType *
construct_array(Datum *elems, int nelems, Oid elmtype, int elmlen, bool elmbyval,
				char elmalign)
{
	SHIM_NOT_PROVIDED("construct_array");
}

void
deconstruct_array(ArrayType *array, Oid elmtype, int elmlen, bool elmbyval,
				  char elmalign, Datum **elemsp, bool **nullsp, int *nelemsp)
{
	SHIM_NOT_PROVIDED("deconstruct_array");
}

bool
equal(const void *a, const void *b)
{
	SHIM_NOT_PROVIDED("equal");
}

void *
copyObjectImpl(const void *from)
{
	SHIM_NOT_PROVIDED("copyObjectImpl");
}

/* ----------------------------------------------------------------
 *	Setup and per-input arenas
 * ----------------------------------------------------------------
 */

void
shim_init(void)
{
	if (TopMemoryContext != NULL)
		return;
	TopMemoryContext = AllocSetContextCreate(NULL, "TopMemoryContext",
											 ALLOCSET_DEFAULT_SIZES);
	ErrorContext = AllocSetContextCreate(TopMemoryContext, "ErrorContext",
										 ALLOCSET_DEFAULT_SIZES);
	CurrentMemoryContext = TopMemoryContext;
	shim_set_encoding(PG_UTF8);
}

MemoryContext
shim_begin_input(void *stack_base)
{
	MemoryContext cxt;

	shim_init();
	stack_base_ptr = stack_base;
	CurrentMemoryContext = TopMemoryContext;
	cxt = AllocSetContextCreate(TopMemoryContext, "fuzz input",
								ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(cxt);
	return cxt;
}

void
shim_end_input(MemoryContext cxt)
{
	MemoryContext child;

	MemoryContextSwitchTo(TopMemoryContext);
	MemoryContextDelete(cxt);
	if (errordata_stack_depth >= 0)
	{
		print_error(&errordata[errordata_stack_depth]);
		shim_fatal("an error report was left unflushed");
	}
	MemoryContextReset(ErrorContext);
	/* anything else left in TopMemoryContext outlives the statement: a leak */
	if (shim_context(TopMemoryContext)->nchunks != 0)
		shim_fatal("%zu chunks left in TopMemoryContext after the input",
				   shim_context(TopMemoryContext)->nchunks);
	for (child = TopMemoryContext->firstchild; child; child = child->nextchild)
		if (child != ErrorContext)
			shim_fatal("memory context \"%s\" left under TopMemoryContext after the input",
					   child->name);
	stack_base_ptr = NULL;
}
