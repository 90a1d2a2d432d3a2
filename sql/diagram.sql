-- corm_diagram: the registered relationships as Mermaid or DOT.
-- In a database of its own, so that the catalog holds exactly what is
-- registered here (test/t/diagram feeds the same schemas to the real parsers).
\set VERBOSITY terse
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS corm_diagram_regress;
RESET client_min_messages;
CREATE DATABASE corm_diagram_regress TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';
\c corm_diagram_regress
\set VERBOSITY terse
CREATE EXTENSION corm;
-- diagrams as they are, one line per line
\pset format unaligned
\pset tuples_only on

--
-- 1. An empty catalog is an empty, valid diagram.
--
SELECT corm_diagram();
SELECT corm_diagram('dot');
-- the default is mermaid, the format's case does not matter
SELECT corm_diagram() = corm_diagram('mermaid') AS same, corm_diagram('DOT') = corm_diagram('dot') AS same;

--
-- 2. The sample schema: one-to-many pairs, a nullable many-to-one, two
--    many-to-many through their secondaries (one self-referential), a
--    one-to-one, an association object with two proxies, a self-referential
--    tree.
--
CREATE SCHEMA dg_sample;
SET search_path = dg_sample, public;
\set ECHO none
\o /dev/null
\i test/sample/schema.sql
\i test/sample/relationships.sql
\o
\set ECHO all
SELECT corm_diagram();
SELECT corm_diagram('dot');
-- the same catalog, the same text
SELECT corm_diagram('dot') = corm_diagram('dot') AS stable;

-- a relationship without a mirror, and a back_populates registered on one side
SELECT corm_relationship('reviews', 'publisher_books', 'books', local_columns => '{book_id}',
                         remote_columns => '{id}', direction => 'many_to_one');
CREATE TABLE notes (id int PRIMARY KEY, book_id int NOT NULL REFERENCES books);
SELECT corm_relationship('notes', 'book', 'books', back_populates => 'notes_list');
SELECT corm_relationship('books', 'notes_list', 'notes', back_populates => 'book');
SELECT line FROM regexp_split_to_table(corm_diagram(), E'\n') AS line
WHERE line ~ '(reviews|notes) ';
SELECT line FROM regexp_split_to_table(corm_diagram('dot'), E'\n') AS line
WHERE line ~ '^    "(reviews|books)" -> "(books|notes)"';
SELECT corm_drop_relationship('reviews', 'publisher_books');
SELECT corm_drop_relationship('notes', 'book');
SELECT corm_drop_relationship('books', 'notes_list');
DROP TABLE notes;
-- off the search_path, every name is qualified
RESET search_path;
SELECT line FROM regexp_split_to_table(corm_diagram(), E'\n') AS line
WHERE line ~ '^    \S+ (\{|\S+ \S+ :)' ORDER BY line;
SET client_min_messages = warning;
DROP SCHEMA dg_sample CASCADE;
RESET client_min_messages;

--
-- 3. Names: qualified when outside the search_path or shared by two tables,
--    quoted as regclass quotes them; escaped for each format; Mermaid aliases
--    for names that are not plain identifiers (or are its keywords), its
--    attribute tokens sanitized, the real name and type in the comment.
--
\set ECHO none
\o /dev/null
\i test/diagram/odd_names.sql
\o
\set ECHO all
SELECT corm_diagram();
SELECT corm_diagram('dot');
-- with dg_odd off the search_path, its tables are qualified
RESET search_path;
SELECT line FROM regexp_split_to_table(corm_diagram(), E'\n') AS line
WHERE line ~ '^    t[0-9]+_*\[' ORDER BY line;
SET search_path = dg_odd, public;
-- Mermaid's keywords subgraph and end get an alias too; in its quoted strings,
-- a ':' before anything but a blank (Mermaid drops the last ';' of a line with
-- "style" and ':', non-blanks and '#') and the last letter of "direction"
-- before any blank, ASCII or not (a direction statement), are entities
CREATE TABLE subgraph (id int PRIMARY KEY, t1_id int REFERENCES t1, "style:#1;" text,
                       "a:b: c:" text, U&"direction\00A0LR" int, "Direction_x directions" int);
SELECT corm_relationship('subgraph', 't1', 't1');
SELECT replace(line, U&'\00A0', '<NBSP>') FROM regexp_split_to_table(corm_diagram(), E'\n') AS line
WHERE line ~* '(subgraph|style|a_b_|direction.*LR|directions)';
SELECT corm_drop_relationship('subgraph', 't1');
DROP TABLE subgraph;

--
-- 4. Privileges: the relationships and the table names are public (as in
--    corm.relationships); a table's columns are shown only as far as the
--    caller may read them.
--
CREATE ROLE corm_dg_alice;
GRANT SELECT (id, "UK") ON "x<y>" TO corm_dg_alice;
GRANT SELECT ON parts TO corm_dg_alice;
SET ROLE corm_dg_alice;
SELECT corm_diagram();
SELECT corm_diagram('dot');
RESET ROLE;

--
-- 5. Errors.
--
SELECT corm_diagram('svg');
SELECT corm_diagram('');
SELECT corm_diagram(NULL) IS NULL AS is_null;
\set VERBOSITY default
SELECT corm_diagram('mermaid ');
\set VERBOSITY terse
SELECT pg_get_function_arguments('corm_diagram'::regproc);

-- clean up
\c :regress_db
DROP DATABASE corm_diagram_regress;
DROP ROLE corm_dg_alice;
