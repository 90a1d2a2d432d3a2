# corm: PGXS build.  `make && make install` builds and installs the extension;
# `make installcheck` runs the pg_regress suite against a running server
# (test/run-tests.sh starts a throwaway one and runs everything).
MODULE_big = corm
OBJS = \
	src/corm.o \
	src/attref.o \
	src/options.o \
	src/infer.o \
	src/catalog.o \
	src/register.o \
	src/ddl.o \
	src/spec.o \
	src/spec_options.o \
	src/spec_jsonb.o \
	src/json_out.o \
	src/cache.o \
	src/plan.o \
	src/deparse_load.o \
	src/exec.o \
	src/render.o \
	src/load.o \
	src/deparse.o \
	src/deparse_save.o \
	src/cascade.o \
	src/save_walk.o \
	src/save.o \
	src/automap.o \
	src/typescript.o \
	src/diagram.o

EXTENSION = corm
DATA = $(wildcard corm--*.sql)
PGFILEDESC = "corm - ORM relationships in the server"

REGRESS = install registration errors drop_guard privileges load_spec load load_options load_rows cascade foreign_partitions link save trust_cascade trust_load trust_misc automap typescript diagram
REGRESS_OPTS = --inputdir=. --outputdir=$(REGRESS_OUTPUTDIR)
REGRESS_OUTPUTDIR ?= .
# concurrency: isolation specs in test/specs, expected output in test/expected
ISOLATION = cascade_concurrency merge_concurrency load_ddl
ISOLATION_OPTS = --inputdir=test --outputdir=output_iso

# The version is corm.control's default_version, and only there: META.json (for
# PGXN, which wants three-part versions: 1.1 is 1.1.0) must say the same, and
# test/t/packaging checks it does; `make dist` refuses to package otherwise.
EXTVERSION := $(shell sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" corm.control)
PGXN_VERSION := $(if $(word 3,$(subst ., ,$(EXTVERSION))),$(EXTVERSION),$(EXTVERSION).0)
DISTNAME = corm-$(PGXN_VERSION)

PG_CONFIG ?= pg_config
# -Wextra on top of what PGXS adds; the three exceptions fire in PostgreSQL's own headers
PG_CFLAGS = -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(OBJS): src/corm.h src/load.h src/json_out.h src/spec.h src/deparse.h src/save_walk.h

# A PGXN release: the committed tree (HEAD) as corm-VERSION.zip with the top
# directory corm-VERSION/.
.PHONY: dist
dist:
	@python3 -c 'import json, sys; m = json.load(open("META.json")); v = [m["version"], m["provides"]["corm"]["version"]]; sys.exit(None if v == [sys.argv[1]] * 2 else "META.json says version %s, provides.corm.version %s; corm.control says %s (%s)" % (v[0], v[1], sys.argv[2], sys.argv[1]))' '$(PGXN_VERSION)' '$(EXTVERSION)'
	git archive --format=zip --prefix=$(DISTNAME)/ --output=$(DISTNAME).zip HEAD
	@echo "$(DISTNAME).zip"
