-- corm_load / corm_get / corm_explain on the sample schema: exact graphs,
-- every strategy returning the same JSON, statement counts, errors.
\set VERBOSITY default
CREATE SCHEMA load_test;
SET search_path = load_test, public;
\i test/sample/schema.sql
\i test/sample/relationships.sql
\i test/sample/data.sql
-- one JSON value per line: no headers, no alignment
\pset format unaligned
\pset tuples_only on

-- same_for_all_strategies(root, spec with {s} for the strategy): the JSON of
-- every strategy (and of a mix) must be byte-identical; returns it.
CREATE FUNCTION same_for_all_strategies(root regclass, spec text, w text DEFAULT NULL,
                                        o text DEFAULT NULL, l bigint DEFAULT NULL,
                                        f bigint DEFAULT NULL)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    s text;
    first json;
    cur json;
    n int := 0;
    i int := 0;
BEGIN
    FOREACH s IN ARRAY ARRAY['select', 'joined', 'subquery', 'selectin', 'mix1', 'mix2'] LOOP
        IF s LIKE 'mix%' THEN
            -- each {s} gets the next strategy in turn
            cur := NULL;
            DECLARE
                parts text[] := string_to_array(spec, '{s}');
                mixed text := parts[1];
                strategies text[] := CASE s WHEN 'mix1' THEN ARRAY['joined', 'selectin', 'subquery', 'select']
                                            ELSE ARRAY['subquery', 'joined', 'select', 'selectin'] END;
            BEGIN
                FOR i IN 2 .. coalesce(array_length(parts, 1), 1) LOOP
                    mixed := mixed || strategies[1 + (i % 4)] || parts[i];
                END LOOP;
                cur := corm_load(root, mixed, w, o, l, f);
            END;
        ELSE
            cur := corm_load(root, replace(spec, '{s}', s), w, o, l, f);
        END IF;
        IF first IS NULL THEN
            first := cur;
        ELSIF first::text IS DISTINCT FROM cur::text THEN
            RAISE EXCEPTION 'strategy % differs for %(%): % <> %', s, root, spec, cur, first;
        END IF;
        n := n + 1;
    END LOOP;
    RETURN first;
END;
$$;

-- the README's graph: authors -> books -> reviews, publisher, tags
SELECT same_for_all_strategies('authors', 'books:{s}.reviews:{s}, books.publisher:{s}, books.tags:{s}');
-- one object by primary key
SELECT corm_get('authors', 1, 'books:joined.publisher');
SELECT corm_get('authors', 99, 'books') IS NULL AS missing;
-- no spec: columns only (relationships here are lazy 'select')
SELECT corm_load('publishers');
-- where / order_by / limit / offset on the root
SELECT same_for_all_strategies('authors', 'books:{s}', w => 'born IS NOT NULL', o => 'name DESC');
SELECT same_for_all_strategies('authors', 'books:{s}.tags:{s}', o => 'id DESC', l => 1, f => 1);
SELECT corm_load('authors', "where" => 'false');
-- one-to-one, many-to-one scalars; self-referential many-to-many with recursion
SELECT same_for_all_strategies('users', 'profile:{s}, following:{s}, followers:{s}');
SELECT same_for_all_strategies('profiles', 'user:{s}.following:{s}');
SELECT same_for_all_strategies('users', 'following*:{s}');
SELECT same_for_all_strategies('users', 'following*2:{s}, profile:{s}');
-- trees: to the leaves, N levels, and below the recursion
SELECT same_for_all_strategies('categories', 'children*:{s}', w => 'parent_id IS NULL');
SELECT same_for_all_strategies('categories', 'children*2:{s}', w => 'parent_id IS NULL');
SELECT same_for_all_strategies('categories', 'children*1:{s}.parent:{s}', w => 'id = 2');
SELECT same_for_all_strategies('categories', 'parent*:{s}', w => 'id = 6');
-- association table and association object; proxies of a relationship and of a column
SELECT same_for_all_strategies('students', 'courses:{s}, enrollments:{s}.course:{s}, enrolled_courses:{s}, grades:{s}');
SELECT same_for_all_strategies('courses', 'students:{s}, enrollments:{s}.student:{s}');
-- noload: the key is there, always empty
SELECT corm_load('authors', 'books:noload', "where" => 'id = 1');
SELECT corm_load('users', 'profile:noload', "where" => 'id = 1');

-- eager by default: registered joined / subquery / selectin load without being named,
-- bounded by join_depth (NULL: not again below itself), so mutual eagerness ends
SELECT corm_drop_relationship('categories', 'children');
SELECT corm_drop_relationship('categories', 'parent');
SELECT corm_relationship('categories', 'children', 'categories', lazy => 'selectin', join_depth => 2,
                         backref => 'parent', order_by => 'name');
SELECT same_for_all_strategies('categories', '', w => 'parent_id IS NULL');
SELECT corm_drop_relationship('categories', 'children');
SELECT corm_relationship('categories', 'children', 'categories', lazy => 'joined',
                         back_populates => 'parent', order_by => 'name');
SELECT corm_load('categories', "where" => 'parent_id IS NULL');
-- explicit recursion overrides the eager default below itself
SELECT corm_load('categories', 'children*', "where" => 'parent_id IS NULL');
SELECT corm_drop_relationship('books', 'publisher');
SELECT corm_drop_relationship('publishers', 'books');
SELECT corm_relationship('books', 'publisher', 'publishers', lazy => 'joined', backref => 'books');
SELECT corm_drop_relationship('publishers', 'books');
SELECT corm_relationship('publishers', 'books', 'books', lazy => 'selectin', back_populates => 'publisher');
SELECT corm_load('publishers', "where" => 'id = 2');
SELECT corm_load('books', "where" => 'id = 2');
-- naming it with another strategy, or noload, wins over the registration
SELECT corm_load('books', 'publisher:noload', "where" => 'id = 2');

-- statements run, per strategy (corm_explain): 1,200 authors with 1,500
-- books in batches of 500.  Under test/cassert.sh (debug_discard_caches:
-- every statement is planned afresh) the data is a hundredth, in batches of
-- 5: the same statements; rows are printed scaled back (times shrink).
SELECT CASE WHEN current_setting('debug_discard_caches')::int > 0 THEN 100 ELSE 1 END AS shrink \gset
SELECT set_config('corm.batch_size', (500 / :shrink)::text, false) AS batch_size \gset
CREATE TABLE many_authors (id int PRIMARY KEY, name text);
CREATE TABLE many_books (id int PRIMARY KEY, author_id int REFERENCES many_authors, title text);
CREATE TABLE many_reviews (id int PRIMARY KEY, book_id int REFERENCES many_books, stars int);
INSERT INTO many_authors SELECT g, 'author ' || g FROM generate_series(1, 1200 / :shrink) g;
INSERT INTO many_books SELECT g, (g - 1) % (1200 / :shrink) + 1, 'book ' || g FROM generate_series(1, 1500 / :shrink) g;
INSERT INTO many_reviews SELECT g, (g - 1) % (1500 / :shrink) + 1, g % 5 FROM generate_series(1, 1700 / :shrink) g;
SELECT corm_relationship('many_authors', 'books', 'many_books');
SELECT corm_relationship('many_books', 'reviews', 'many_reviews');
\pset tuples_only off
SELECT strategy, relationship, count(*) AS statements, sum(rows) * :shrink AS rows
FROM corm_explain('many_authors', 'books:selectin.reviews:selectin')
GROUP BY 1, 2 ORDER BY min(step);
SELECT strategy, relationship, count(*) AS statements, sum(rows) * :shrink AS rows
FROM corm_explain('many_authors', 'books:subquery.reviews:subquery')
GROUP BY 1, 2 ORDER BY min(step);
SELECT strategy, relationship, count(*) AS statements, sum(rows) * :shrink AS rows
FROM corm_explain('many_authors', 'books:joined.reviews:joined')
GROUP BY 1, 2 ORDER BY min(step);
SELECT strategy, relationship, count(*) AS statements, sum(rows) AS rows
FROM corm_explain('many_authors', 'books:select', "limit" => 3)
GROUP BY 1, 2 ORDER BY min(step);
SELECT md5(same_for_all_strategies('many_authors', 'books:{s}.reviews:{s}')::text)
     = md5(corm_load('many_authors', 'books.reviews')::text) AS same;
SELECT json_array_length(corm_load('many_authors', 'books.reviews')) * :shrink AS authors;
-- corm.batch_size: smaller batches, more statements, the same JSON
SELECT md5(corm_load('many_authors', 'books:selectin.reviews:selectin')::text) AS batched_500 \gset
SELECT set_config('corm.batch_size', (:batch_size * 2 / 5)::text, false) AS smaller \gset
SELECT strategy, relationship, count(*) AS statements
FROM corm_explain('many_authors', 'books:selectin.reviews:selectin')
GROUP BY 1, 2 ORDER BY min(step);
SELECT md5(corm_load('many_authors', 'books:selectin.reviews:selectin')::text) = :'batched_500' AS same;
SET corm.batch_size = 0;
RESET corm.batch_size;
-- the statements themselves, for a small load
SELECT step, relationship, strategy, rows, statement
FROM corm_explain('authors', 'books:selectin.reviews:subquery, books.publisher:joined, books.tags:select',
                  "where" => 'id < 3');
\pset tuples_only on

-- every column rendered exactly as to_json(row) renders it
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE pair AS (a int, b text);
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TABLE typed (
    id serial PRIMARY KEY, i2 int2, i8 int8, f4 float4, f8 float8, n numeric, b bool,
    t text, vc varchar(5), c char(3), d date, ts timestamp, tstz timestamptz, tm time,
    iv interval, by bytea, u uuid, j json, jb jsonb, ia int[], ta text[], p pair, m mood,
    dom posint, ir int4range, ip inet, "we""ird col" text
);
INSERT INTO typed (i2, i8, f4, f8, n, b, t, vc, c, d, ts, tstz, tm, iv, by, u, j, jb, ia, ta, p, m,
                   dom, ir, ip, "we""ird col") VALUES
  (1, 9223372036854775807, 1.5, 'NaN', 'NaN', true, E'quote " back \\ tab \t nl \n é ☃', 'abc', 'x',
   'infinity', '2026-01-02 03:04:05.678', '2026-01-02 03:04:05+02', '12:34', '1 day 2 hours',
   '\xdeadbeef', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"z": 1, "a": [1, 2]}', '{"z": 1, "a": [1, 2]}',
   '{1,2,NULL}', '{"a b",NULL,"c\"d"}', '(1,"x y")', 'happy', 7, '[1,5)', '10.0.0.1/8', 'w'),
  (-1, NULL, '-Infinity', 1e300, 12345678901234567890.000100, false, '', NULL, NULL, '1999-12-31',
   '-infinity', NULL, NULL, NULL, NULL, NULL, 'null', 'null', '{}', '{}', NULL, NULL, NULL, 'empty',
   NULL, NULL),
  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
SELECT (SELECT json_agg(x ORDER BY x.id)::text FROM typed x) IS NOT NULL AS have_rows;
SELECT count(*) AS differing
FROM json_array_elements(corm_load('typed')) WITH ORDINALITY AS c(obj, i)
JOIN (SELECT row_number() OVER (ORDER BY id) AS i, to_json(x)::text AS expected FROM typed x) e USING (i)
WHERE c.obj::text IS DISTINCT FROM e.expected;
SELECT corm_load('typed', "where" => 'id = 1');
-- the fast paths (integers, text, varchar) over every character up to U+07D0 and integer extremes
CREATE TABLE chars (id int PRIMARY KEY, t text, v varchar, i2 int2, i8 int8);
INSERT INTO chars
SELECT g, chr(g) || E'a"\\b' || repeat('é', g % 3), chr(g), (g - 100)::int2,
       (g * 123456789012)::int8 * (CASE WHEN g % 2 = 0 THEN -1 ELSE 1 END)
FROM generate_series(1, 2000) g;
INSERT INTO chars VALUES (2001, '', '', -32768, -9223372036854775808), (2002, NULL, NULL, 32767, 9223372036854775807);
SELECT count(*) AS differing
FROM json_array_elements(corm_load('chars')) WITH ORDINALITY AS c(obj, i)
JOIN (SELECT row_number() OVER (ORDER BY id) AS i, to_json(x)::text AS expected FROM chars x) e USING (i)
WHERE c.obj::text IS DISTINCT FROM e.expected;

-- errors: with the position in the spec, and a hint
SELECT corm_load('authors', 'books.nope');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', 'bookz');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', 'books:selectin, books:joined');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', 'books:eager');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', 'books..reviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', 'books*');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('students', 'enrolled_courses.students');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', 'books:noload.reviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('authors', 'secret_books', 'books', lazy => 'raise');
SELECT corm_load('authors', 'secret_books');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', 'secret_books:selectin', "where" => 'id = 2');
-- a scalar relationship that finds two rows
CREATE TABLE heads (id int PRIMARY KEY);
CREATE TABLE hats (id int PRIMARY KEY, head_id int REFERENCES heads);
INSERT INTO heads VALUES (1), (2);
INSERT INTO hats VALUES (1, 1), (2, 1), (3, 2);
SELECT corm_relationship('heads', 'hat', 'hats', uselist => false);
SELECT corm_load('heads', 'hat', "where" => 'id = 2');
SELECT corm_load('heads', 'hat');
\echo :LAST_ERROR_SQLSTATE
-- tables without a primary key cannot be loaded
CREATE TABLE loose (a int);
SELECT corm_load('loose');
\echo :LAST_ERROR_SQLSTATE

-- where and order_by are one expression / one sort list, nothing else
SELECT corm_load('authors', "where" => 'id = 1) OR (true');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', "where" => 'true UNION SELECT 1');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', "where" => 'true; DROP TABLE authors');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', "where" => 'true LIMIT 1');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', "where" => 'true ORDER BY 1');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', "where" => 'id = ');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', "where" => 'nope = 1');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', order_by => 'name; SELECT 1');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', order_by => 'name LIMIT 1');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', order_by => 'name FOR UPDATE');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('authors', "limit" => -1);
\echo :LAST_ERROR_SQLSTATE
-- comments in a fragment end with it
SELECT corm_load('authors', "where" => 'id = 3 -- the last one', order_by => 'name -- by name');

-- composite keys: corm_get with a JSON object
CREATE TABLE orders (region text, order_no int, placed date, PRIMARY KEY (region, order_no));
CREATE TABLE order_lines (region text, order_no int, line_no int, sku text,
                          PRIMARY KEY (region, order_no, line_no),
                          FOREIGN KEY (region, order_no) REFERENCES orders);
INSERT INTO orders VALUES ('eu', 5, '2026-01-01'), ('us', 5, '2026-02-01');
INSERT INTO order_lines VALUES ('eu', 5, 1, 'a'), ('eu', 5, 2, 'b'), ('us', 5, 1, 'c');
SELECT corm_relationship('orders', 'lines', 'order_lines', backref => 'order', order_by => 'line_no DESC');
SELECT same_for_all_strategies('orders', 'lines:{s}.order:{s}');
SELECT corm_get('orders', '{"region": "eu", "order_no": 5}'::jsonb, 'lines');
SELECT corm_get('orders', '{"region": "xx", "order_no": 5}'::jsonb) IS NULL AS missing;
SELECT corm_get('orders', '{"region": "eu"}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_get('orders', '{"region": "eu", "order_nr": 5}'::jsonb);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_get('orders', '[1, 2]'::jsonb);
\echo :LAST_ERROR_SQLSTATE

-- caches follow the catalog and DDL
SELECT corm_load('heads', 'hat', "where" => 'id = 2');
ALTER TABLE hats RENAME COLUMN head_id TO skull_id;
ALTER TABLE hats ADD COLUMN color text DEFAULT 'red';
SELECT corm_load('heads', 'hat', "where" => 'id = 2');
SELECT corm_drop_relationship('heads', 'hat');
SELECT corm_load('heads', 'hat', "where" => 'id = 2');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('heads', 'hats', 'hats');
SELECT corm_load('heads', 'hats', "where" => 'id = 1');

-- the caller's privileges and row-level security apply at every level
CREATE ROLE corm_reader;
GRANT USAGE ON SCHEMA load_test TO corm_reader;
GRANT SELECT ON authors, books, publishers TO corm_reader;
ALTER TABLE books ENABLE ROW LEVEL SECURITY;
CREATE POLICY cheap_books ON books TO corm_reader USING (price < 12);
SET ROLE corm_reader;
SELECT same_for_all_strategies('authors', 'books:{s}');
SELECT corm_load('authors', 'books.reviews');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT corm_load('authors', 'books', "where" => 'id = 1');
DROP POLICY cheap_books ON books;
ALTER TABLE books DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON authors, books, publishers FROM corm_reader;
REVOKE ALL ON SCHEMA load_test FROM corm_reader;
DROP ROLE corm_reader;

-- joins without a foreign key, between different but compatible types
CREATE TABLE wide (id bigint PRIMARY KEY, code varchar(10) UNIQUE);
CREATE TABLE narrow (id int PRIMARY KEY, wide_id int, code text);
INSERT INTO wide VALUES (1, 'a'), (5000000000, 'b');
INSERT INTO narrow VALUES (1, 1, 'b'), (2, 1, 'a'), (3, NULL, 'a'), (4, 7, NULL);
SELECT corm_relationship('wide', 'narrows', 'narrow', local_columns => '{id}', remote_columns => '{wide_id}',
                         backref => 'wide');
SELECT corm_relationship('wide', 'by_code', 'narrow', local_columns => '{code}', remote_columns => '{code}',
                         backref => 'wide_by_code');
SELECT same_for_all_strategies('wide', 'narrows:{s}.wide:{s}, by_code:{s}.wide_by_code:{s}');
SELECT same_for_all_strategies('narrow', 'wide:{s}, wide_by_code:{s}');
