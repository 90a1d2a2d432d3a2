#!/usr/bin/env bash
# corm's pg_regress suite (sql/*.sql, then the isolation specs of test/specs/)
# against an assert-enabled PostgreSQL 15 (--enable-cassert) running with
# debug_discard_caches = 1: every Assert() in the server is checked, and every
# catalog, relcache and plan cache entry is thrown away at each opportunity, so
# a pointer into a cache kept across an invalidation shows up here as a wrong
# result or a crash instead of as a rare one in production.
#
#   test/cassert.sh
#
# 1. Builds PostgreSQL from Debian's source package of postgresql-15, the same
#    version as the installed binary package (the pristine upstream tarball of
#    that source package, without Debian's packaging patches: one of them
#    hard-codes /usr/lib/postgresql/15/lib as the library directory), with
#    --enable-cassert --enable-debug --with-libxml, into a cache prefix.  Only what corm
#    needs is built: the server, initdb, pg_ctl, psql, pg_dump, pg_config,
#    plpgsql, the headers and PGXS, pg_regress and pg_isolation_regress.
#    The build is skipped when the prefix already holds it.
# 2. Builds corm against it in a copy of the tree and installs it there.
# 3. Starts a throwaway cluster of that build (as "postgres" when run as root)
#    on a Unix socket in a temporary directory, debug_discard_caches = 1.
# 4. Runs make installcheck; prints regression.diffs and fails on any failure,
#    and fails on any assertion failure (TRAP:) or crash in the server log,
#    printing its backtrace (and gdb's, from the core file, when gdb exists).
# 5. Prints how long the PostgreSQL build and the suite took.
#
# Environment:
#   CORM_CASSERT_PREFIX   install prefix (default /var/cache/corm-cassert/<version>)
#   CORM_CASSERT_SRCDIR   where the source package is downloaded, or already is
#                         (default /var/cache/corm-cassert/src)
#   CORM_CASSERT_VERSION  Debian version of the postgresql-15 source package to
#                         build (default: the installed postgresql-15's; if its
#                         source cannot be downloaded, the newest one that can)
#   CORM_CASSERT_TESTS    run only these tests, in this order: names of
#                         sql/NAME.sql and test/specs/NAME.spec, e.g.
#                         "install registration cascade_concurrency"
#                         (default: all of REGRESS and ISOLATION in Makefile)
#   CORM_CASSERT_JOBS     make -j for the PostgreSQL build (default 2)
#   CORM_PGPORT           the cluster's port (default 54339)
#   CORM_CASSERT_KEEP     if set, keep the cluster's directory (server.log,
#                         data/, the tree with its results) when a test fails
set -euo pipefail

CORM_PGPORT=${CORM_PGPORT:-54339}
PG_MAJOR=${PG_MAJOR:-15}
# Helpers only (corm_log, corm_as_root, corm_as_pg); PG_CONFIG and PG_BIN are
# set below to the assert-enabled build, never the system's.
. "$(dirname "$0")/lib/cluster.sh"

CASSERT_CACHE=/var/cache/corm-cassert
SRCDIR=${CORM_CASSERT_SRCDIR:-$CASSERT_CACHE/src}
JOBS=${CORM_CASSERT_JOBS:-2}
PKG=postgresql-$PG_MAJOR

# Build dependencies.  The upstream tarball ships the bison/flex/perl outputs,
# so neither bison nor flex is needed; bzip2 unpacks the .orig.tar.bz2.
# libxml2-dev: Debian's server has the xml type's functions (sql/typescript.sql
# stores an xml value), so this one has them too.
CASSERT_PACKAGES="gcc libc6-dev make bzip2 zlib1g-dev libxml2-dev pkg-config tzdata"

t_start=$(date +%s)
t_build='' t_suite='' t_suite_start='' RUN_TMP='' CLUSTER_UP=''

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

cleanup() {
  local rc=$?
  set +e
  if [ -n "$CLUSTER_UP" ]; then
    corm_as_pg "$PG_BIN/pg_ctl" -D "$RUN_TMP/data" -m immediate -w -s -t 120 stop >/dev/null 2>&1
  fi
  if [ -n "$RUN_TMP" ]; then
    if [ "$rc" -ne 0 ] && [ -n "${CORM_CASSERT_KEEP:-}" ]; then
      echo "cassert.sh: kept $RUN_TMP (server.log, data/, tree/)" >&2
    else
      rm -rf "$RUN_TMP"
    fi
  fi
  corm_log "timings"
  echo "PostgreSQL build: ${t_build:-not run}" >&2
  if [ -z "$t_suite" ] && [ -n "$t_suite_start" ]; then
    t_suite="interrupted after $(fmt_secs $(($(date +%s) - t_suite_start)))"
  fi
  echo "suite (debug_discard_caches=1): ${t_suite:-not run}" >&2
  echo "total: $(fmt_secs $(($(date +%s) - t_start)))" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "cassert.sh: $*" >&2; exit 1; }

upstream_of() { local v=${1#*:}; echo "${v%%-*}"; }   # 1:15.18-0+deb12u1 -> 15.18
prefix_for() { echo "${CORM_CASSERT_PREFIX:-$CASSERT_CACHE/$1}"; }

install_deps() {
  # shellcheck disable=SC2086
  corm_install_packages $CASSERT_PACKAGES
}

# A directory we may write to, created with root rights if need be.
own_dir() {
  mkdir -p "$1" 2>/dev/null || corm_as_root mkdir -p "$1"
  [ -w "$1" ] || corm_as_root chown "$(id -u):$(id -g)" "$1"
}

# Does prefix $1 hold a complete assert-enabled build of upstream version $2?
pg_ready() {
  local p=$1 v=$2
  [ -x "$p/bin/postgres" ] && [ -x "$p/bin/pg_config" ] || return 1
  [ "$(cat "$p/.corm-cassert" 2>/dev/null)" = "$v" ] || return 1
  [ "$("$p/bin/postgres" --version)" = "postgres (PostgreSQL) $v" ] || return 1
  "$p/bin/pg_config" --configure | grep -q -- --enable-cassert || return 1
  "$p/bin/pg_config" --configure | grep -q -- --with-libxml || return 1
  local pgxs; pgxs=$(dirname "$(dirname "$("$p/bin/pg_config" --pgxs)")")
  [ -x "$pgxs/test/regress/pg_regress" ] && [ -x "$pgxs/test/isolation/pg_isolation_regress" ]
}

# deb-src entries for the configured Debian suites, then apt-get update.
APT_UPDATED=''
apt_update_src() {
  [ -n "$APT_UPDATED" ] && return 0
  if ! grep -qsE '^Types:.*\bdeb-src\b' /etc/apt/sources.list.d/*.sources &&
     ! grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      corm_log "adding /etc/apt/sources.list.d/debian-src.sources"
      sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        corm_as_root tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    elif grep -qsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
      corm_log "adding /etc/apt/sources.list.d/debian-src.list"
      sed -nE 's/^[[:space:]]*deb([[:space:]])/deb-src\1/p' /etc/apt/sources.list |
        corm_as_root tee /etc/apt/sources.list.d/debian-src.list >/dev/null
    else
      die "no Debian apt sources to derive deb-src entries from"
    fi
  fi
  corm_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  APT_UPDATED=1
}

# The upstream tarball of source package version $1 in $SRCDIR, downloaded
# with apt-get source (which checks it against the signed .dsc) unless it is
# there already.  Prints its path; fails when it cannot be downloaded.
fetch_source() {
  local dv=$1 uv tb dl
  uv=$(upstream_of "$dv")
  tb=$(ls "$SRCDIR/${PKG}_$uv".orig.tar.* 2>/dev/null | head -n1 || true)
  if [ -n "$tb" ]; then echo "$tb"; return 0; fi
  apt-cache showsrc "$PKG" 2>/dev/null | grep -qx "Version: $dv" || apt_update_src
  own_dir "$SRCDIR"
  dl=$(mktemp -d "$SRCDIR/.download.XXXXXX")
  # apt drops root rights to _apt for downloads when that user may write here
  [ "$(id -u)" -eq 0 ] && id _apt >/dev/null 2>&1 && chown _apt "$dl"
  corm_log "downloading the source package $PKG=$dv"
  if ! (cd "$dl" && apt-get source --download-only -qq "$PKG=$dv" >&2); then
    rm -rf "$dl"
    return 1
  fi
  mv -f "$dl"/* "$SRCDIR"/
  rmdir "$dl"
  tb=$(ls "$SRCDIR/${PKG}_$uv".orig.tar.* 2>/dev/null | head -n1 || true)
  [ -n "$tb" ] || die "apt-get source $PKG=$dv brought no ${PKG}_$uv.orig.tar.*"
  echo "$tb"
}

# Build upstream version $2 from tarball $1 and install it into prefix $3.
build_pg() {
  local tb=$1 uv=$2 prefix=$3 bdir src log d
  if [ -e "$prefix" ] && [ -n "$(ls -A "$prefix")" ] && [ ! -f "$prefix/.corm-cassert" ]; then
    die "$prefix exists, is not empty and was not made by this script: not touching it"
  fi
  own_dir "$(dirname "$prefix")"
  [ -e "$prefix" ] && { rm -rf "$prefix" 2>/dev/null || corm_as_root rm -rf "$prefix"; }
  own_dir "$prefix"
  bdir=$(mktemp -d /tmp/cassert-pgbuild.XXXXXX)
  log=$bdir/build.log
  corm_log "building PostgreSQL $uv with assertions into $prefix (log: $log)"
  tar -C "$bdir" -xf "$tb"
  src=$bdir/postgresql-$uv
  [ -d "$src" ] || die "$tb did not unpack into postgresql-$uv/"
  step() {
    "$@" >>"$log" 2>&1 || { echo "cassert.sh: FAILED: $*" >&2; tail -n 60 "$log" >&2; exit 1; }
  }
  local tz=()
  [ -d /usr/share/zoneinfo ] && tz=(--with-system-tzdata=/usr/share/zoneinfo)
  cd "$src"
  step ./configure --prefix="$prefix" --enable-cassert --enable-debug \
    --with-libxml --without-icu --without-readline --without-llvm "${tz[@]}"
  cd - >/dev/null
  # src/Makefile's SUBDIRS order, minus what corm does not need
  local dirs="src/common src/port src/backend src/backend/utils/mb/conversion_procs src/backend/snowball
    src/timezone src/include src/interfaces/libpq src/pl/plpgsql
    src/bin/initdb src/bin/pg_ctl src/bin/psql src/bin/pg_dump src/bin/pg_config
    src/makefiles src/test/regress src/test/isolation"
  # the generated headers first, once: each make below would otherwise
  # (re)generate them itself, racing with its own parallel jobs
  step make -C "$src/src/backend" -s generated-headers
  for d in $dirs; do step make -C "$src/$d" -j"$JOBS" -s; done
  for d in $dirs; do step make -C "$src/$d" -s install; done
  step make -C "$src/src" -s install-local     # Makefile.global etc. for PGXS
  step make -C "$src/config" -s install        # install-sh for PGXS
  echo "$uv" >"$prefix/.corm-cassert"
  pg_ready "$prefix" "$uv" || die "the build in $prefix is incomplete (log: $log)"
  rm -rf "$bdir"
}

# ---------------------------------------------------------------- 1. PostgreSQL
install_deps

if [ -n "${CORM_CASSERT_VERSION:-}" ]; then
  want=$CORM_CASSERT_VERSION
else
  want=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || true)
  [ -n "$want" ] || want=$(apt-cache policy "$PKG" | awk '/Candidate:/ { print $2 }')
  [ -n "$want" ] && [ "$want" != "(none)" ] || die "no version of $PKG installed or known to apt"
fi

PREFIX='' PG_VERSION='' PG_DV=''
t0=$(date +%s)
candidates=$want
if [ -z "${CORM_CASSERT_VERSION:-}" ]; then
  # the same major's other source versions, newest first, should the
  # installed one's source not be downloadable (a security update whose
  # source the mirror lacks); the deb-src entries must be there first
  apt-cache showsrc "$PKG" 2>/dev/null | grep -q '^Version:' || apt_update_src
  others=$(apt-cache showsrc "$PKG" 2>/dev/null | awk '/^Version:/ { print $2 }' |
           grep -vxF "$want" | sort -Vr -u || true)
  candidates="$want $others"
fi
for dv in $candidates; do
  uv=$(upstream_of "$dv")
  p=$(prefix_for "$uv")
  if pg_ready "$p" "$uv"; then
    PREFIX=$p PG_VERSION=$uv PG_DV=$dv
    t_build="skipped: $p already holds PostgreSQL $uv with assertions"
    break
  fi
  if tb=$(fetch_source "$dv"); then
    build_pg "$tb" "$uv" "$p"
    PREFIX=$p PG_VERSION=$uv PG_DV=$dv
    t_build=$(fmt_secs $(($(date +%s) - t0)))
    break
  fi
  echo "cassert.sh: cannot download the source of $PKG=$dv" >&2
done
[ -n "$PREFIX" ] || die "no buildable source package of $PKG (tried: $candidates)"
if [ "$PG_VERSION" != "$(upstream_of "$want")" ]; then
  echo "cassert.sh: WARNING: testing with PostgreSQL $PG_VERSION, not the installed $(upstream_of "$want"):" \
       "the source of $PKG=$want cannot be downloaded" >&2
fi
PG_CONFIG=$PREFIX/bin/pg_config
PG_BIN=$PREFIX/bin
export PG_CONFIG PG_BIN

# contrib's citext (sql/trust_misc.sql keys tables by it): built with PGXS
# from the same tarball, into the prefix, when it is not there yet
if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/citext.control" ]; then
  tb=$(fetch_source "$PG_DV") || die "cannot download the source of $PKG=$PG_DV for citext"
  cdir=$(mktemp -d /tmp/cassert-citext.XXXXXX)
  tar -C "$cdir" -xf "$tb" "postgresql-$PG_VERSION/contrib/citext"
  corm_log "building contrib/citext into $PREFIX"
  make -C "$cdir/postgresql-$PG_VERSION/contrib/citext" -s USE_PGXS=1 PG_CONFIG="$PG_CONFIG" install >/dev/null
  rm -rf "$cdir"
fi

# ---------------------------------------------------------------- 2. corm
RUN_TMP=$(mktemp -d /tmp/cassert-run.XXXXXX)
chmod 755 "$RUN_TMP"
work=$RUN_TMP/tree
mkdir "$work"
tar -C "$CORM_ROOT" --exclude=.git -cf - . | tar -C "$work" -xf -
corm_log "building corm against $PREFIX"
make -C "$work" -s PG_CONFIG="$PG_CONFIG" >/dev/null
if [ -w "$PREFIX/lib" ]; then
  make -C "$work" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
else
  corm_as_root make -C "$work" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
fi

# The tests: Makefile's REGRESS and ISOLATION, or for a subset the names of
# CORM_CASSERT_TESTS, sql/NAME.sql into REGRESS and test/specs/NAME.spec into
# ISOLATION.
make_var() { make -C "$work" -s --no-print-directory PG_CONFIG="$PG_CONFIG" -f Makefile -f - print <<<"print: ; @echo \$($1)"; }
regress=$(make_var REGRESS) isolation=$(make_var ISOLATION)
if [ -n "${CORM_CASSERT_TESTS:-}" ]; then
  regress='' isolation=''
  for t in $CORM_CASSERT_TESTS; do
    if [ -f "$work/sql/$t.sql" ]; then regress="$regress $t"
    elif [ -f "$work/test/specs/$t.spec" ]; then isolation="$isolation $t"
    else die "CORM_CASSERT_TESTS: no test $t (sql/$t.sql or test/specs/$t.spec)"
    fi
  done
fi
regress=$(echo $regress) isolation=$(echo $isolation)

# ---------------------------------------------------------------- 3. cluster
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$RUN_TMP"
corm_log "starting a throwaway cluster in $RUN_TMP (debug_discard_caches = 1)"
corm_as_pg "$PG_BIN/initdb" -D "$RUN_TMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$RUN_TMP/data/postgresql.conf" <<EOF

# test/cassert.sh
port = $CORM_PGPORT
listen_addresses = ''
unix_socket_directories = '$RUN_TMP'
fsync = off
autovacuum = off
debug_discard_caches = 1
# sql/trust_load.sql: 100 distinct-where loads, not 10,000 (each rebuilds every cache here)
corm_test.distinct_where_loads = 100
# sql/trust_cascade.sql: a tree 50 levels deep, not 5,000
corm_test.tree_depth = 50
EOF
# -c: allow core files, for gdb's backtrace of a crash
corm_as_pg "$PG_BIN/pg_ctl" -D "$RUN_TMP/data" -l "$RUN_TMP/server.log" -w -s -t 600 -c start
CLUSTER_UP=1
export PGHOST=$RUN_TMP PGPORT=$CORM_PGPORT PGUSER=postgres PGDATABASE=postgres
[ "$("$PG_BIN/psql" -X -At -c 'SHOW debug_discard_caches')" = 1 ] || die "debug_discard_caches is not 1"

# ---------------------------------------------------------------- 4. suite
failed=()
t_suite_start=$(date +%s)
# pg_regress, then the isolation specs: two runs of make installcheck, so the
# specs run (and report) even when a pg_regress test failed
installcheck() {   # name, diffs file, make variables
  local name=$1 diffs=$2; shift 2
  corm_log "$name (make installcheck $*) against PostgreSQL $PG_VERSION, cassert, debug_discard_caches = 1"
  if ! corm_as_pg env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
       make -C "$work" -s PG_CONFIG="$PG_CONFIG" "$@" installcheck; then
    [ -f "$diffs" ] && { corm_log "$diffs"; cat "$diffs"; }
    failed+=("$name")
  fi
}
[ -n "$regress" ] && installcheck pg_regress "$work/regression.diffs" REGRESS="$regress" ISOLATION=
[ -n "$isolation" ] && installcheck isolation "$work/output_iso/regression.diffs" REGRESS= ISOLATION="$isolation"
t_suite=$(fmt_secs $(($(date +%s) - t_suite_start)))

# Assertion failures and crashes in the server log, with the backtrace the
# server prints after TRAP:, and gdb's from the core file when there is one.
if grep -qE 'TRAP:|terminated by signal|was terminated by exception' "$RUN_TMP/server.log"; then
  corm_log "assertion failures / crashes in the server log"
  grep -nE -A 40 'TRAP:' "$RUN_TMP/server.log" || true
  grep -nE 'terminated by signal|was terminated by exception' "$RUN_TMP/server.log" || true
  if command -v gdb >/dev/null; then
    for core in $(find "$RUN_TMP/data" -maxdepth 1 -name 'core*' -type f); do
      corm_log "gdb backtrace of $core"
      gdb -q -batch -ex 'bt full' "$PG_BIN/postgres" "$core" 2>&1 | head -n 200 || true
    done
  fi
  failed+=(assertions)
fi

if [ ${#failed[@]} -gt 0 ]; then
  corm_log "FAILED: ${failed[*]}"
  exit 1
fi
corm_log "all tests passed under --enable-cassert and debug_discard_caches = 1"
