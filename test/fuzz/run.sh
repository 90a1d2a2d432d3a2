#!/usr/bin/env bash
# Build corm's libFuzzer targets (clang, ASan + UBSan) and run each of them.
#
#   test/fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS (default 60) is the time each target runs, with one worker; 0 only
# builds.  TARGETs (default: all of them) are names from TARGETS below.
# Installs what is missing (clang, its fuzzer runtime, PostgreSQL's server
# headers; as root or through sudo), fetches the PostgreSQL source package
# the headers come from, for a few of its files, builds everything into
# $CORM_FUZZ_BUILD (default /tmp/fuzz-build), never into the repository or
# the system, and runs each target on a copy of its seed corpus.  Exits
# non-zero if a target crashed (a sanitizer report, a violated invariant,
# a timeout, running out of memory or leaking), after printing the input
# that did it in base64.
#
# Environment: CORM_FUZZ_BUILD (build directory), CORM_PGSRC (an unpacked
# PostgreSQL 15 source tree to use instead of fetching one), PG_CONFIG,
# CORM_FUZZ_FLAGS (more libFuzzer flags, e.g. "-max_len=65536"), CORM_FUZZ_KEEP
# (non-empty: keep the corpus each run grew, under the build directory).
set -euo pipefail

FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
CORM_ROOT=$(cd "$FUZZ_DIR/../.." && pwd)
BUILD=${CORM_FUZZ_BUILD:-/tmp/fuzz-build}
PG_MAJOR=15
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}

# The targets: "name: the corm sources (under src/) it is linked with".
# Target NAME is test/fuzz/fuzz_NAME.c, seeded from test/fuzz/corpus/NAME/
# (if present) with the dictionary test/fuzz/NAME.dict (if present).
# Adding a target is one file and one line here.
TARGETS=(
  "spec: spec.c spec_options.c options.c"
  "save: save_walk.c"
)

# PostgreSQL's own sources linked into every target, next to pg_shim.c.
PG_SOURCES="
  src/common/stringinfo.c src/common/psprintf.c src/common/hashfn.c
  src/common/wchar.c src/common/encnames.c
  src/backend/nodes/list.c src/backend/utils/hash/dynahash.c
  src/backend/parser/scansup.c
  src/port/snprintf.c src/port/strlcpy.c src/port/pgstrcasecmp.c src/port/qsort.c"

log() { printf '\n=== %s\n' "$*" >&2; }
die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

secs=${1:-60}
[[ $secs =~ ^[0-9]+$ ]] || die "SECONDS must be a number, not '$secs'"
shift || true
selected=("$@")

# ---------------------------------------------------------------- packages
apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

fuzzer_works() {
  local t; t=$(mktemp -d)
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }' >"$t/t.c"
  clang -fsanitize=fuzzer,address,undefined "$t/t.c" -o "$t/t" >/dev/null 2>&1
  local rc=$?
  rm -rf "$t"
  return $rc
}

command -v clang >/dev/null || apt_install clang
if ! fuzzer_works; then
  # the fuzzer and sanitizer runtimes of the installed clang's version
  clang_major=$(clang -dumpversion | cut -d. -f1)
  apt_install "libclang-rt-$clang_major-dev" || apt_install libclang-rt-dev
  fuzzer_works || die "clang cannot link a -fsanitize=fuzzer program"
fi
if [ ! -x "$PG_CONFIG" ]; then
  apt_install "postgresql-server-dev-$PG_MAJOR"
fi
PG_INC=$("$PG_CONFIG" --includedir-server)
[ -f "$PG_INC/postgres.h" ] || die "no postgres.h in $PG_INC"

# ---------------------------------------------------------------- PostgreSQL source
# A few .c files of the source package the server headers come from.  Debian's
# security suite can advertise a version whose files are gone (404), so the
# installed version is tried first, then every other version of this major
# apt knows, newest first.
fetch_pg_source() {
  local dest=$1 ver dl upstream tarball members
  command -v bzip2 >/dev/null || apt_install bzip2
  if [ -z "$(apt-cache showsrc "postgresql-$PG_MAJOR" 2>/dev/null | head -1)" ]; then
    log "adding deb-src lines (from /etc/apt/sources.list.d/debian.sources)"
    [ -f /etc/apt/sources.list.d/debian.sources ] || die "no /etc/apt/sources.list.d/debian.sources to copy deb-src lines from"
    sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      as_root tee /etc/apt/sources.list.d/corm-fuzz-src.sources >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  local installed
  installed=$(dpkg-query -W -f='${Version}' "postgresql-server-dev-$PG_MAJOR" 2>/dev/null ||
              dpkg-query -W -f='${Version}' "postgresql-$PG_MAJOR" 2>/dev/null || true)
  local versions
  versions=$( { [ -n "$installed" ] && echo "$installed"
                apt-cache showsrc "postgresql-$PG_MAJOR" | sed -n 's/^Version: //p' | sort -rV; } |
              awk '!seen[$0]++')
  dl="$BUILD/pgsrc/download"
  for ver in $versions; do
    rm -rf "$dl"; mkdir -p "$dl"
    log "fetching the source of postgresql-$PG_MAJOR $ver"
    if (cd "$dl" && apt-get source -qq --download-only "postgresql-$PG_MAJOR=$ver" >/dev/null 2>&1); then
      upstream=${ver%%-*}
      upstream=${upstream#*:}
      tarball="$dl/postgresql-${PG_MAJOR}_${upstream}.orig.tar.bz2"
      [ -f "$tarball" ] || { echo "no $tarball" >&2; continue; }
      [ "$ver" = "$installed" ] || echo "note: the headers are $installed, the sources $ver (same major release, whose minor releases keep these files compatible)" >&2
      rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
      members=()
      for f in $PG_SOURCES; do members+=("postgresql-$upstream/$f"); done
      tar -xjf "$tarball" -C "$dest.tmp" --strip-components=1 "${members[@]}"
      echo "$ver" >"$dest.tmp/VERSION"
      rm -rf "$dest"; mv "$dest.tmp" "$dest"; rm -rf "$dl"
      return 0
    fi
    echo "not downloadable: postgresql-$PG_MAJOR=$ver" >&2
  done
  die "could not fetch any postgresql-$PG_MAJOR source package"
}

if [ -n "${CORM_PGSRC:-}" ]; then
  PGSRC=$CORM_PGSRC
else
  PGSRC="$BUILD/pgsrc/tree"
  missing=
  for f in $PG_SOURCES; do [ -f "$PGSRC/$f" ] || missing=1; done
  [ -z "$missing" ] || fetch_pg_source "$PGSRC"
fi
for f in $PG_SOURCES; do [ -f "$PGSRC/$f" ] || die "$PGSRC/$f is missing"; done

# ---------------------------------------------------------------- build
# -fno-strict-aliasing as PostgreSQL is built (and -fwrapv, below);
# USE_ASSERT_CHECKING for the Assert()s; DEBUG_LIST_MEMORY_USAGE makes every
# List change move the list, so stale ListCell pointers become use-after-free.
# pg_config.h names gcc's printf format archetype, which clang does not know:
# -Dgnu_printf=printf keeps the format checks of every pg_attribute_printf.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS_BASE="-g -O1 -fno-omit-frame-pointer $SAN -fno-strict-aliasing
  -D_GNU_SOURCE -Dgnu_printf=printf -DUSE_ASSERT_CHECKING -DDEBUG_LIST_MEMORY_USAGE
  -I$FUZZ_DIR -I$CORM_ROOT/src -I$PG_INC"
# corm's code and the targets: coverage-guided, warnings as corm's Makefile has
# them, and without -fwrapv, so that UBSan reports a signed overflow (with
# -fwrapv it cannot; in corm's code one would be a bug all the same), and
# integer conversions that change a value
CFLAGS_CORM="$CFLAGS_BASE -fsanitize=fuzzer-no-link -fsanitize=implicit-conversion
  -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers"
# PostgreSQL's files (their warnings are not ours) and the shim: sanitized, not
# coverage-guided, -fwrapv as PostgreSQL is built
CFLAGS_HOST="$CFLAGS_BASE -fwrapv"
CFLAGS_SHIM="$CFLAGS_HOST -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
  -Wno-missing-field-initializers"

mkdir -p "$BUILD/obj/host" "$BUILD/obj/corm"
log "building into $BUILD (PostgreSQL sources: $PGSRC)"
host_objs=()
for f in $PG_SOURCES; do
  o="$BUILD/obj/host/$(echo "$f" | tr / _).o"
  # shellcheck disable=SC2086
  clang $CFLAGS_HOST -w -c "$PGSRC/$f" -o "$o"
  host_objs+=("$o")
done
# shellcheck disable=SC2086
clang $CFLAGS_SHIM -c "$FUZZ_DIR/pg_shim.c" -o "$BUILD/obj/host/pg_shim.o"
host_objs+=("$BUILD/obj/host/pg_shim.o")

names=()
for entry in "${TARGETS[@]}"; do
  name=${entry%%:*}
  sources=${entry#*:}
  if [ ${#selected[@]} -gt 0 ] && [[ " ${selected[*]} " != *" $name "* ]]; then
    continue
  fi
  names+=("$name")
  objs=()
  for s in $sources; do
    o="$BUILD/obj/corm/${s%.c}.o"
    # shellcheck disable=SC2086
    clang $CFLAGS_CORM -c "$CORM_ROOT/src/$s" -o "$o"
    objs+=("$o")
  done
  # shellcheck disable=SC2086
  clang $CFLAGS_CORM -c "$FUZZ_DIR/fuzz_$name.c" -o "$BUILD/obj/corm/fuzz_$name.o"
  # shellcheck disable=SC2086
  clang $SAN -fsanitize=fuzzer "$BUILD/obj/corm/fuzz_$name.o" "${objs[@]}" "${host_objs[@]}" \
    -lm -o "$BUILD/fuzz_$name"
  echo "built $BUILD/fuzz_$name" >&2
done
for s in "${selected[@]}"; do
  [[ " ${names[*]} " == *" $s "* ]] || die "no target named '$s'"
done
[ "$secs" -gt 0 ] || exit 0

# ---------------------------------------------------------------- run
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
summary=()
for name in "${names[@]}"; do
  work=$(mktemp -d "$BUILD/corpus-$name.XXXXXX")
  [ -d "$FUZZ_DIR/corpus/$name" ] && cp -R "$FUZZ_DIR/corpus/$name/." "$work/"
  art="$BUILD/artifacts/$name"
  rm -rf "$art"; mkdir -p "$art"
  logf="$BUILD/fuzz_$name.log"
  dict=()
  [ -f "$FUZZ_DIR/$name.dict" ] && dict=("-dict=$FUZZ_DIR/$name.dict")
  log "fuzz_$name for ${secs}s (seeds: $(find "$work" -type f | wc -l); log: $logf)"
  rc=0
  # shellcheck disable=SC2086
  "$BUILD/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" \
    ${CORM_FUZZ_FLAGS:-} "$work" >"$logf" 2>&1 || rc=$?
  # progress: the libFuzzer status lines, every few seconds
  grep -E '^#[0-9]+[[:space:]]+(INITED|pulse|DONE)' "$logf" | tail -n 5 || true
  grep -E '^stat::' "$logf" || true
  last=$(grep -E '^#[0-9]+' "$logf" | tail -n 1 || true)
  if [ "$rc" -ne 0 ] || [ -n "$(ls -A "$art")" ]; then
    failed+=("$name")
    log "fuzz_$name FAILED (exit $rc); the end of its log:"
    tail -n 80 "$logf"
    for a in "$art"/*; do
      [ -f "$a" ] || continue
      log "reproducer $(basename "$a") ($(wc -c <"$a") bytes), base64:"
      base64 -w0 "$a"; echo
      echo "to reproduce: echo '<the base64 above>' | base64 -d >repro.txt &&" \
           "test/fuzz/run.sh 0 $name && $BUILD/fuzz_$name repro.txt"
    done
    summary+=("fuzz_$name: FAILED; ${last:-crashed on a seed of the corpus}")
  else
    summary+=("fuzz_$name: ok; $last")
  fi
  if [ -n "${CORM_FUZZ_KEEP:-}" ]; then
    echo "corpus after the run: $work" >&2
  else
    rm -rf "$work"
  fi
done

log "summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
