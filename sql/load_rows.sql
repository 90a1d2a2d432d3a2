-- corm_load_rows: corm_load's objects one per row, in the same order, for
-- every strategy and option, across batches of roots (corm.batch_size).
\set VERBOSITY default
CREATE SCHEMA rows_test;
SET search_path = rows_test, public;
\i test/sample/schema.sql
\i test/sample/relationships.sql
\i test/sample/data.sql
-- 1,203 authors in batches of 500: three batches, the last one partial.
-- Under test/cassert.sh (debug_discard_caches: every statement is planned
-- afresh) the data is a hundredth, 15 authors in batches of 6: the same
-- batches, so the same output.
SELECT CASE WHEN current_setting('debug_discard_caches')::int > 0 THEN 100 ELSE 1 END AS shrink,
       CASE WHEN current_setting('debug_discard_caches')::int > 0 THEN 6 ELSE 500 END AS batch \gset
SET corm.batch_size = :batch;
INSERT INTO authors (name, born) SELECT 'author ' || i, date '1900-01-01' + i FROM generate_series(1, 1200 / :shrink) i;
INSERT INTO books (title, author_id, published, price)
    SELECT 'book ' || i, 4 + i % (1200 / :shrink), date '1950-01-01' + i, i % 50 FROM generate_series(1, 2000 / :shrink) i;
INSERT INTO reviews (book_id, rating, body)
    SELECT 5 + i % (2000 / :shrink), 1 + i % 5, 'r' || i FROM generate_series(1, 3000 / :shrink) i;
INSERT INTO book_tags SELECT 5 + i, 1 + i % 3 FROM generate_series(0, 2000 / :shrink - 1) i;

-- same_rows(root, spec, ...): corm_load_rows, read back as an array, is
-- byte for byte corm_load's array; returns the number of batches of roots
-- it took (the objects, divided by corm.batch_size, rounded up)
CREATE FUNCTION same_rows(root regclass, spec text, w text DEFAULT NULL, o text DEFAULT NULL,
                          l bigint DEFAULT NULL, f bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    whole text;
    streamed text;
    n bigint;
BEGIN
    IF spec LIKE '{%' THEN
        whole := corm_load(root, spec::jsonb, w, o, l, f)::text;
        SELECT '[' || coalesce(string_agg(x::text, ','), '') || ']', count(*) INTO streamed, n
            FROM corm_load_rows(root, spec::jsonb, w, o, l, f) x;
    ELSE
        whole := corm_load(root, spec, w, o, l, f)::text;
        SELECT '[' || coalesce(string_agg(x::text, ','), '') || ']', count(*) INTO streamed, n
            FROM corm_load_rows(root, spec, w, o, l, f) x;
    END IF;
    IF whole IS DISTINCT FROM streamed THEN
        RAISE EXCEPTION 'corm_load_rows differs for %(%): % <> %', root, spec,
            left(streamed, 300), left(whole, 300);
    END IF;
    RETURN ceil(n / current_setting('corm.batch_size')::numeric);
END;
$$;

SELECT same_rows('authors', NULL);
SELECT same_rows('authors', 'books');
-- every strategy at the root's children (joined and subquery are loaded per
-- batch there: the root statement is read as a cursor) and below
SELECT same_rows('authors', 'books:select.reviews:joined, books.tags:subquery');
SELECT same_rows('authors', 'books:joined.reviews:subquery, books.publisher:selectin');
SELECT same_rows('authors', 'books:subquery.reviews:joined, books.tags:select');
SELECT same_rows('authors', 'books:selectin.reviews:selectin');
-- half the batch size: twice the batches, the same rows
SELECT set_config('corm.batch_size', (:batch / 2)::text, false) AS half \gset
SELECT same_rows('authors', 'books:selectin.reviews:joined');
SET corm.batch_size = :batch;
-- root where, order_by, limit, offset
SELECT same_rows('authors', 'books:joined', w => 'id % 3 = 0', o => 'name DESC');
SELECT same_rows('authors', 'books.reviews', l => 700 / :shrink, f => 250 / :shrink);
SELECT same_rows('authors', 'books', l => 0);
SELECT same_rows('authors', 'books', w => 'false');
-- the jsonb spec and its options
SELECT same_rows('authors', '{"books": {"strategy": "joined", "order_by": "price DESC", "limit": 2,
    "load": {"reviews": {"strategy": "subquery", "limit": 1, "columns": ["rating"]},
             "n": {"relationship": "reviews", "count": true}}}}');
SELECT same_rows('authors', '{"books": {"inner": true, "where": "price % 10 = 7", "columns": ["title"]}}', l => 600 / :shrink);
-- an aggregate computed in its collection's statement (window aggregates), per batch
SELECT same_rows('authors', '{"books": {"strategy": "joined", "load": {"reviews": {"strategy": "selectin", "order_by": "id DESC", "limit": 2},
    "n": {"relationship": "reviews", "strategy": "selectin", "count": true}, "a": {"relationship": "reviews", "strategy": "selectin", "avg": "rating"}}}}');
-- other roots: a tree, many-to-many, proxies
SELECT same_rows('categories', 'children*:joined', w => 'parent_id IS NULL');
SELECT same_rows('students', 'courses:joined, enrolled_courses, grades');
SELECT same_rows('users', 'following*:subquery, profile:joined');

-- a set-returning function: usable in FROM, and one object per row
SELECT count(*) = (SELECT count(*) FROM authors) AS every_author, count(DISTINCT x::jsonb ->> 'id') = count(*) AS once_each
FROM corm_load_rows('authors', 'books') x;
SELECT x::jsonb ->> 'name' AS name, json_array_length(x -> 'books') AS books
FROM corm_load_rows('authors', 'books', "limit" => 3) x;

-- errors are those of corm_load, before any row is returned
\set ON_ERROR_STOP 0
SELECT * FROM corm_load_rows('authors', 'nope');
SELECT * FROM corm_load_rows('authors', '{"books": {"limit": -1}}'::jsonb);
SELECT * FROM corm_load_rows('authors', "where" => 'true; SELECT 1');
\set ON_ERROR_STOP 1
