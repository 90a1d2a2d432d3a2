-- corm_typescript(root, load): TypeScript declarations of what corm_load
-- returns.  Each case shows the declarations and, for reading them side by
-- side, the JSON corm_load returns for the same root and spec
-- (test/t/typescript compiles the two together with tsc --strict).
\set VERBOSITY terse
CREATE SCHEMA ts_test;
SET search_path = ts_test, public;
SET lc_monetary = 'C';  -- money renders the same on every machine
\i test/sample/schema.sql
\o /dev/null
\i test/sample/relationships.sql
\o
\i test/sample/data.sql
\pset format unaligned
\pset tuples_only on

--
-- 1. Column types as to_json renders them; | null unless NOT NULL.
--
CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s "fine"');
CREATE TYPE no_labels AS ENUM ();
CREATE TYPE pair_inner AS (x bool);
CREATE TYPE pair AS (a int, b text[], "odd key" mood, n pair_inner);
CREATE TYPE with_cast AS ENUM ('x');
CREATE FUNCTION with_cast_json(with_cast) RETURNS json LANGUAGE sql IMMUTABLE
    AS $$SELECT json_build_object('v', $1::text)$$;
CREATE CAST (with_cast AS json) WITH FUNCTION with_cast_json(with_cast);
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN labels AS text[];
CREATE DOMAIN grid AS int[][];
CREATE DOMAIN pair_d AS pair;
CREATE DOMAIN mood_d AS mood;
CREATE TABLE types (
    id     int PRIMARY KEY,
    i2 int2, i4 int4 NOT NULL, i8 int8, f4 float4, f8 float8, n numeric(6,2),
    b bool, t text NOT NULL, c char(2), vc varchar(9), nm name, ch "char",
    d date, ts timestamp, tstz timestamptz, tm time, tmtz timetz, iv interval,
    u uuid, by bytea, ip inet, cidr cidr, mac macaddr, m money, o oid, rc regclass,
    bits bit varying, r int4range, pt point, x xml, lsn pg_lsn, tsv tsvector, i2v int2vector,
    j json, jb jsonb NOT NULL, ja jsonb[],
    ia int[], ia2 int[][], ia3 int[][][], ta text[] NOT NULL,
    md mood NOT NULL, mds mood[], nl no_labels, wc with_cast,
    pr pair, prs pair[],
    pi posint NOT NULL, lb labels, g grid, pd pair_d, mdd mood_d
);
INSERT INTO types VALUES
  (1, 1, 2, 3, 1.5, 2.5, 3.25, true, 'text', 'ab', 'vc', 'nm', 'c',
   '2024-02-29', '2024-02-29 12:00', '2024-02-29 12:00+00', '12:00', '12:00+02', '1 day',
   'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'ab', '10.0.0.1', '10.0.0.0/8', '08:00:2b:01:02:03',
   1.5, 7, 'pg_class', B'101', '[1,3)', '(1,2)', '<a/>', '0/1', 'a b', '1 2',
   '{"k": 1}', '[1]', ARRAY['{}'::jsonb, NULL],
   '{1,NULL}', '{{1,2},{3,4}}', '{{{1}}}', '{a,NULL}',
   'ok', '{sad,NULL}', NULL, 'x',
   ROW(1, '{b}', 'sad', ROW(true)), ARRAY[ROW(2, NULL, NULL, NULL)::pair, NULL],
   5, '{l}', '{{1},{2}}', ROW(3, NULL, 'ok', NULL), 'sad');
SELECT corm_typescript('types');
SELECT corm_load('types');

--
-- 2. Relationships: nested collections, many-to-one and one-to-one
--    (| null), many-to-many; names are the parent's name and the key.
--
SELECT corm_typescript('authors', 'books.(reviews,tags,publisher)');
SELECT corm_typescript('users', 'profile');
SELECT corm_load('users', 'profile');
-- a string literal is the text spec; a jsonb value the jsonb spec; the same types
SELECT corm_typescript('books', 'tags,author') =
       corm_typescript('books', '{"author": true, "tags": true}'::jsonb);
-- no spec: the columns only
SELECT corm_typescript('tags');
SELECT corm_typescript('tags', NULL::jsonb) = corm_typescript('tags');

--
-- 3. Options: columns / exclude, aliases, limit, count (number, 0 when
--    none), sum / avg / min / max (the aggregate's result type, | null),
--    noload ([] or null).
--
SELECT corm_typescript('authors', $${
    "books": {"columns": ["title", "price"], "limit": 1, "order_by": "price",
              "load": {"reviews": {"exclude": ["body", "book_id"]},
                       "publisher": {"strategy": "noload"},
                       "tags": {"strategy": "noload"}}},
    "n_books": {"relationship": "books", "count": true},
    "total": {"relationship": "books", "sum": "price"},
    "latest": {"relationship": "books", "max": "published"},
    "first_title": {"relationship": "books", "min": "title"}
}$$::jsonb);
SELECT corm_load('authors', $${
    "books": {"columns": ["title", "price"], "limit": 1, "order_by": "price",
              "load": {"reviews": {"exclude": ["body", "book_id"]},
                       "publisher": {"strategy": "noload"},
                       "tags": {"strategy": "noload"}}},
    "n_books": {"relationship": "books", "count": true},
    "total": {"relationship": "books", "sum": "price"},
    "latest": {"relationship": "books", "max": "published"},
    "first_title": {"relationship": "books", "min": "title"}
}$$::jsonb, "limit" => 3);
-- the same in the text spec
SELECT corm_typescript('books', 'n=reviews(count),avg=reviews(avg=rating),s=reviews(sum=rating),hi=reviews(max=rating)');
-- aggregates over the other types: sum of int8 is numeric, of interval and
-- money a string; avg of float4 a float8; min / max keep the column's type
CREATE TABLE measures (id int PRIMARY KEY, types_id int REFERENCES types,
                       big int8, span interval, cash money, f float4, md mood, wc with_cast);
SELECT corm_relationship('types', 'measures', 'measures');
SELECT corm_typescript('types', '{
    "s_big": {"relationship": "measures", "sum": "big"},
    "s_span": {"relationship": "measures", "sum": "span"},
    "s_cash": {"relationship": "measures", "sum": "cash"},
    "a_f": {"relationship": "measures", "avg": "f"},
    "a_span": {"relationship": "measures", "avg": "span"},
    "min_md": {"relationship": "measures", "min": "md"},
    "max_wc": {"relationship": "measures", "max": "wc"},
    "measures": {"columns": []}
}'::jsonb);
INSERT INTO measures VALUES (1, 1, 10, '1 hour', 2, 0.5, 'ok', 'x'), (2, 1, NULL, '1 day', 3, 1.5, 'sad', NULL);
SELECT corm_load('types', '{
    "s_big": {"relationship": "measures", "sum": "big"},
    "s_span": {"relationship": "measures", "sum": "span"},
    "s_cash": {"relationship": "measures", "sum": "cash"},
    "a_f": {"relationship": "measures", "avg": "f"},
    "a_span": {"relationship": "measures", "avg": "span"},
    "min_md": {"relationship": "measures", "min": "md"},
    "max_wc": {"relationship": "measures", "max": "wc"},
    "measures": {"columns": []}
}'::jsonb);

--
-- 4. Association proxies: a column's values, a relationship's objects,
--    noload.
--
SELECT corm_typescript('students', 'enrolled_courses,grades,courses');
SELECT corm_load('students', 'enrolled_courses,grades,courses');
SELECT corm_typescript('students', 'grades:noload');
-- a proxy over a scalar relationship: one value or null
SELECT corm_association_proxy('books', 'publisher_name', 'publisher', 'name');
SELECT corm_association_proxy('reviews', 'author', 'book', 'author');
SELECT corm_typescript('reviews', 'b=book(columns=[id]),author');
SELECT corm_typescript('books', 'publisher_name');
SELECT corm_load('books', 'publisher_name', "limit" => 4);

--
-- 5. Recursion: one interface that refers to itself; its own key optional
--    (absent at the depth asked for); under '*' every key is optional (an
--    object met again on its branch closes the cycle).
--
SELECT corm_typescript('categories', 'children*,parent');
SELECT corm_typescript('categories', 'children*2');
SELECT corm_load('categories', 'children*2', "where" => 'parent_id IS NULL');
SELECT corm_typescript('users', 'following*.profile');
SELECT corm_load('users', 'following*.profile', "limit" => 1);
-- eager defaults appear without being named, down to join_depth
CREATE TABLE nodes (id int PRIMARY KEY, up int REFERENCES nodes);
SELECT corm_relationship('nodes', 'kids', 'nodes', lazy => 'selectin', join_depth => 2,
                         backref => 'above');
SELECT corm_typescript('nodes');

--
-- 6. Names: sanitized table names, quoted keys, deduplication.
--
CREATE TABLE "odd Items-1" (id int PRIMARY KEY, "x-y" text, "quote""d" int, "123" int,
                            "café" text, "$ok_1" int, class text);
CREATE TABLE "2fa" (id int PRIMARY KEY, item_id int REFERENCES "odd Items-1");
CREATE TABLE "日本" (id int PRIMARY KEY);
SELECT corm_relationship('"2fa"', 'item', '"odd Items-1"', backref => 'fas');
SELECT corm_typescript('"odd Items-1"', '{"fas": true, "fas_top_1": {"relationship": "fas", "limit": 1}}'::jsonb);
SELECT corm_typescript('"2fa"', 'item');
SELECT corm_typescript('"日本"');
-- a key whose name is taken (here by the result type) gets a suffix
CREATE TABLE a (id int PRIMARY KEY);
CREATE TABLE a_load (id int PRIMARY KEY, a_id int REFERENCES a);
SELECT corm_relationship('a', 'load', 'a_load');
SELECT corm_relationship('a', 'a_load', 'a_load');
SELECT corm_typescript('a', 'load,a_load,al=a_load(columns=[id])');

--
-- 7. Errors: those of corm_load, from the same planner.
--
\set VERBOSITY default
SELECT corm_typescript(NULL);
SELECT corm_typescript('authors', 'nope');
SELECT corm_typescript('authors', 'books.nope');
SELECT corm_typescript('authors', 'books(');
SELECT corm_typescript('authors', '{"books": {"limit": "x"}}'::jsonb);
SELECT corm_typescript('authors', '{"books": {"columns": ["nope"]}}'::jsonb);
SELECT corm_typescript('authors', 'books*');
SELECT corm_typescript('students', 'grades.x');
CREATE TABLE no_pk (id int);
SELECT corm_typescript('no_pk');
SELECT corm_relationship('authors', 'guarded', 'books', lazy => 'raise');
SELECT corm_typescript('authors', 'guarded');
SELECT corm_typescript('authors', 'guarded:selectin') IS NOT NULL;
\set VERBOSITY terse

-- clean up
SET client_min_messages = warning;
DROP SCHEMA ts_test CASCADE;
SELECT count(*) FROM corm.relationships WHERE parent::text LIKE 'ts_test.%';
