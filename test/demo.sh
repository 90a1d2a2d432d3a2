#!/usr/bin/env bash
# corm demo, from a fresh Debian 12 machine: installs what is missing, builds
# and installs corm, starts a throwaway cluster, creates the sample schema
# with its relationships and a few rows, prints what corm knows, and stops
# the cluster again.
#
#   test/demo.sh
set -euo pipefail
. "$(dirname "$0")/lib/cluster.sh"

corm_install_deps
corm_build_install
corm_start_cluster

corm_log "sample schema, relationships and data (test/sample/*.sql)"
corm_psql -c "CREATE EXTENSION corm" \
  -f "$CORM_ROOT/test/sample/schema.sql" \
  -f "$CORM_ROOT/test/sample/relationships.sql" \
  -f "$CORM_ROOT/test/sample/data.sql" >/dev/null

corm_log "what corm inferred: SELECT ... FROM corm.relationships"
corm_psql -P pager=off -c "
  SELECT parent, name, target, direction, local_columns AS local, remote_columns AS remote,
         secondary, uselist, array_to_string(cascade, ',') AS cascade, order_by, back_populates
  FROM corm.relationships ORDER BY parent::text, name"
corm_psql -P pager=off -c "SELECT * FROM corm.association_proxies ORDER BY parent::text, name"
