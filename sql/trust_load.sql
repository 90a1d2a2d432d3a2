-- Trust, loads and caches: no invalidation, nested call or schema change
-- can pull a cache from under a call, serve another table, or let a load
-- grow without bound; loads read only.
\set VERBOSITY default
CREATE SCHEMA trust_k;
SET search_path = trust_k, public;
\i test/sample/schema.sql
\i test/sample/relationships.sql
\i test/sample/data.sql

-- A nested corm call after an invalidation of a watched table (ANALYZE in a
-- function the where clause calls) must not free what the outer call uses.
CREATE FUNCTION trust_k.meddle(int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    ANALYZE trust_k.books;
    PERFORM corm_load('trust_k.authors', 'books.reviews');
    RETURN true;
END $$;
SELECT corm_load('authors', 'books.reviews, books.tags', "where" => 'trust_k.meddle(id)')::text
     = corm_load('authors', 'books.reviews, books.tags')::text AS nested_after_invalidation;
SELECT count(*) FROM pg_catalog.json_array_elements(
    corm_load('books', 'reviews:select, author:select, tags:joined', "where" => 'trust_k.meddle(id)'));

-- ... nor an audit trigger that calls corm_get during a cascade, after a GRANT.
-- (Cascade statements run with search_path pinned to pg_catalog, pg_temp,
-- and so do the BEFORE triggers they fire: such a trigger qualifies names.)
CREATE TABLE trust_k.audit (what text);
CREATE FUNCTION trust_k.audit_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'GRANT SELECT ON trust_k.reviews TO PUBLIC';
    INSERT INTO trust_k.audit
        SELECT public.corm_get('trust_k.books'::regclass, OLD.book_id, 'reviews, author')::text IS NOT NULL;
    RETURN OLD;
END $$;
CREATE TRIGGER reviews_audit BEFORE DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION trust_k.audit_review();
BEGIN;
DELETE FROM authors WHERE id = 1;
SELECT what, count(*) FROM trust_k.audit GROUP BY what;
ROLLBACK;
DROP TRIGGER reviews_audit ON reviews;

-- Loads are read-only: a where calling a function that writes fails.
CREATE FUNCTION trust_k.writes(int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trust_k.audit VALUES ('written by a load');
    RETURN true;
END $$;
SELECT corm_load('authors', 'books', "where" => 'trust_k.writes(id)');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS written FROM trust_k.audit WHERE what = 'written by a load';
-- and the transaction is writable again afterwards
INSERT INTO trust_k.audit VALUES ('after a load');
SELECT corm_load('authors', "where" => 'id = 1')::text IS NOT NULL AS loaded;
SELECT current_setting('transaction_read_only') AS read_only_after;

-- A renamed schema: a backend that loaded before must not serve the new
-- table of the old name.
CREATE SCHEMA shop;
CREATE TABLE shop.p (id int PRIMARY KEY, what text);
INSERT INTO shop.p VALUES (1, 'old table');
SELECT corm_load('shop.p');
ALTER SCHEMA shop RENAME TO shop_old;
CREATE SCHEMA shop;
CREATE TABLE shop.p (id int PRIMARY KEY, what text);
INSERT INTO shop.p VALUES (1, 'new table');
SELECT corm_load('shop_old.p');
SELECT corm_load('shop.p');
DROP SCHEMA shop CASCADE;
DROP SCHEMA shop_old CASCADE;

-- The first call of a load equals later calls: mutual eager relationships
-- (mx.ys <-> my.x) and a third table (mz) that is only a target, reached
-- first, in a backend that has cached nothing yet.  (1.0 read the catalog
-- again on reaching mz, and then took the new copy of mx.ys for another
-- relationship than the one on the branch: one level too many, first time only.)
CREATE TABLE trust_k.mx (id int PRIMARY KEY);
CREATE TABLE trust_k.my (id int PRIMARY KEY, mx_id int REFERENCES trust_k.mx);
CREATE TABLE trust_k.mz (id int PRIMARY KEY, mx_id int REFERENCES trust_k.mx);
SELECT corm_relationship('mx', 'a_zs', 'mz', lazy => 'selectin');
SELECT corm_relationship('mx', 'ys', 'my', back_populates => 'x', lazy => 'selectin');
SELECT corm_relationship('my', 'x', 'mx', back_populates => 'ys', lazy => 'selectin');
INSERT INTO trust_k.mx VALUES (1);
INSERT INTO trust_k.my VALUES (1, 1);
INSERT INTO trust_k.mz VALUES (1, 1);
\c
SET search_path = trust_k, public;
SELECT corm_load('mx')::text AS first \gset
SELECT corm_load('mx')::text = :'first' AS second_equals_first;
SELECT :'first';
\c
SET search_path = trust_k, public;
SELECT corm_load('my')::text AS first \gset
SELECT corm_load('my')::text = :'first' AS second_equals_first;
SELECT :'first';

-- Distinct where texts do not fill the backend: their statements are not
-- kept, and the kept ones are bounded by corm.plan_cache_size.
\c
SET search_path = trust_k, public;
SELECT corm_load('authors', 'books.reviews', "where" => 'id <> 0')::text IS NOT NULL AS warm;
SELECT pg_catalog.sum(total_bytes) AS before FROM pg_backend_memory_contexts \gset
-- (10,000 loads; test/cassert.sh, where each one rebuilds every cache, sets
-- corm_test.distinct_where_loads lower)
DO $$
BEGIN
    FOR i IN 1..coalesce(nullif(current_setting('corm_test.distinct_where_loads', true), '')::int,
                         10000) LOOP
        PERFORM corm_load('trust_k.authors', 'books.reviews', "where" => 'id <> ' || i);
    END LOOP;
END $$;
SELECT pg_catalog.sum(total_bytes) - :before < 1000000 AS grew_less_than_1mb
FROM pg_backend_memory_contexts;
SET corm.plan_cache_size = 2;
SELECT corm_load('authors', 'books.reviews.book.author:select')::text
     = corm_load('authors', 'books.reviews.book.author:selectin')::text AS evicting_keeps_results;
SELECT corm_load('authors', 'books:select.reviews:select.book:select', "limit" => 3)::text
     = corm_load('authors', 'books:selectin.reviews:selectin.book:selectin', "limit" => 3)::text
  AS evicting_keeps_results;
RESET corm.plan_cache_size;

-- Planning is bounded: eager self-references that multiply end in an ERROR
-- with a hint, not in gigabytes; and a cancel reaches a long planning.
CREATE TABLE trust_k.folders (id int PRIMARY KEY, parent_id int REFERENCES trust_k.folders);
SELECT corm_relationship('folders', 'children', 'folders', back_populates => 'parent',
                         lazy => 'selectin', join_depth => 12);
SELECT corm_relationship('folders', 'parent', 'folders', direction => 'many_to_one',
                         back_populates => 'children', lazy => 'selectin', join_depth => 12);
INSERT INTO trust_k.folders VALUES (1, NULL), (2, 1);
SELECT corm_load('folders');
\echo :LAST_ERROR_SQLSTATE
SET corm.max_load_nodes = 1000000;
SET statement_timeout = '300ms';
-- (terse: on an assert-enabled build with debug_discard_caches the timeout
-- can fire earlier, while corm reads its catalog, with a CONTEXT line)
\set VERBOSITY terse
SELECT corm_load('folders');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
RESET statement_timeout;
RESET corm.max_load_nodes;
SELECT corm_load('folders', 'children:select');
\echo :LAST_ERROR_SQLSTATE

RESET search_path;
DROP SCHEMA trust_k CASCADE;
