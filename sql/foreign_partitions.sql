-- Partitioned tables with foreign partitions (docs/scaling.md): the declared
-- key (corm_primary_key), what is refused, and the cascade triggers, which
-- work a row at a time there.  The foreign-data wrapper has no handler, so
-- nothing here may read a foreign partition: every statement touches local
-- partitions only (the foreign ones are pruned by the shard key, region).
-- test/t/shards loads and cascades through real postgres_fdw shards.
\set VERBOSITY default
CREATE SCHEMA fp_test;
SET search_path = fp_test, public;
CREATE FOREIGN DATA WRAPPER fp_wrapper;
CREATE SERVER fp_shard FOREIGN DATA WRAPPER fp_wrapper;

-- authors and books by region: 'eu' here, 'us' on a shard.  books_eu has its
-- columns in another order: rows reach the triggers as rows of books.
CREATE TABLE authors (region text NOT NULL, id int NOT NULL, name text NOT NULL)
    PARTITION BY LIST (region);
CREATE TABLE authors_eu PARTITION OF authors FOR VALUES IN ('eu');
CREATE FOREIGN TABLE authors_us PARTITION OF authors FOR VALUES IN ('us') SERVER fp_shard;
CREATE TABLE books (region text NOT NULL, id int NOT NULL, author_id int, title text)
    PARTITION BY LIST (region);
CREATE TABLE books_eu (title text, id int NOT NULL, author_id int, region text NOT NULL);
ALTER TABLE books ATTACH PARTITION books_eu FOR VALUES IN ('eu');
CREATE FOREIGN TABLE books_us PARTITION OF books FOR VALUES IN ('us') SERVER fp_shard;
CREATE FOREIGN TABLE remote_notes (id int) SERVER fp_shard;
CREATE TABLE plain (id int, note text);
CREATE TABLE keyed (id int PRIMARY KEY);
CREATE TABLE fans (id int PRIMARY KEY, author_region text, author_id int);

-- PostgreSQL allows such a table no unique index, so no primary key
ALTER TABLE authors ADD PRIMARY KEY (region, id);

-- refused: foreign tables themselves, a partition or not
SELECT corm_relationship('authors_us', 'books', 'books',
                         local_columns => '{region,id}', remote_columns => '{region,author_id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('plain', 'notes', 'remote_notes',
                         local_columns => '{id}', remote_columns => '{id}', direction => 'one_to_many');
\echo :LAST_ERROR_SQLSTATE

-- loading needs a key
SELECT corm_relationship('authors', 'books', 'books',
                         local_columns => '{region,id}', remote_columns => '{region,author_id}',
                         direction => 'one_to_many', cascade => 'all', backref => 'author');
SELECT corm_load('authors', 'books');
\echo :LAST_ERROR_SQLSTATE
-- delete-orphan needs one too
SELECT corm_relationship('authors', 'kept_books', 'books',
                         local_columns => '{region,id}', remote_columns => '{region,author_id}',
                         direction => 'one_to_many', cascade => 'all, delete-orphan');
\echo :LAST_ERROR_SQLSTATE

-- corm_primary_key: only where no primary key can be, on NOT NULL columns
SELECT corm_primary_key('plain', '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_primary_key('keyed', '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_primary_key('authors_us', '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_primary_key('books', '{region,author_id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_primary_key('books', '{region,nope}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_primary_key('books', '{id,id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_primary_key('books', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_primary_key(NULL, '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM corm.primary_key;

SELECT corm_primary_key('authors', '{region,id}');
SELECT corm_primary_key('books', '{id}');
SELECT corm_primary_key('books', '{region,id}');     -- declared again: replaced
SELECT * FROM corm.primary_key ORDER BY relid::text;
SELECT corm_relationship('authors', 'kept_books', 'books',
                         local_columns => '{region,id}', remote_columns => '{region,author_id}',
                         direction => 'one_to_many', cascade => 'all, delete-orphan');

-- the triggers: plain row triggers, cloned onto every partition, foreign ones
-- included (PostgreSQL collects no transition tables from foreign partitions)
SELECT t.tgrelid::regclass AS tbl, t.tgname, t.tgtype, t.tgoldtable, t.tgnewtable,
       t.tgparentid <> 0 AS clone
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname LIKE 'Corm%' AND c.relnamespace = 'fp_test'::regnamespace
ORDER BY 1::text, 2;

-- cascades, with the shard's partitions pruned by region
INSERT INTO authors VALUES ('eu', 1, 'Calvino'), ('eu', 2, 'Eco'), ('eu', 3, 'Ende');
INSERT INTO books VALUES ('eu', 1, 1, 'Invisible Cities'), ('eu', 2, 1, 'Baron in the Trees'),
                         ('eu', 3, 2, 'The Name of the Rose'), ('eu', 4, 3, 'Momo'),
                         ('eu', 5, 3, 'The Neverending Story');
-- (select: one statement per author, "WHERE region = $1 AND author_id = $2")
SELECT corm_load('authors', 'books:select', "where" => 'region = ''eu''');
-- delete: the author's books go, one statement per deleted row
DELETE FROM authors WHERE region = 'eu' AND id = 1;
SELECT region, id, author_id, title FROM books WHERE region = 'eu' ORDER BY id;
-- delete-orphan: a book whose author_id becomes NULL goes
UPDATE books SET author_id = NULL WHERE region = 'eu' AND id = 3;
SELECT region, id, author_id, title FROM books WHERE region = 'eu' ORDER BY id;
-- moving a book to another author is not orphaning
UPDATE books SET author_id = 2 WHERE region = 'eu' AND id = 4;
SELECT region, id, author_id, title FROM books WHERE region = 'eu' ORDER BY id;
-- nullify (no delete in the cascade): the children's keys become NULL
SELECT corm_relationship('authors', 'fans', 'fans',
                         local_columns => '{region,id}', remote_columns => '{author_region,author_id}',
                         direction => 'one_to_many');
INSERT INTO fans VALUES (1, 'eu', 3), (2, 'eu', 2), (3, 'eu', 3);
DELETE FROM authors WHERE region = 'eu' AND id = 3;
SELECT * FROM fans ORDER BY id;
SELECT region, id, author_id, title FROM books WHERE region = 'eu' ORDER BY id;

-- the statements are deparse.c's, under a hostile search_path too
CREATE FUNCTION fp_test.hostile_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS
$$BEGIN RAISE EXCEPTION 'hostile = called'; END$$;
CREATE OPERATOR fp_test.= (FUNCTION = fp_test.hostile_eq, LEFTARG = int, RIGHTARG = int);
SET search_path = fp_test, pg_catalog, public;
DELETE FROM authors WHERE region OPERATOR(pg_catalog.=) 'eu' AND id OPERATOR(pg_catalog.=) 2;
SET search_path = fp_test, public;
DROP OPERATOR fp_test.= (int, int);
DROP FUNCTION fp_test.hostile_eq(int, int);
SELECT region, id, author_id, title FROM books WHERE region = 'eu' ORDER BY id;
SELECT * FROM fans ORDER BY id;

-- detaching the last foreign partition makes the table take transition
-- tables again; attaching one, or creating one, makes it row triggers
SELECT corm_relationship('books', 'sequels', 'books', local_columns => '{region,id}',
                         remote_columns => '{region,author_id}', direction => 'one_to_many');
ALTER TABLE books DETACH PARTITION books_us;
SELECT t.tgrelid::regclass AS tbl, t.tgname, t.tgtype, t.tgoldtable
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname LIKE 'Corm%' AND c.relnamespace = 'fp_test'::regnamespace AND c.relname LIKE 'books%'
ORDER BY 1::text, 2;
ALTER TABLE books ATTACH PARTITION books_us FOR VALUES IN ('us');
SELECT t.tgrelid::regclass AS tbl, t.tgname, t.tgtype, t.tgoldtable
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname LIKE 'Corm%' AND c.relnamespace = 'fp_test'::regnamespace AND c.relname LIKE 'books%'
ORDER BY 1::text, 2;
DROP FOREIGN TABLE books_us;
ALTER TABLE books DETACH PARTITION books_eu;
CREATE TABLE books_eu_again PARTITION OF books FOR VALUES IN ('eu');
SELECT t.tgrelid::regclass AS tbl, t.tgname, t.tgtype, t.tgoldtable
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname LIKE 'Corm%' AND c.relnamespace = 'fp_test'::regnamespace AND c.relname LIKE 'books%'
ORDER BY 1::text, 2;
CREATE FOREIGN TABLE books_us PARTITION OF books FOR VALUES IN ('us') SERVER fp_shard;
SELECT t.tgrelid::regclass AS tbl, t.tgname, t.tgtype, t.tgoldtable
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname LIKE 'Corm%' AND c.relnamespace = 'fp_test'::regnamespace AND c.relname LIKE 'books%'
ORDER BY 1::text, 2;

-- DROP EXTENSION removes the triggers, the clones with them
BEGIN;
DROP EXTENSION corm;
SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'Corm%';
ROLLBACK;

-- a declared key's column cannot be dropped without CASCADE; its table can
ALTER TABLE books DROP COLUMN id;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE books DROP COLUMN id CASCADE;
SELECT * FROM corm.primary_key ORDER BY relid::text;
SELECT corm_primary_key('authors', NULL);             -- removed
SELECT * FROM corm.primary_key ORDER BY relid::text;
SELECT corm_primary_key('authors', '{region,id}');
DROP TABLE authors CASCADE;
SELECT * FROM corm.primary_key ORDER BY relid::text;

RESET search_path;
DROP SCHEMA fp_test CASCADE;
DROP SERVER fp_shard CASCADE;
DROP FOREIGN DATA WRAPPER fp_wrapper;
