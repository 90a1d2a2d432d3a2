#!/usr/bin/env bash
# corm demo, from a fresh Debian 12 machine: installs what is missing, builds
# and installs corm, starts a throwaway cluster, and stops it again at the end.
#
#  1. Zero configuration: the sample schema and its rows (test/sample/schema.sql,
#     data.sql; no relationships.sql), corm_automap() registering a
#     relationship pair per foreign key, then nested JSON graphs loaded through
#     the names automap gave, the statements a load ran, a self-referential
#     tree.
#  2. Registered by hand (test/sample/relationships.sql, in a second
#     database): names, cascades, orderings and association proxies of one's
#     own choosing, and a DELETE cascading through the triggers.
#
#   test/demo.sh
set -euo pipefail
. "$(dirname "$0")/lib/cluster.sh"

corm_install_deps
corm_build_install
corm_start_cluster

# JSON indented, numbers exactly as corm wrote them (12.50 stays 12.50)
pretty() {
  python3 -c '
import json, re, sys
graph = json.load(sys.stdin, parse_float=lambda s: "\0" + s)
text = json.dumps(graph, indent=2, ensure_ascii=False)
print(re.sub(r"\"\\u0000([^\"]*)\"", r"\1", text))'
}

#
# 1. Zero configuration
#
export PGDATABASE=corm_automap
corm_psql -d postgres -c "CREATE DATABASE $PGDATABASE"
corm_log "1. zero configuration, database $PGDATABASE: CREATE EXTENSION corm, the sample schema and rows (test/sample/schema.sql, data.sql), no relationships"
corm_psql -c "CREATE EXTENSION corm" \
  -f "$CORM_ROOT/test/sample/schema.sql" \
  -f "$CORM_ROOT/test/sample/data.sql" >/dev/null

corm_log "SELECT * FROM corm_automap(): a relationship pair for every foreign key"
corm_psql -P pager=off -c "SELECT * FROM corm_automap()"

corm_log "one call, one JSON graph, through the automapped names: SELECT corm_get('authors', 1, 'books.(publisher, reviews, tags)')"
corm_psql -At -c "SELECT corm_get('authors', 1, 'books.(publisher, reviews, tags)')" | pretty

spec="books:selectin.reviews:selectin, books.publisher:joined, books.tags:selectin"
corm_log "the statements a load of all authors ran: SELECT * FROM corm_explain('authors', '$spec')"
corm_psql -P pager=off -c "SELECT step, relationship, strategy, rows, left(statement, 80) AS statement
                           FROM corm_explain('authors', '$spec')"

corm_log "a self-referential tree to the leaves: corm_load('categories', 'categories_by_parent*', \"where\" => 'parent_id IS NULL')"
corm_psql -At -c "SELECT corm_load('categories', 'categories_by_parent*', \"where\" => 'parent_id IS NULL')"

#
# 2. Registered by hand
#
export PGDATABASE=corm_registered
corm_psql -d postgres -c "CREATE DATABASE $PGDATABASE"
corm_log "2. registered by hand, database $PGDATABASE: the same schema and rows, with test/sample/relationships.sql"
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

corm_log "the tree under its own names, children ordered by name: corm_load('categories', 'children*', \"where\" => 'parent_id IS NULL')"
corm_psql -At -c "SELECT corm_load('categories', 'children*', \"where\" => 'parent_id IS NULL')"

corm_log "association proxies: corm_load('students', 'enrolled_courses, grades')"
corm_psql -At -c "SELECT corm_load('students', 'enrolled_courses, grades')"

corm_log "cascades for every client: DELETE FROM authors WHERE id = 1 (authors.books and books.reviews are 'all, delete-orphan')"
corm_psql -P pager=off -c "SELECT (SELECT count(*) FROM books) AS books, (SELECT count(*) FROM reviews) AS reviews,
                                  (SELECT count(*) FROM book_tags) AS book_tags" \
  -c "DELETE FROM authors WHERE id = 1" \
  -c "SELECT (SELECT count(*) FROM books) AS books, (SELECT count(*) FROM reviews) AS reviews,
             (SELECT count(*) FROM book_tags) AS book_tags"
