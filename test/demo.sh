#!/usr/bin/env bash
# corm demo, from a fresh Debian 12 machine: installs what is missing, builds
# and installs corm, starts a throwaway cluster, creates the sample schema
# with its relationships and a few rows, prints what corm knows and a nested
# JSON graph loaded by one corm_load call, and stops the cluster again.
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

spec="books:selectin.reviews:selectin, books.publisher:joined, books.tags:selectin"
corm_log "one call, one JSON graph: SELECT corm_load('authors', '$spec', \"where\" => 'id = 1')"
corm_psql -At -c "SELECT corm_load('authors', '$spec', \"where\" => 'id = 1')" |
  python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), indent=2, ensure_ascii=False))'
corm_log "the statements a load of all authors ran: SELECT * FROM corm_explain('authors', '$spec')"
corm_psql -P pager=off -c "SELECT step, relationship, strategy, rows, left(statement, 80) AS statement
                           FROM corm_explain('authors', '$spec')"
corm_log "a self-referential tree to the leaves: corm_load('categories', 'children*', \"where\" => 'parent_id IS NULL')"
corm_psql -At -c "SELECT corm_load('categories', 'children*', \"where\" => 'parent_id IS NULL')"
