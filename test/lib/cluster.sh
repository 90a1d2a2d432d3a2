# Shared by test/run-tests.sh, test/demo.sh and the benchmarks: install what is
# missing, build and install corm, start a throwaway cluster, stop it on exit.
# Source it; it defines functions and sets CORM_ROOT, PG_CONFIG and PG_BIN.
#
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# unprivileged user "postgres"; as any other user it runs as that user.
# The cluster listens on a Unix socket in a private directory only (no TCP),
# so it never collides with another server on the machine.

CORM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
# CORM_PG_PREFIX: a private copy of Debian's PostgreSQL tree (usr/lib/postgresql,
# usr/share/postgresql, usr/include/postgresql under it).  PostgreSQL's
# binaries and pg_config find their files relative to themselves, so corm is
# then built against and installed into that copy, never into the system's:
# several checkouts can be tested side by side.
if [ -n "${CORM_PG_PREFIX:-}" ]; then
  PG_CONFIG=${PG_CONFIG:-$CORM_PG_PREFIX/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
fi
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
[ -x "$PG_CONFIG" ] && PG_BIN=$("$PG_CONFIG" --bindir)
export PG_CONFIG PG_BIN
CORM_PGPORT=${CORM_PGPORT:-54329}

# Debian packages everything needs: server, headers and PGXS, pg_regress and
# the isolation tester, perl for TAP, SQLAlchemy + psycopg2 for the
# comparison tests and the benchmark.
CORM_PACKAGES="postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-client-$PG_MAJOR
  libipc-run-perl make gcc python3 python3-sqlalchemy python3-psycopg2"

corm_log() { printf '\n=== %s\n' "$*" >&2; }

# Run a command with root rights: directly as root, else through sudo.
corm_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Run a command as the user owning the cluster.
corm_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

corm_install_deps() {
  # shellcheck disable=SC2086
  corm_install_packages $CORM_PACKAGES
}

# Install those of the Debian packages named that are missing.
corm_install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    corm_log "installing ${missing[*]}"
    corm_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    corm_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian's postgresql-common creates and starts a default cluster; corm
  # does not use it, and leaves it alone.
}

corm_build_install() {
  corm_log "building corm"
  make -C "$CORM_ROOT" -s PG_CONFIG="$PG_CONFIG" COPT=-Werror >/dev/null
  corm_as_root make -C "$CORM_ROOT" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# Start a cluster in a fresh temporary directory; sets CORM_TMP, PGHOST,
# PGPORT, PGUSER and PGDATABASE for everything that follows, and stops the
# cluster when the calling script exits, whatever its outcome.
corm_start_cluster() {
  CORM_TMP=$(mktemp -d /tmp/corm.XXXXXX)
  chmod 755 "$CORM_TMP"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$CORM_TMP"
  trap corm_stop_cluster EXIT
  trap 'exit 130' INT TERM
  corm_log "starting a throwaway cluster in $CORM_TMP"
  corm_as_pg "$PG_BIN/initdb" -D "$CORM_TMP/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  corm_as_pg "$PG_BIN/pg_ctl" -D "$CORM_TMP/data" -l "$CORM_TMP/server.log" -w -s \
    -o "-p $CORM_PGPORT -k $CORM_TMP -c listen_addresses='' -c jit=off -c fsync=off" start
  export PGHOST=$CORM_TMP PGPORT=$CORM_PGPORT PGUSER=postgres PGDATABASE=postgres
}

corm_stop_cluster() {
  if [ -n "${CORM_TMP:-}" ] && [ -d "$CORM_TMP/data" ]; then
    corm_as_pg "$PG_BIN/pg_ctl" -D "$CORM_TMP/data" -m fast -w -s stop || true
    rm -rf "$CORM_TMP"
  fi
}

# psql with the settings tests want: stop at the first error, no psqlrc.
corm_psql() {
  "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -q "$@"
}
