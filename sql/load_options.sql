-- Version 1.1: the jsonb load spec with per-relationship options (where,
-- order_by, limit/offset, columns/exclude, count/sum/avg/min/max, inner,
-- aliases, recurse, nested load) for corm_load / corm_get / corm_explain:
-- exact graphs, the same JSON under every strategy, top-N computed per
-- parent in SQL, privileges, and every kind of bad input.
\set VERBOSITY default
CREATE SCHEMA options_test;
SET search_path = options_test, public;
\i test/sample/schema.sql
\i test/sample/relationships.sql
\i test/sample/data.sql
-- more reviews, so that top-N per book has something to cut
INSERT INTO reviews (book_id, rating, body) VALUES
    (1, 2, 'Slow start.'), (1, 5, 'Again!'), (3, 1, NULL), (3, 4, 'Cities of signs'),
    (4, 3, 'Clever'), (4, 5, 'A novel about novels');
\pset format unaligned
\pset tuples_only on

-- same_json(root, spec with "{s}" for strategies, ...): every strategy, and
-- two mixes (each "{s}" the next of a rotation), give byte-identical JSON;
-- returns it.
CREATE FUNCTION same_json(root regclass, spec text, w text DEFAULT NULL, o text DEFAULT NULL,
                          l bigint DEFAULT NULL, f bigint DEFAULT NULL)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    s text;
    first json;
    cur json;
    parts text[] := string_to_array(spec, '{s}');
    mixed text;
    rotation text[];
BEGIN
    FOREACH s IN ARRAY ARRAY['select', 'joined', 'subquery', 'selectin', 'mix1', 'mix2'] LOOP
        IF s LIKE 'mix%' THEN
            rotation := CASE s WHEN 'mix1' THEN ARRAY['joined', 'selectin', 'subquery', 'select']
                               ELSE ARRAY['subquery', 'joined', 'select', 'selectin'] END;
            mixed := parts[1];
            FOR i IN 2 .. coalesce(array_length(parts, 1), 1) LOOP
                mixed := mixed || rotation[1 + (i % 4)] || parts[i];
            END LOOP;
        ELSE
            mixed := replace(spec, '{s}', s);
        END IF;
        cur := corm_load(root, mixed::jsonb, w, o, l, f);
        IF first IS NULL THEN
            first := cur;
        ELSIF first::text IS DISTINCT FROM cur::text THEN
            RAISE EXCEPTION 'strategy % differs for %(%): % <> %', s, root, mixed, cur, first;
        END IF;
    END LOOP;
    RETURN first;
END;
$$;

-- true means what the text spec means
SELECT corm_load('authors', '{"books": true}'::jsonb)::text = corm_load('authors', 'books')::text AS same_as_text;
SELECT corm_load('authors', '{"books": {"load": {"reviews": true, "tags": true}}}'::jsonb)::text
     = corm_load('authors', 'books.reviews, books.tags')::text AS nested_same_as_text;
SELECT corm_load('authors', '{}'::jsonb)::text = corm_load('authors')::text AS empty_is_none;
SELECT corm_load('authors', NULL::jsonb)::text = corm_load('authors')::text AS null_is_none;

-- the text spec has the same options in its own syntax (README): both forms
-- load the same JSON
CREATE FUNCTION same_forms(root regclass, text_spec text, jsonb_spec jsonb, w text DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    a text := corm_load(root, text_spec, w)::text;
    b text := corm_load(root, jsonb_spec, w)::text;
BEGIN
    IF a IS DISTINCT FROM b THEN
        RAISE EXCEPTION 'text spec % and jsonb spec % differ: % <> %', text_spec, jsonb_spec, a, b;
    END IF;
    RETURN true;
END;
$$;
SELECT same_forms('authors', $$books(where='price > 10', columns=[title, price])$$,
                  '{"books": {"where": "price > 10", "columns": ["title", "price"]}}');
SELECT same_forms('books', $$reviews:joined(order_by='rating DESC', limit=2, offset=1, exclude=[body])$$,
                  '{"reviews": {"strategy": "joined", "order_by": "rating DESC", "limit": 2, "offset": 1, "exclude": ["body"]}}');
SELECT same_forms('books', $$n=reviews(count), a=reviews:subquery(avg=rating), hi=reviews(max=rating, where='body IS NOT NULL'), tags(inner, where='name <> ''fantasy''')$$,
                  '{"n": {"relationship": "reviews", "count": true}, "a": {"relationship": "reviews", "strategy": "subquery", "avg": "rating"},
                    "hi": {"relationship": "reviews", "max": "rating", "where": "body IS NOT NULL"},
                    "tags": {"inner": true, "where": "name <> ''fantasy''"}}');
SELECT same_forms('authors', $$books:selectin(order_by='published DESC', limit=1).(reviews(limit=1, columns=[rating]), n_tags=tags(count), publisher:joined)$$,
                  '{"books": {"strategy": "selectin", "order_by": "published DESC", "limit": 1,
                     "load": {"reviews": {"limit": 1, "columns": ["rating"]}, "n_tags": {"relationship": "tags", "count": true},
                              "publisher": {"strategy": "joined"}}}}');
SELECT same_forms('categories', $$children*2(columns=[name], limit=1)$$,
                  '{"children": {"recurse": 2, "columns": ["name"], "limit": 1}}', 'parent_id IS NULL');
SELECT same_forms('categories', $$n=children*1(count)$$, '{"n": {"relationship": "children", "recurse": 1, "count": true}}');
SELECT same_forms('students', $$classes=enrolled_courses, courses(inner, where='title = ''Topology'''), enrollments(inner)$$,
                  '{"classes": {"relationship": "enrolled_courses"}, "courses": {"inner": true, "where": "title = ''Topology''"}, "enrollments": {"inner": true}}');

-- where on a collection: only matching related rows (SQLAlchemy's relationship.and_())
SELECT same_json('authors', '{"books": {"strategy": "{s}", "where": "price > 10", "columns": ["title", "price"]}}');
-- order_by replaces the registered order; the primary key breaks ties
SELECT same_json('books', '{"reviews": {"strategy": "{s}", "order_by": "rating DESC", "columns": ["id", "rating"]}}');
-- top-N per parent: each book's 2 best reviews, then the next one (offset)
SELECT same_json('books', '{"reviews": {"strategy": "{s}", "order_by": "rating DESC", "limit": 2, "columns": ["id", "rating"]}}');
SELECT same_json('books', '{"reviews": {"strategy": "{s}", "order_by": "rating DESC", "limit": 1, "offset": 2, "columns": ["id", "rating"]}}');
SELECT same_json('books', '{"reviews": {"strategy": "{s}", "limit": 0}}');
-- many-to-many, filtered and cut per book
SELECT same_json('books', '{"tags": {"strategy": "{s}", "where": "name <> ''fantasy''", "order_by": "name DESC", "limit": 1}}', o => 'id');
-- many-to-one with a where: null when the parent's target does not match
SELECT same_json('books', '{"publisher": {"strategy": "{s}", "where": "name = ''Penguin''"}}');
-- nested: authors -> their newest book -> its best review, with the tags
SELECT same_json('authors', '{"books": {"strategy": "{s}", "order_by": "published DESC", "limit": 1,
    "load": {"reviews": {"strategy": "{s}", "order_by": "rating DESC, id", "limit": 1, "exclude": ["book_id"]},
             "tags": {"strategy": "{s}"}}}}');

-- columns / exclude: in table order, whatever order they are given in
SELECT same_json('authors', '{"books": {"strategy": "{s}", "columns": ["published", "title"]}}', l => 1);
SELECT same_json('authors', '{"books": {"strategy": "{s}", "exclude": ["author_id", "publisher_id", "price"]}}', l => 1);
SELECT same_json('authors', '{"books": {"strategy": "{s}", "columns": []}}', l => 1);
-- join keys are fetched whatever is shown: the nested load still works
SELECT same_json('authors', '{"books": {"strategy": "{s}", "columns": ["title"], "load": {"reviews": {"strategy": "{s}", "columns": ["rating"]}, "publisher": {"strategy": "{s}", "columns": ["name"]}}}}', l => 2);

-- counts and aggregates: computed in SQL, 0 / null when nothing matches
SELECT same_json('books', '{"n_reviews": {"relationship": "reviews", "strategy": "{s}", "count": true},
    "n_good": {"relationship": "reviews", "strategy": "{s}", "count": true, "where": "rating >= 4"},
    "avg_rating": {"relationship": "reviews", "strategy": "{s}", "avg": "rating"},
    "best": {"relationship": "reviews", "strategy": "{s}", "max": "rating"},
    "worst": {"relationship": "reviews", "strategy": "{s}", "min": "rating"},
    "total": {"relationship": "reviews", "strategy": "{s}", "sum": "rating", "where": "body IS NOT NULL"},
    "n_tags": {"relationship": "tags", "strategy": "{s}", "count": true},
    "first_tag": {"relationship": "tags", "strategy": "{s}", "min": "name"},
    "has_publisher": {"relationship": "publisher", "strategy": "{s}", "count": true}}', l => 4);
-- an alias and the relationship itself side by side, with different options
SELECT same_json('authors', '{"books": {"strategy": "{s}", "columns": ["id"]},
    "cheap_books": {"relationship": "books", "strategy": "{s}", "where": "price < 10", "columns": ["title"]},
    "n_books": {"relationship": "books", "strategy": "{s}", "count": true}}');

-- inner: parents without a matching related row are left out, at their own
-- level; the root's limit and offset apply after it
SELECT same_json('authors', '{"books": {"strategy": "{s}", "inner": true, "where": "price > 11", "columns": ["title", "price"]}}');
SELECT same_json('authors', '{"books": {"strategy": "{s}", "inner": true, "columns": ["title"]}}', l => 1, f => 1);
SELECT same_json('books', '{"reviews": {"strategy": "{s}", "inner": true, "where": "rating = 1", "columns": ["rating"]}}');
-- nested inner: authors with a book that has a 1-star review; the book list
-- holds only such books, each with only those reviews
SELECT same_json('authors', '{"books": {"strategy": "{s}", "inner": true, "columns": ["title"],
    "load": {"reviews": {"strategy": "{s}", "inner": true, "where": "rating = 1", "columns": ["rating"]}}}}');
-- inner on a many-to-one and on a many-to-many
SELECT same_json('books', '{"publisher": {"strategy": "{s}", "inner": true, "where": "name = ''Faber''"}}');
SELECT same_json('books', '{"tags": {"strategy": "{s}", "inner": true, "where": "name = ''literary''", "columns": ["name"]}}');
-- inner with count: authors with at least one book, and how many
SELECT same_json('authors', '{"n": {"relationship": "books", "strategy": "{s}", "inner": true, "count": true}}', w => 'born IS NOT NULL OR true');

-- a self-reference: recurse with a filter at every level, top-N children
SELECT same_json('categories', '{"children": {"strategy": "{s}", "recurse": true, "where": "name <> ''Poetry''", "columns": ["name"]}}', w => 'parent_id IS NULL');
SELECT same_json('categories', '{"children": {"strategy": "{s}", "recurse": 2, "limit": 1, "columns": ["name"]}}', w => 'parent_id IS NULL');
SELECT corm_load('categories', '{"children": {"recurse": 1}}'::jsonb, 'id = 2')::text
     = corm_load('categories', 'children', 'id = 2')::text AS recurse_1_is_one_level;
-- students: many-to-many, association object, proxies by alias
SELECT same_json('students', '{"courses": {"strategy": "{s}", "where": "title <> ''Compilers''"},
    "classes": {"relationship": "enrolled_courses", "strategy": "{s}"},
    "n_enrollments": {"relationship": "enrollments", "strategy": "{s}", "count": true},
    "top_grade": {"relationship": "enrollments", "strategy": "{s}", "max": "grade"}}');

-- corm_get and corm_explain take the same spec
SELECT corm_get('authors', 2, '{"books": {"limit": 1, "columns": ["title"]}}'::jsonb);
SELECT corm_get('authors', 99, '{"books": true}'::jsonb) IS NULL AS missing_is_null;
\pset tuples_only off
-- top-N: one statement per batch of parent keys, each key's rows cut in SQL
SELECT step, relationship, strategy, rows,
       statement LIKE '%CROSS JOIN LATERAL%LIMIT 2)%' AS per_parent_limit
FROM corm_explain('books', '{"reviews": {"strategy": "selectin", "order_by": "rating DESC", "limit": 2}}'::jsonb);
SELECT step, relationship, strategy, rows,
       statement LIKE '%LEFT JOIN LATERAL%LIMIT 2) a1 ON TRUE%' AS lateral_join
FROM corm_explain('books', '{"reviews": {"strategy": "joined", "order_by": "rating DESC", "limit": 2}}'::jsonb);
-- a count is a grouped aggregate, never the rows
SELECT step, relationship, strategy, rows, statement LIKE '%pg_catalog.count(*)%' AS counts
FROM corm_explain('books', '{"n": {"relationship": "reviews", "count": true}}'::jsonb);
-- selectin: one GROUP BY over the batch's keys (= ANY); a where without a
-- limit is one scan for the batch too; a limit is per key (LATERAL), and
-- the count beside it is computed there (see below)
SELECT step, relationship, strategy, rows,
       statement LIKE '%OPERATOR(pg_catalog.=) ANY ($1) GROUP BY corm_t1.book_id%' AS grouped,
       statement LIKE '%OPERATOR(pg_catalog.=) ANY ($1)%' AS one_scan,
       statement LIKE '%LATERAL%' AS per_key
FROM corm_explain('books', '{"n": {"relationship": "reviews", "strategy": "selectin", "count": true},
    "good": {"relationship": "reviews", "strategy": "selectin", "where": "rating > 3"},
    "top": {"relationship": "reviews", "strategy": "selectin", "limit": 1}}'::jsonb);
-- inner is an EXISTS in the parent's own statement, before its LIMIT
SELECT step, relationship, strategy, rows
FROM corm_explain('authors', '{"books": {"inner": true, "where": "price > 11"}}'::jsonb, "limit" => 1);
\pset tuples_only on

-- aggregates beside a collection of the same relationship, where and
-- strategy are computed by that collection's statement (window aggregates
-- over the rows it reads): the same values as computed alone
CREATE FUNCTION fused_same(root regclass, spec text, keys text[]) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    s text;
    together jsonb;
    alone jsonb;
    k text;
    ok boolean := true;
BEGIN
    FOREACH s IN ARRAY ARRAY['select', 'joined', 'subquery', 'selectin'] LOOP
        together := corm_load(root, replace(spec, '{s}', s)::jsonb)::jsonb;
        FOREACH k IN ARRAY keys LOOP
            -- the aggregate key alone, with no collection beside it
            alone := corm_load(root, jsonb_build_object(k, (replace(spec, '{s}', s)::jsonb) -> k))::jsonb;
            IF (SELECT array_agg(o -> k ORDER BY i) FROM jsonb_array_elements(together) WITH ORDINALITY AS t(o, i))
               IS DISTINCT FROM
               (SELECT array_agg(o -> k ORDER BY i) FROM jsonb_array_elements(alone) WITH ORDINALITY AS t(o, i)) THEN
                RAISE EXCEPTION 'fused % differs under %: % <> %', k, s, together, alone;
            END IF;
        END LOOP;
    END LOOP;
    RETURN ok;
END;
$$;
SELECT same_json('books', '{"reviews": {"strategy": "{s}", "order_by": "rating DESC", "limit": 2, "columns": ["rating"]},
    "n": {"relationship": "reviews", "strategy": "{s}", "count": true}, "a": {"relationship": "reviews", "strategy": "{s}", "avg": "rating"},
    "hi": {"relationship": "reviews", "strategy": "{s}", "max": "body"}}');
SELECT fused_same('books', '{"reviews": {"strategy": "{s}", "order_by": "rating DESC", "limit": 2},
    "n": {"relationship": "reviews", "strategy": "{s}", "count": true}, "a": {"relationship": "reviews", "strategy": "{s}", "avg": "rating"},
    "hi": {"relationship": "reviews", "strategy": "{s}", "max": "body"}, "s": {"relationship": "reviews", "strategy": "{s}", "sum": "rating"}}',
    ARRAY['n', 'a', 'hi', 's']);
SELECT fused_same('books', '{"reviews": {"strategy": "{s}", "where": "rating >= 4", "limit": 1},
    "n": {"relationship": "reviews", "strategy": "{s}", "count": true, "where": "rating >= 4"},
    "lo": {"relationship": "reviews", "strategy": "{s}", "min": "rating", "where": "rating >= 4"}}', ARRAY['n', 'lo']);
SELECT fused_same('books', '{"reviews": {"strategy": "{s}", "where": "rating >= 4"},
    "n": {"relationship": "reviews", "strategy": "{s}", "count": true, "where": "rating >= 4"}}', ARRAY['n']);
SELECT fused_same('books', '{"tags": {"strategy": "{s}", "order_by": "name DESC", "limit": 1},
    "n": {"relationship": "tags", "strategy": "{s}", "count": true}, "first": {"relationship": "tags", "strategy": "{s}", "min": "name"}}',
    ARRAY['n', 'first']);
SELECT same_json('authors', '{"books": {"strategy": "{s}", "columns": ["title"], "load": {
    "reviews": {"strategy": "{s}", "order_by": "id DESC", "limit": 3, "columns": ["id"]},
    "n_reviews": {"relationship": "reviews", "strategy": "{s}", "count": true},
    "avg_rating": {"relationship": "reviews", "strategy": "{s}", "avg": "rating"}}}}');
-- not fused, and still right: a limit of 0 or an offset (the collection's
-- rows are not all its parent's), another where, another strategy
SELECT fused_same('books', '{"reviews": {"strategy": "{s}", "limit": 0}, "n": {"relationship": "reviews", "strategy": "{s}", "count": true}}', ARRAY['n']);
SELECT fused_same('books', '{"reviews": {"strategy": "{s}", "offset": 2}, "n": {"relationship": "reviews", "strategy": "{s}", "count": true}}', ARRAY['n']);
SELECT fused_same('books', '{"reviews": {"strategy": "{s}", "limit": 1, "where": "rating > 4"}, "n": {"relationship": "reviews", "strategy": "{s}", "count": true}}', ARRAY['n']);
\pset tuples_only off
-- one statement for the top 3, the count and the average
SELECT step, relationship, strategy, rows,
       statement LIKE '%pg_catalog.avg(corm_t1.rating) OVER ()%pg_catalog.count(*) OVER ()%' AS windows
FROM corm_explain('books', '{"reviews": {"strategy": "selectin", "order_by": "id DESC", "limit": 3},
    "n": {"relationship": "reviews", "strategy": "selectin", "count": true},
    "a": {"relationship": "reviews", "strategy": "selectin", "avg": "rating"}}'::jsonb);
\pset tuples_only on

-- eager defaults still load below a shaped node, and beside it
CREATE TABLE notes (id serial PRIMARY KEY, book_id int REFERENCES books, body text);
INSERT INTO notes (book_id, body) VALUES (1, 'n1'), (1, 'n2'), (3, 'n3');
SELECT corm_relationship('books', 'notes', 'notes', lazy => 'selectin');
SELECT same_json('authors', '{"books": {"strategy": "{s}", "limit": 1, "columns": ["id"]}}');
SELECT same_json('books', '{"first_note": {"relationship": "notes", "strategy": "{s}", "limit": 1}}', l => 1);
SELECT corm_drop_relationship('books', 'notes');
DROP TABLE notes;

-- privileges: a column-level GRANT is enough when columns/exclude leave the
-- rest out (join keys and the columns of the order are read whatever is
-- shown); nested where runs as the caller, read-only; RLS at every level
CREATE ROLE options_reader;
GRANT USAGE ON SCHEMA options_test TO options_reader;
GRANT SELECT ON authors TO options_reader;
GRANT SELECT (id, title, author_id, published) ON books TO options_reader;
GRANT SELECT ON reviews TO options_reader;
ALTER TABLE reviews ENABLE ROW LEVEL SECURITY;
CREATE POLICY good_only ON reviews FOR SELECT TO options_reader USING (rating >= 4);
CREATE FUNCTION options_writes() RETURNS boolean LANGUAGE sql AS
    $$ INSERT INTO options_test.tags (name) VALUES ('written'); SELECT true $$;
GRANT EXECUTE ON FUNCTION options_writes() TO options_reader;
GRANT INSERT ON tags TO options_reader;
SET ROLE options_reader;
SELECT corm_load('authors', '{"books": {"columns": ["id", "title"]}}'::jsonb, "limit" => 1);
SELECT corm_load('authors', '{"books": {"exclude": ["publisher_id", "published", "price"], "load": {"n": {"relationship": "reviews", "count": true}}}}'::jsonb, "limit" => 2);
SELECT corm_load('authors', '{"books": {"strategy": "subquery", "columns": ["title"], "load": {"reviews": {"strategy": "subquery", "columns": ["rating"]}}}}'::jsonb, "limit" => 1);
SELECT corm_load('authors', '{"books": {"strategy": "joined", "columns": ["title"], "load": {"reviews": {"strategy": "subquery", "columns": ["rating"]}}}}'::jsonb, "limit" => 1);
SELECT corm_load('authors', '{"books": true}'::jsonb, "limit" => 1);
SELECT corm_load('authors', '{"books": {"columns": ["id", "price"]}}'::jsonb, "limit" => 1);
SELECT corm_load('authors', '{"books": {"columns": ["id"], "where": "price > 1"}}'::jsonb, "limit" => 1);
SELECT corm_load('authors', '{"books": {"columns": ["id"], "where": "options_test.options_writes()"}}'::jsonb, "limit" => 1);
RESET ROLE;
SELECT count(*) AS written FROM tags WHERE name = 'written';
ALTER TABLE reviews DISABLE ROW LEVEL SECURITY;
DROP POLICY good_only ON reviews;
REVOKE ALL ON authors, books, reviews, tags FROM options_reader;
REVOKE ALL ON SCHEMA options_test FROM options_reader;
DROP FUNCTION options_writes();
DROP ROLE options_reader;

-- a hostile search_path: operators and functions shadowing every one the
-- option statements use (=, row_number, count, sum, avg, min, max, to_json,
-- unnest, text) are never called; each would raise
CREATE SCHEMA options_evil;
CREATE FUNCTION options_evil.int_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'evil = called'; END $$;
CREATE OPERATOR options_evil.= (leftarg = int, rightarg = int, function = options_evil.int_eq);
CREATE FUNCTION options_evil.row_number() RETURNS bigint LANGUAGE plpgsql WINDOW AS
    $$ BEGIN RAISE EXCEPTION 'evil row_number called'; END $$;
CREATE FUNCTION options_evil.to_json(anyelement) RETURNS json LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'evil to_json called'; END $$;
CREATE FUNCTION options_evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'evil unnest called'; END $$;
CREATE FUNCTION options_evil.agg_step(bigint, int) RETURNS bigint LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'evil aggregate called'; END $$;
CREATE AGGREGATE options_evil.sum(int) (sfunc = options_evil.agg_step, stype = bigint);
CREATE AGGREGATE options_evil.avg(int) (sfunc = options_evil.agg_step, stype = bigint);
CREATE AGGREGATE options_evil.max(int) (sfunc = options_evil.agg_step, stype = bigint);
CREATE AGGREGATE options_evil.min(int) (sfunc = options_evil.agg_step, stype = bigint);
CREATE FUNCTION options_evil.count_step(bigint) RETURNS bigint LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'evil count called'; END $$;
CREATE AGGREGATE options_evil.count(*) (sfunc = options_evil.count_step, stype = bigint);
CREATE TYPE options_evil.text AS (x int);
SELECT corm_load('books', '{"reviews": {"strategy": "selectin", "order_by": "rating DESC", "limit": 2, "columns": ["rating"]},
    "n": {"relationship": "reviews", "count": true}, "a": {"relationship": "reviews", "avg": "rating"},
    "s": {"relationship": "reviews", "sum": "rating"}, "hi": {"relationship": "reviews", "max": "rating"},
    "lo": {"relationship": "reviews", "min": "rating"}, "tags": {"inner": true, "where": "name <> ''fantasy''", "columns": ["name"]}}'::jsonb)::text AS expected \gset
SET search_path = options_evil, pg_catalog, options_test, public;
SELECT s AS strategy, corm_load('books', pg_catalog.replace('{"reviews": {"strategy": "{s}", "order_by": "rating DESC", "limit": 2, "columns": ["rating"]},
    "n": {"relationship": "reviews", "strategy": "{s}", "count": true}, "a": {"relationship": "reviews", "strategy": "{s}", "avg": "rating"},
    "s": {"relationship": "reviews", "strategy": "{s}", "sum": "rating"}, "hi": {"relationship": "reviews", "strategy": "{s}", "max": "rating"},
    "lo": {"relationship": "reviews", "strategy": "{s}", "min": "rating"},
    "tags": {"strategy": "{s}", "inner": true, "where": "name <> ''fantasy''", "columns": ["name"]}}', '{s}', s)::pg_catalog.jsonb)::pg_catalog.text
    OPERATOR(pg_catalog.=) :'expected' AS same_under_hostile_search_path
FROM pg_catalog.unnest(ARRAY['select', 'joined', 'subquery', 'selectin']) s;
SET search_path = options_test, public;
DROP SCHEMA options_evil CASCADE;

-- bad input: a clean ERROR naming the path and the option, with a hint;
-- nothing runs before the whole spec is checked
\set ON_ERROR_STOP 0
SELECT corm_load('authors', '[1]'::jsonb);
SELECT corm_load('authors', '{"books": false}'::jsonb);
SELECT corm_load('authors', '{"books": 3}'::jsonb);
SELECT corm_load('authors', '{"bad key": true}'::jsonb);
SELECT corm_load('authors', '{"nope": true}'::jsonb);
SELECT corm_load('authors', '{"books": {"lmit": 3}}'::jsonb);
SELECT corm_load('authors', '{"books": {"limit": "3"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"limit": -1}}'::jsonb);
SELECT corm_load('authors', '{"books": {"limit": 1.5}}'::jsonb);
SELECT corm_load('authors', '{"books": {"offset": null}}'::jsonb);
SELECT corm_load('authors', '{"books": {"where": {"price": 1}}}'::jsonb);
SELECT corm_load('authors', '{"books": {"order_by": 1}}'::jsonb);
SELECT corm_load('authors', '{"books": {"strategy": "raise"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"strategy": true}}'::jsonb);
SELECT corm_load('authors', '{"books": {"recurse": "yes"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"recurse": 0}}'::jsonb);
SELECT corm_load('authors', '{"books": {"recurse": true}}'::jsonb);
SELECT corm_load('authors', '{"books": {"columns": "title"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"columns": [1]}}'::jsonb);
SELECT corm_load('authors', '{"books": {"columns": ["title", "isbn"]}}'::jsonb);
SELECT corm_load('authors', '{"books": {"columns": ["title"], "exclude": ["price"]}}'::jsonb);
SELECT corm_load('authors', '{"books": {"count": 1}}'::jsonb);
SELECT corm_load('authors', '{"books": {"count": true, "load": {"reviews": true}}}'::jsonb);
SELECT corm_load('authors', '{"books": {"count": true, "limit": 2}}'::jsonb);
SELECT corm_load('authors', '{"books": {"count": true, "columns": ["id"]}}'::jsonb);
SELECT corm_load('authors', '{"books": {"count": true, "sum": "price"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"sum": "title"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"avg": "nope"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"max": ["price"]}}'::jsonb);
SELECT corm_load('authors', '{"books": {"inner": "yes"}}'::jsonb);
SELECT corm_load('categories', '{"children": {"recurse": true, "inner": true}}'::jsonb);
SELECT corm_load('authors', '{"books": {"strategy": "noload", "limit": 1}}'::jsonb);
SELECT corm_load('authors', '{"books": {"load": [1]}}'::jsonb);
SELECT corm_load('authors', '{"books": {"load": {"reviews": {"limit": -5}}}}'::jsonb);
SELECT corm_load('authors', '{"books": {"load": {"reviewz": true}}}'::jsonb);
SELECT corm_load('authors', '{"name": {"relationship": "books"}}'::jsonb);
SELECT corm_load('books', '{"author": {"relationship": "reviews"}}'::jsonb);
SELECT corm_load('books', '{"r": {"relationship": 5}}'::jsonb);
SELECT corm_load('students', '{"grades": {"limit": 1}}'::jsonb);
SELECT corm_load('students', '{"g": {"relationship": "grades", "load": {"x": true}}}'::jsonb);
-- nested where / order_by: one expression / one sort list over the target's columns
SELECT corm_load('authors', '{"books": {"where": "price > 1) OR (true"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"where": "true; DELETE FROM books"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"where": "true UNION SELECT 1"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"where": "name = ''x''"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"where": "authors.id = 1"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"where": "books.price > 1"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"order_by": "price LIMIT 1"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"order_by": "price) x"}}'::jsonb);
SELECT corm_load('authors', '{"books": {"order_by": "nope DESC"}}'::jsonb);
-- a subquery scopes its own names (qualify them there)
SELECT corm_load('authors', '{"books": {"where": "author_id IN (SELECT a.id FROM options_test.authors a WHERE a.born < ''1925-01-01'')", "columns": ["title"]}}'::jsonb);
\set ON_ERROR_STOP 1
