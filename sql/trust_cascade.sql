-- Trust, cascades: what runs as a table's owner cannot be redirected by the
-- role that set it off (search_path, operators, policies), and the
-- bookkeeping cannot be fooled (inheritance, aborted subtransactions, deep
-- trees).
\set VERBOSITY default
CREATE SCHEMA trust_c;
SET search_path = trust_c, public;

-- Everything the hostile role's objects run is logged with the role that ran it.
CREATE TABLE trust_c.ran (who text, what text);
GRANT INSERT, SELECT ON trust_c.ran TO PUBLIC;
GRANT USAGE ON SCHEMA trust_c TO PUBLIC;

CREATE ROLE corm_mallory;
CREATE SCHEMA evil AUTHORIZATION corm_mallory;

-- The owner's tables: a chain with every kind of cascade, and an enum key.
CREATE TYPE trust_c.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE parents (id int PRIMARY KEY, mood trust_c.mood UNIQUE);
CREATE TABLE kids (id int PRIMARY KEY, parent_id int REFERENCES parents);
CREATE TABLE pets (id int PRIMARY KEY, parent_id int REFERENCES parents);
CREATE TABLE moods (id int PRIMARY KEY, mood trust_c.mood REFERENCES parents (mood));
CREATE TABLE toys (id int PRIMARY KEY);
CREATE TABLE parent_toys (parent_id int REFERENCES parents, toy_id int REFERENCES toys);
SELECT corm_relationship('parents', 'kids', 'kids', cascade => 'all, delete-orphan');
SELECT corm_relationship('parents', 'pets', 'pets');                   -- nullify
SELECT corm_relationship('parents', 'moods', 'moods', cascade => 'all'); -- enum key
SELECT corm_relationship('parents', 'toys', 'toys', secondary => 'parent_toys',
                         cascade => 'all, delete-orphan', single_parent => true);
GRANT SELECT, DELETE, UPDATE ON parents, kids, pets, moods, parent_toys TO corm_mallory;

-- mallory's operators: = for int and for the enum, logging who runs them
SET ROLE corm_mallory;
CREATE FUNCTION evil.int_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trust_c.ran VALUES (current_user, 'int =');
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR evil.= (leftarg = int, rightarg = int, function = evil.int_eq);
CREATE FUNCTION evil.mood_eq(trust_c.mood, trust_c.mood) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trust_c.ran VALUES (current_user, 'mood =');
    RETURN $1::text OPERATOR(pg_catalog.=) $2::text;
END $$;
CREATE OPERATOR evil.= (leftarg = trust_c.mood, rightarg = trust_c.mood, function = evil.mood_eq);
-- and functions shadowing what a careless statement would call
CREATE FUNCTION evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trust_c.ran VALUES (current_user, 'unnest');
    RETURN QUERY SELECT * FROM pg_catalog.unnest($1);
END $$;
RESET ROLE;

INSERT INTO parents VALUES (1, 'sad'), (2, 'ok'), (3, 'happy');
INSERT INTO kids VALUES (10, 1), (11, 1), (20, 2), (30, 3);
INSERT INTO pets VALUES (10, 1), (20, 2);
INSERT INTO moods VALUES (1, 'sad'), (2, 'ok');
INSERT INTO toys VALUES (1), (2), (3);
INSERT INTO parent_toys VALUES (1, 1), (2, 2), (3, 3);

-- the operators work where they are asked for
SET ROLE corm_mallory;
SET search_path = evil, pg_catalog, trust_c;
SELECT 1 = 1 AS mallory_sees_her_operator;
SELECT who, what FROM trust_c.ran;
RESET ROLE;
DELETE FROM trust_c.ran;

-- delete: cascade, nullify, enum key, many-to-many, with her search_path first ...
SET ROLE corm_mallory;
SET search_path = evil, pg_catalog, trust_c;
DELETE FROM parents WHERE id = 1;
-- ... and with pg_catalog first: an enum's exact-match operator would still win over anyenum
SET search_path = pg_catalog, evil, trust_c;
DELETE FROM parents WHERE id = 2;
-- delete-orphan through an UPDATE
SET search_path = evil, pg_catalog, trust_c;
UPDATE kids SET parent_id = NULL WHERE id = 30;
-- an association row removed: its toy is an orphan
DELETE FROM parent_toys WHERE parent_id = 3;
RESET ROLE;
SET search_path = trust_c, public;
-- nothing of hers ran as anyone but her (her own WHERE clauses used her =)
SELECT who, what FROM trust_c.ran WHERE who <> 'corm_mallory';
SELECT count(*) > 0 AS her_where_used_her_operator FROM trust_c.ran;
-- and the cascades did their work
SELECT * FROM parents ORDER BY id;
SELECT * FROM kids ORDER BY id;
SELECT * FROM pets ORDER BY id;
SELECT * FROM moods ORDER BY id;
SELECT * FROM toys ORDER BY id;
SELECT * FROM parent_toys ORDER BY 1, 2;

-- Registration and loads under her search_path: the statements corm runs as
-- the catalog's owner, and its own loader statements, use none of her objects.
CREATE TABLE hers (id int PRIMARY KEY, mood trust_c.mood);
CREATE TABLE her_items (id int PRIMARY KEY, hers_id int REFERENCES hers);
ALTER TABLE hers OWNER TO corm_mallory;
ALTER TABLE her_items OWNER TO corm_mallory;
INSERT INTO hers VALUES (1, 'ok'), (2, 'sad');
INSERT INTO her_items VALUES (1, 1), (2, 1), (3, 2);
SET ROLE corm_mallory;
SET search_path = evil, pg_catalog, public, trust_c;
SELECT corm_relationship('hers', 'items', 'her_items', backref => 'owner', lazy => 'selectin');
SELECT corm_load('hers', 'items');
SELECT corm_load('hers', 'items:joined');
SELECT corm_load('hers', 'items:subquery');
SELECT corm_load('her_items', 'owner:select');
SELECT corm_get('hers', 1, 'items');
SELECT corm_drop_relationship('hers', 'items');
RESET ROLE;
SET search_path = trust_c, public;
SELECT who, what FROM trust_c.ran WHERE who <> 'corm_mallory';

-- corm's event triggers run in the session of whoever runs the DDL: a
-- SECURITY DEFINER function of the owner's that drops a table, called with
-- her search_path, runs none of her operators either (here for text).
SET ROLE corm_mallory;
CREATE FUNCTION evil.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trust_c.ran VALUES (current_user, 'text =');
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR evil.= (leftarg = text, rightarg = text, function = evil.text_eq);
RESET ROLE;
CREATE TABLE scratch (id int PRIMARY KEY, note text);
CREATE FUNCTION trust_c.drop_scratch() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    DROP TABLE trust_c.scratch;
    ALTER TABLE trust_c.kids ADD COLUMN scratch_note text;
END $$;
GRANT EXECUTE ON FUNCTION trust_c.drop_scratch() TO corm_mallory;
SET ROLE corm_mallory;
SET search_path = evil, pg_catalog, public, trust_c;
SELECT trust_c.drop_scratch();
RESET ROLE;
SET search_path = trust_c, public;
SELECT who, what FROM trust_c.ran WHERE who <> 'corm_mallory';

-- The NOT NULL check reads the children as their owner: a policy that hides
-- them from the deleting role neither lets the DELETE through (leaving
-- dangling keys) nor turns it into "permission denied".
CREATE TABLE boxes (id int PRIMARY KEY);
CREATE TABLE marbles (id int PRIMARY KEY, box_id int NOT NULL);
SELECT corm_relationship('boxes', 'marbles', 'marbles', local_columns => '{id}',
                         remote_columns => '{box_id}');
INSERT INTO boxes VALUES (1), (2);
INSERT INTO marbles VALUES (1, 1), (2, 2);
ALTER TABLE marbles ENABLE ROW LEVEL SECURITY;
CREATE POLICY only_box_2 ON marbles USING (box_id = 2);
GRANT SELECT, DELETE ON boxes TO corm_mallory;
GRANT SELECT ON marbles TO corm_mallory;
SET ROLE corm_mallory;
SELECT * FROM marbles;          -- she sees only box 2's marble
DELETE FROM boxes WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE SELECT ON marbles FROM corm_mallory;
SET ROLE corm_mallory;
DELETE FROM boxes WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT * FROM boxes ORDER BY id;

-- Inheritance: refused at registration, and at delete time if it came later.
CREATE TABLE animals (id int PRIMARY KEY);
CREATE TABLE dogs () INHERITS (animals);
CREATE TABLE fleas (id int PRIMARY KEY, animal_id int);
SELECT corm_relationship('animals', 'fleas', 'fleas', local_columns => '{id}',
                         remote_columns => '{animal_id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('fleas', 'dog', 'dogs', local_columns => '{animal_id}',
                         remote_columns => '{id}');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE cats (id int PRIMARY KEY);
CREATE TABLE whiskers (id int PRIMARY KEY, cat_id int REFERENCES cats);
SELECT corm_relationship('cats', 'whiskers', 'whiskers', cascade => 'all');
INSERT INTO cats VALUES (1), (2);
INSERT INTO whiskers VALUES (1, 1), (2, 2);
CREATE TABLE kittens () INHERITS (cats);
INSERT INTO kittens VALUES (3);
DELETE FROM cats WHERE id = 1;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE kittens;
DELETE FROM cats WHERE id = 1;
SELECT * FROM whiskers ORDER BY id;

-- An aborted subtransaction elsewhere (an EXCEPTION block in another row
-- trigger) does not make corm redo the statement's cascade for every row:
-- the children's statement trigger fires once per cascade statement.
CREATE TABLE crates (id int PRIMARY KEY);
CREATE TABLE bottles (id int PRIMARY KEY, crate_id int REFERENCES crates);
SELECT corm_relationship('crates', 'bottles', 'bottles', cascade => 'all');
CREATE TABLE statements (n int);
INSERT INTO statements VALUES (0);
CREATE FUNCTION count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE trust_c.statements SET n = n + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER bottles_statement AFTER DELETE ON bottles
    FOR EACH STATEMENT EXECUTE FUNCTION count_statement();
CREATE FUNCTION fail_and_catch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        PERFORM 1 / 0;
    EXCEPTION WHEN division_by_zero THEN
        NULL;
    END;
    RETURN NULL;
END $$;
CREATE TRIGGER crates_catch AFTER DELETE ON crates
    FOR EACH ROW EXECUTE FUNCTION fail_and_catch();
INSERT INTO crates SELECT g FROM generate_series(1, 2000) g;
INSERT INTO bottles SELECT g, g FROM generate_series(1, 2000) g;
DELETE FROM crates WHERE id <= 1000;
SELECT n AS bottle_statements FROM statements;
SELECT count(*) AS bottles_left FROM bottles;
-- a statement that fails part-way leaves nothing behind for the next one
BEGIN;
SAVEPOINT s;
CREATE FUNCTION fail_on_1500() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.id = 1500 THEN RAISE EXCEPTION 'crate 1500'; END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER crates_fail AFTER DELETE ON crates
    FOR EACH ROW EXECUTE FUNCTION fail_on_1500();
DELETE FROM crates WHERE id > 1000;
ROLLBACK TO s;
DELETE FROM crates WHERE id > 1000 AND id <= 1200;
SELECT count(*) AS bottles_left FROM bottles;
COMMIT;

-- A tree 5,000 levels deep: its root's delete cascades to the leaf, as
-- PostgreSQL's own ON DELETE CASCADE does, without exhausting the stack.
CREATE TABLE nodes (id int PRIMARY KEY, parent_id int REFERENCES nodes);
SELECT corm_relationship('nodes', 'children', 'nodes', cascade => 'all', backref => 'parent');
-- (test/cassert.sh, where each level's statement is planned afresh, sets
-- corm_test.tree_depth lower)
INSERT INTO nodes SELECT g, NULLIF(g - 1, 0)
FROM generate_series(1, coalesce(nullif(current_setting('corm_test.tree_depth', true), '')::int,
                                 5000)) g;
DELETE FROM nodes WHERE id = 1;
SELECT count(*) AS nodes_left FROM nodes;

RESET search_path;
DROP SCHEMA trust_c CASCADE;
DROP SCHEMA evil CASCADE;
DROP ROLE corm_mallory;
