#!/usr/bin/env bash
# Regenerates the README's picture of the sample schema:
#
#   docs/diagram.dot  corm_diagram('dot') of test/sample/{schema,relationships}.sql
#   docs/diagram.svg  that DOT rendered by Debian's graphviz (dot -Tsvg)
#
# Installs what is missing, builds and installs corm and runs it in a
# throwaway cluster (test/lib/cluster.sh: set CORM_PG_PREFIX to use a private
# copy of PostgreSQL).  test/t/diagram fails while the committed files are not
# what this writes.
#
#   test/diagram/render.sh
set -euo pipefail
. "$(dirname "$0")/../lib/cluster.sh"

corm_install_packages "postgresql-$PG_MAJOR" "postgresql-server-dev-$PG_MAJOR" \
  "postgresql-client-$PG_MAJOR" make gcc graphviz
corm_build_install
corm_start_cluster

corm_psql -c "SET client_min_messages = warning" -c "CREATE EXTENSION corm" \
  -f "$CORM_ROOT/test/sample/schema.sql" -f "$CORM_ROOT/test/sample/relationships.sql" >/dev/null
# the text as corm_diagram returns it (psql adds one more newline: $( ) drops both)
source=$(corm_psql -At -c "SELECT corm_diagram('dot')")

mkdir -p "$CORM_ROOT/docs"
printf '%s\n' "$source" > "$CORM_TMP/diagram.dot"
dot -Tsvg -o "$CORM_TMP/diagram.svg" "$CORM_TMP/diagram.dot" 2> "$CORM_TMP/dot.err"
if [ -s "$CORM_TMP/dot.err" ]; then
  cat "$CORM_TMP/dot.err" >&2
  exit 1
fi
cp "$CORM_TMP/diagram.dot" "$CORM_TMP/diagram.svg" "$CORM_ROOT/docs/"
corm_log "wrote docs/diagram.dot and docs/diagram.svg ($(dot -V 2>&1))"
