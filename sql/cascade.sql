-- Cascades enforced by triggers, for plain SQL from any client.
\set VERBOSITY default
CREATE SCHEMA cascade_test;
SET search_path = cascade_test, public;
\i test/sample/schema.sql
\i test/sample/relationships.sql
\i test/sample/data.sql

-- registration installed corm's triggers where relationships need them
SELECT t.tgrelid::regclass AS tbl, t.tgname, t.tgtype
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE t.tgname LIKE 'Corm%' AND c.relnamespace = 'cascade_test'::regnamespace
ORDER BY t.tgrelid::regclass::text, t.tgname;

-- a delete cascades down a chain: author -> books -> reviews (all, delete-orphan)
DELETE FROM authors WHERE id = 1;
SELECT id, author_id FROM books ORDER BY id;
SELECT id, book_id FROM reviews ORDER BY id;
-- and the association rows of the deleted books went with them
SELECT * FROM book_tags ORDER BY 1, 2;

-- without delete in the cascade, children are de-associated (publishers.books)
DELETE FROM publishers WHERE id = 1;
SELECT id, publisher_id FROM books ORDER BY id;

-- ... a child that another relationship (authors.books) deletes is not nullified first,
-- whatever the order of their names (the NOT NULL ERROR is tested with branches below)
SELECT corm_relationship('authors', 'all_books', 'books');
BEGIN;
DELETE FROM authors WHERE id = 2;
ROLLBACK;
SELECT count(*) FROM authors;
SELECT corm_drop_relationship('authors', 'all_books');

-- a self-referential tree: a category's whole subtree
DELETE FROM categories WHERE id = 2;
SELECT id, parent_id, name FROM categories ORDER BY id;

-- many-to-many: deleting either side deletes its association rows
SELECT * FROM student_courses ORDER BY 1, 2;
-- (courses.enrollments, the backref, has no delete cascade: its NOT NULL key refuses)
DELETE FROM courses WHERE id = 2;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM enrollments WHERE course_id = 2;
DELETE FROM courses WHERE id = 2;
SELECT * FROM student_courses ORDER BY 1, 2;
DELETE FROM students WHERE id = 2;
SELECT * FROM student_courses ORDER BY 1, 2;
-- the association object followed students.enrollments (all, delete-orphan)
SELECT * FROM enrollments ORDER BY 1, 2;
-- self-referential many-to-many
SELECT * FROM follows ORDER BY 1, 2;
DELETE FROM users WHERE id = 2;
SELECT * FROM follows ORDER BY 1, 2;

-- delete-orphan: a child whose key goes from a value to NULL is deleted
CREATE TABLE boards (id int PRIMARY KEY, name text);
CREATE TABLE cards (id int PRIMARY KEY, board_id int REFERENCES boards ON DELETE SET NULL, title text);
SELECT corm_relationship('boards', 'cards', 'cards', cascade => 'save-update, merge, delete-orphan',
                         passive_deletes => 'true');
INSERT INTO boards VALUES (1, 'todo'), (2, 'done'), (3, 'later');
INSERT INTO cards VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 1, 'c'), (4, 2, 'd'), (5, NULL, 'never attached');
UPDATE cards SET board_id = NULL WHERE id = 1;            -- orphaned: deleted
UPDATE cards SET board_id = 2 WHERE id = 2;               -- moved: kept
UPDATE cards SET title = 'renamed' WHERE id = 5;          -- never attached: kept
SELECT * FROM cards ORDER BY id;
-- the database's own ON DELETE SET NULL orphans them too
DELETE FROM boards WHERE id = 2;
SELECT * FROM cards ORDER BY id;
-- one statement orphaning many, moving others
INSERT INTO cards VALUES (6, 1, 'e'), (7, 1, 'f'), (8, 3, 'g');
UPDATE cards SET board_id = CASE WHEN id IN (6, 3) THEN NULL ELSE 3 END WHERE board_id IS NOT NULL;
SELECT * FROM cards ORDER BY id;

-- passive_deletes 'true': the database's ON DELETE decides (here: its FK error)
CREATE TABLE shelves (id int PRIMARY KEY);
CREATE TABLE jars (id int PRIMARY KEY, shelf_id int REFERENCES shelves);
SELECT corm_relationship('shelves', 'jars', 'jars', passive_deletes => 'true');
INSERT INTO shelves VALUES (1);
INSERT INTO jars VALUES (1, 1);
DELETE FROM shelves WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM jars;
-- passive_deletes 'false' with ON DELETE CASCADE: corm deletes first, no error, no double work
CREATE TABLE crates (id int PRIMARY KEY);
CREATE TABLE apples (id int PRIMARY KEY, crate_id int NOT NULL REFERENCES crates ON DELETE CASCADE);
SELECT corm_relationship('crates', 'apples', 'apples', cascade => 'all');
INSERT INTO crates SELECT generate_series(1, 3);
INSERT INTO apples SELECT g, g % 3 + 1 FROM generate_series(1, 30) g;
DELETE FROM crates WHERE id < 3;
SELECT count(*) FROM apples;

-- many-to-many with delete cascade and with delete-orphan (single_parent)
CREATE TABLE decks (id int PRIMARY KEY);
CREATE TABLE slides (id int PRIMARY KEY);
CREATE TABLE deck_slides (deck_id int REFERENCES decks, slide_id int REFERENCES slides);
SELECT corm_relationship('decks', 'slides', 'slides', secondary => 'deck_slides',
                         cascade => 'all, delete-orphan', single_parent => true);
INSERT INTO decks VALUES (1), (2);
INSERT INTO slides VALUES (1), (2), (3), (4);
INSERT INTO deck_slides VALUES (1, 1), (1, 2), (2, 3), (2, 4);
DELETE FROM decks WHERE id = 1;
SELECT * FROM slides ORDER BY id;
DELETE FROM deck_slides WHERE slide_id = 3;       -- slide 3 orphaned
SELECT * FROM slides ORDER BY id;
SELECT * FROM deck_slides ORDER BY 1, 2;

-- many-to-one with delete-orphan (single_parent): the object a row stops referring to
CREATE TABLE addresses (id int PRIMARY KEY, street text);
CREATE TABLE people (id int PRIMARY KEY, address_id int REFERENCES addresses);
SELECT corm_relationship('people', 'address', 'addresses', cascade => 'all, delete-orphan',
                         single_parent => true);
INSERT INTO addresses VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd');
INSERT INTO people VALUES (1, 1), (2, 2), (3, 4), (4, 4);
UPDATE people SET address_id = NULL WHERE id = 1;  -- 1 orphaned
UPDATE people SET address_id = 3 WHERE id = 2;     -- 2 orphaned
UPDATE people SET address_id = 3 WHERE id = 3;     -- 4 still referred to by person 4: kept
DELETE FROM people WHERE id = 2;                   -- delete cascade on many-to-one: its address...
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM addresses ORDER BY id;
DELETE FROM people WHERE id = 4;                   -- ... which here nobody else refers to
SELECT * FROM addresses ORDER BY id;
SELECT * FROM people ORDER BY id;

-- cycles end: two relationships cascading deletes into each other
CREATE TABLE knights (id int PRIMARY KEY, horse_id int);
CREATE TABLE horses (id int PRIMARY KEY, knight_id int);
SELECT corm_relationship('knights', 'horse', 'horses', local_columns => '{horse_id}',
                         remote_columns => '{id}', cascade => 'all');
SELECT corm_relationship('horses', 'knight', 'knights', local_columns => '{knight_id}',
                         remote_columns => '{id}', cascade => 'all');
INSERT INTO knights VALUES (1, 10), (2, 20);
INSERT INTO horses VALUES (10, 1), (20, 2);
DELETE FROM knights WHERE id = 1;
SELECT * FROM knights;
SELECT * FROM horses;

-- an ERROR anywhere in a cascade rolls the whole statement back
CREATE TABLE trees (id int PRIMARY KEY);
CREATE TABLE branches (id int PRIMARY KEY, tree_id int NOT NULL);
CREATE TABLE leaves (id int PRIMARY KEY, branch_id int NOT NULL);
SELECT corm_relationship('trees', 'branches', 'branches', local_columns => '{id}',
                         remote_columns => '{tree_id}', cascade => 'all');
SELECT corm_relationship('branches', 'leaves', 'leaves', local_columns => '{id}',
                         remote_columns => '{branch_id}');      -- no delete: nullify, but NOT NULL
INSERT INTO trees VALUES (1);
INSERT INTO branches VALUES (1, 1), (2, 1);
INSERT INTO leaves VALUES (1, 2);
DELETE FROM trees;
\echo :LAST_ERROR_SQLSTATE
SELECT (SELECT count(*) FROM trees) AS trees, (SELECT count(*) FROM branches) AS branches,
       (SELECT count(*) FROM leaves) AS leaves;

-- bulk: one statement deleting 4,000 of 5,000 parents with 20,000 children
-- and 20,000 grandchildren.  Under test/cassert.sh (debug_discard_caches)
-- PostgreSQL's own foreign key checks, one per row, each planned afresh,
-- took over an hour for the inserts alone: there n is 50, the same paths
-- at a hundredth of the rows.
SELECT CASE WHEN current_setting('debug_discard_caches')::int > 0 THEN 50 ELSE 5000 END AS n \gset
CREATE TABLE bulk_a (id int PRIMARY KEY);
CREATE TABLE bulk_b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES bulk_a);
CREATE TABLE bulk_c (id int PRIMARY KEY, b_id int NOT NULL REFERENCES bulk_b);
CREATE INDEX ON bulk_b (a_id);
CREATE INDEX ON bulk_c (b_id);
SELECT corm_relationship('bulk_a', 'bs', 'bulk_b', cascade => 'all, delete-orphan');
SELECT corm_relationship('bulk_b', 'cs', 'bulk_c', cascade => 'all, delete-orphan');
INSERT INTO bulk_a SELECT generate_series(1, :n);
INSERT INTO bulk_b SELECT g, g % :n + 1 FROM generate_series(1, 5 * :n) g;
INSERT INTO bulk_c SELECT g, g % (5 * :n) + 1 FROM generate_series(1, 5 * :n) g;
DELETE FROM bulk_a WHERE id <= :n * 4 / 5;
-- a fifth of the parents left, five children each, one grandchild each
SELECT (SELECT count(*) FROM bulk_a) = :n / 5 AS a_left, (SELECT count(*) FROM bulk_b) = :n AS b_left,
       (SELECT count(*) FROM bulk_c) = :n AS c_left;

-- cascades run as the owner of the table they change, as PostgreSQL's own
-- referential actions do: a role may delete a parent whose children it cannot touch
CREATE ROLE corm_clerk;
GRANT USAGE ON SCHEMA cascade_test TO corm_clerk;
GRANT SELECT, DELETE ON bulk_a TO corm_clerk;
SET ROLE corm_clerk;
DELETE FROM bulk_a WHERE id = :n * 4 / 5 + 1;
DELETE FROM bulk_b;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT (SELECT count(*) FROM bulk_b WHERE a_id = :n * 4 / 5 + 1) AS b_left;
REVOKE ALL ON bulk_a FROM corm_clerk;
REVOKE ALL ON SCHEMA cascade_test FROM corm_clerk;
DROP ROLE corm_clerk;

-- a foreign key declared ON DELETE CASCADE already deletes the children:
-- corm leaves them to it, rather than deleting them first and letting the
-- foreign key search for each again.  The outcome is the same, many-to-many
-- association rows and grandchildren included; who deleted shows in the
-- search_path a row trigger sees (corm pins pg_catalog, pg_temp; the foreign
-- key's action keeps the session's)
CREATE TABLE fkc_a (id int PRIMARY KEY);
CREATE TABLE fkc_b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES fkc_a ON DELETE CASCADE);
CREATE TABLE fkc_c (id int PRIMARY KEY, b_id int NOT NULL REFERENCES fkc_b);
CREATE TABLE fkc_t (id int PRIMARY KEY);
CREATE TABLE fkc_bt (b_id int REFERENCES fkc_b ON DELETE CASCADE, t_id int REFERENCES fkc_t,
                     PRIMARY KEY (b_id, t_id));
SELECT corm_relationship('fkc_a', 'bs', 'fkc_b', cascade => 'all, delete-orphan');
SELECT corm_relationship('fkc_b', 'cs', 'fkc_c', cascade => 'all, delete-orphan');
SELECT corm_relationship('fkc_b', 'ts', 'fkc_t', secondary => 'fkc_bt', cascade => 'all, delete-orphan',
                         single_parent => true);
INSERT INTO fkc_a SELECT generate_series(1, 3);
INSERT INTO fkc_b SELECT g, g % 3 + 1 FROM generate_series(1, 9) g;
INSERT INTO fkc_c SELECT g, g % 9 + 1 FROM generate_series(1, 18) g;
INSERT INTO fkc_t SELECT generate_series(1, 9);
INSERT INTO fkc_bt SELECT g, g FROM generate_series(1, 9) g;
CREATE TABLE fkc_log (tbl text, by text);
CREATE FUNCTION fkc_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO cascade_test.fkc_log
  VALUES (TG_TABLE_NAME, CASE WHEN current_setting('search_path') = 'pg_catalog, pg_temp'
                              THEN 'corm' ELSE 'foreign key' END);
  RETURN OLD;
END$$;
CREATE TRIGGER fkc_log BEFORE DELETE ON fkc_b FOR EACH ROW EXECUTE FUNCTION fkc_log();
CREATE TRIGGER fkc_log BEFORE DELETE ON fkc_bt FOR EACH ROW EXECUTE FUNCTION fkc_log();
CREATE TRIGGER fkc_log BEFORE DELETE ON fkc_c FOR EACH ROW EXECUTE FUNCTION fkc_log();
DELETE FROM fkc_a WHERE id <= 2;
SELECT (SELECT count(*) FROM fkc_b) AS b, (SELECT count(*) FROM fkc_c) AS c,
       (SELECT count(*) FROM fkc_bt) AS bt, (SELECT count(*) FROM fkc_t) AS t;
SELECT tbl, by, count(*) FROM fkc_log GROUP BY tbl, by ORDER BY tbl, by;
-- a relationship that de-associates rows of the same table keeps corm's own
-- order (deletes first, then what is left is nullified), so a row the
-- foreign key would delete is not refused as NOT NULL first
CREATE TABLE fkn_p (id int PRIMARY KEY);
CREATE TABLE fkn_c (id int PRIMARY KEY, owner_id int NOT NULL REFERENCES fkn_p ON DELETE CASCADE,
                    editor_id int NOT NULL REFERENCES fkn_p);
SELECT corm_relationship('fkn_p', 'owned', 'fkn_c', local_columns => '{id}',
                         remote_columns => '{owner_id}', cascade => 'all');
SELECT corm_relationship('fkn_p', 'edited', 'fkn_c', local_columns => '{id}',
                         remote_columns => '{editor_id}');
INSERT INTO fkn_p VALUES (1), (2);
INSERT INTO fkn_c VALUES (1, 1, 1), (2, 2, 2), (3, 2, 1);
DELETE FROM fkn_p WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM fkn_c WHERE id = 3;
DELETE FROM fkn_p WHERE id = 1;
SELECT id FROM fkn_c ORDER BY id;

-- dropping a relationship removes the triggers nothing else needs
SELECT corm_drop_relationship('shelves', 'jars');
SELECT tgrelid::regclass AS tbl, tgname FROM pg_trigger
WHERE tgname LIKE 'Corm%' AND tgrelid IN ('shelves'::regclass, 'jars'::regclass);
SELECT corm_drop_relationship('boards', 'cards');
SELECT tgrelid::regclass AS tbl, tgname FROM pg_trigger
WHERE tgname LIKE 'Corm%' AND tgrelid IN ('boards'::regclass, 'cards'::regclass);
-- TRUNCATE is not intercepted (the database's foreign keys govern it)
SELECT count(*) AS b_before FROM bulk_b \gset
TRUNCATE bulk_c;
SELECT count(*) = :b_before AS b_untouched FROM bulk_b;
