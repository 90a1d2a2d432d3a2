-- corm_automap: a relationship pair for every foreign key of a schema.
\set VERBOSITY terse
-- the schema of a relationship's parent, whatever the search_path shows
CREATE FUNCTION public.am_nsp(regclass) RETURNS regnamespace LANGUAGE sql STABLE
    AS 'SELECT relnamespace FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) $1';

--
-- 1. The sample schema, automapped, against what test/sample/relationships.sql
--    registers by hand in another copy of it.
--
CREATE SCHEMA am_hand;
SET search_path = am_hand, public;
\i test/sample/schema.sql
\o /dev/null
\i test/sample/relationships.sql
\o
CREATE SCHEMA am_auto;
SET search_path = am_auto, public;
\i test/sample/schema.sql

-- dry_run reports and registers nothing
SELECT * FROM corm_automap('am_auto', dry_run => true);
SELECT count(*) FROM corm.relationships WHERE am_nsp(parent) = 'am_auto'::regnamespace;

SELECT * FROM corm_automap('am_auto');

-- every hand-registered relationship has an automapped one with the same
-- direction, columns and secondary (names aside: the hand-written ones are
-- profile, children / parent, following / followers)
WITH hand AS (
    SELECT r.*, c.relname AS p, t.relname AS tg, s.relname AS sec
    FROM corm.relationships r
    JOIN pg_class c ON c.oid = r.parent
    JOIN pg_class t ON t.oid = r.target
    LEFT JOIN pg_class s ON s.oid = r.secondary
    WHERE c.relnamespace = 'am_hand'::regnamespace),
auto AS (
    SELECT r.*, c.relname AS p, t.relname AS tg, s.relname AS sec
    FROM corm.relationships r
    JOIN pg_class c ON c.oid = r.parent
    JOIN pg_class t ON t.oid = r.target
    LEFT JOIN pg_class s ON s.oid = r.secondary
    WHERE c.relnamespace = 'am_auto'::regnamespace)
SELECT hand.p AS parent, hand.name AS by_hand, auto.name AS automapped, hand.direction,
       hand.local_columns, hand.remote_columns, hand.sec AS secondary
FROM hand LEFT JOIN auto
  ON auto.p = hand.p AND auto.tg = hand.tg AND auto.direction = hand.direction
 AND auto.local_columns = hand.local_columns AND auto.remote_columns = hand.remote_columns
 AND auto.sec IS NOT DISTINCT FROM hand.sec
 AND auto.secondary_local_columns IS NOT DISTINCT FROM hand.secondary_local_columns
 AND auto.secondary_remote_columns IS NOT DISTINCT FROM hand.secondary_remote_columns
ORDER BY 1, 2;
-- and nothing else: as many automapped as hand-registered, each pair back-populated
SELECT count(*) AS automapped, count(*) FILTER (WHERE back_populates IS NOT NULL) AS back_populated
FROM corm.relationships WHERE am_nsp(parent) = 'am_auto'::regnamespace;

-- the same graphs through the automapped names
\i test/sample/data.sql
SELECT corm_load('authors', 'books:selectin.reviews, books.publisher, books.tags', "limit" => 2);
SELECT corm_load('users', 'profiles, followed, follower');
SELECT corm_get('categories', 2, 'parent, categories_by_parent*');
SELECT corm_load('students', 'courses, enrollments.course');

-- running it again changes nothing
SELECT action, count(*) FROM corm_automap('am_auto') GROUP BY 1;

--
-- 2. The hard cases.
--
CREATE SCHEMA am_hard;
SET search_path = am_hard, public;
CREATE TABLE people (id int PRIMARY KEY, name text UNIQUE);
-- two foreign keys to one table
CREATE TABLE messages (id int PRIMARY KEY, sender_id int REFERENCES people,
                       recipient_id int REFERENCES people, body text);
-- circular foreign keys between two tables
CREATE TABLE teams (id int PRIMARY KEY, name text, captain_id int);
CREATE TABLE players (id int PRIMARY KEY, team_id int REFERENCES teams, person_id int UNIQUE REFERENCES people);
ALTER TABLE teams ADD FOREIGN KEY (captain_id) REFERENCES players;
-- a self-reference
CREATE TABLE employees (id int PRIMARY KEY, manager_id int REFERENCES employees, name text);
-- a composite foreign key, and a column that does not end in _id
CREATE TABLE warehouses (region text, no int, PRIMARY KEY (region, no));
CREATE TABLE shipments (id int PRIMARY KEY, region text, no int, sent_by text REFERENCES people (name),
                        FOREIGN KEY (region, no) REFERENCES warehouses);
-- a junction (many-to-many), and one with an extra column (an association object)
CREATE TABLE sponsors (id int PRIMARY KEY, name text);
CREATE TABLE team_sponsors (team_id int REFERENCES teams, sponsor_id int REFERENCES sponsors,
                            PRIMARY KEY (team_id, sponsor_id));
CREATE TABLE memberships (person_id int REFERENCES people, team_id int REFERENCES teams, role text,
                          PRIMARY KEY (person_id, team_id));
-- a partitioned table, referring and referred to
CREATE TABLE events (id int, at date, person_id int REFERENCES people, PRIMARY KEY (id, at))
    PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE event_notes (id int PRIMARY KEY, event_id int, event_at date, note text,
                          FOREIGN KEY (event_id, event_at) REFERENCES events);
-- a view, a foreign table, inheritance: skipped
CREATE VIEW people_v AS SELECT * FROM people;
CREATE FOREIGN DATA WRAPPER am_dummy;
CREATE SERVER am_server FOREIGN DATA WRAPPER am_dummy;
CREATE FOREIGN TABLE remote_people (id int) SERVER am_server;
CREATE TABLE vehicles (id int PRIMARY KEY, owner_id int REFERENCES people);
CREATE TABLE cars (doors int) INHERITS (vehicles);
-- a clash with a column: documents.owner is a column, so owner_id cannot be "owner"
CREATE TABLE documents (id int PRIMARY KEY, owner_id int REFERENCES people, owner text);
-- an existing relationship (one side of a pair, without back_populates), and
-- an association proxy whose name automap would give to another relationship
SELECT corm_relationship('people', 'memberships', 'memberships');
SELECT corm_association_proxy('people', 'events', 'memberships', 'role');

SELECT * FROM corm_automap('am_hard', true);
SELECT count(*) FROM corm.relationships WHERE am_nsp(parent) = 'am_hard'::regnamespace;
SELECT * FROM corm_automap('am_hard');
SELECT name, target, direction, local_columns, remote_columns, secondary, uselist, back_populates
FROM corm.relationships WHERE parent = 'people'::regclass ORDER BY name;
SELECT parent, name, direction, local_columns, remote_columns, uselist, back_populates
FROM corm.relationships
WHERE parent IN ('teams'::regclass, 'players'::regclass, 'employees'::regclass,
                 'shipments'::regclass, 'warehouses'::regclass, 'events'::regclass,
                 'event_notes'::regclass, 'documents'::regclass, 'memberships'::regclass)
ORDER BY parent::text, name;

-- running it twice changes nothing the second time
SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) AS before FROM corm.relationships r \gset
SELECT action, count(*) FROM corm_automap('am_hard') GROUP BY 1 ORDER BY 1;
SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) = :'before' AS unchanged FROM corm.relationships r;

-- a graph through the automapped names
INSERT INTO people VALUES (1, 'ann'), (2, 'bo');
INSERT INTO teams VALUES (1, 'reds', NULL);
INSERT INTO players VALUES (10, 1, 1), (11, 1, 2);
UPDATE teams SET captain_id = 10;
INSERT INTO sponsors VALUES (1, 'acme');
INSERT INTO team_sponsors VALUES (1, 1);
INSERT INTO memberships VALUES (1, 1, 'coach');
INSERT INTO messages VALUES (1, 1, 2, 'hi'), (2, 2, 1, 'hello'), (3, 1, 2, 'bye');
INSERT INTO employees VALUES (1, NULL, 'boss'), (2, 1, 'mid'), (3, 2, 'junior');
INSERT INTO warehouses VALUES ('eu', 1);
INSERT INTO shipments VALUES (1, 'eu', 1, 'ann');
INSERT INTO events VALUES (1, '2024-05-01', 1);
INSERT INTO event_notes VALUES (1, 1, '2024-05-01', 'note');
INSERT INTO documents VALUES (1, 1, 'ann');
SELECT corm_load('teams', 'captain.person, players, sponsors, memberships.person');
SELECT corm_get('people', 1, 'messages_by_sender, messages_by_recipient, players, shipments, documents');
SELECT corm_load('events', 'person, event_notes.events');
SELECT corm_load('employees', 'employees_by_manager*', "where" => 'manager_id IS NULL');
SELECT corm_load('shipments', 'warehouses.shipments, people');

--
-- 3. Ownership: tables the caller does not own are skipped, the rest mapped.
--
CREATE ROLE corm_am_bob;
CREATE SCHEMA am_priv AUTHORIZATION corm_am_bob;
CREATE TABLE am_priv.su_owned (id int PRIMARY KEY);
SET ROLE corm_am_bob;
CREATE TABLE am_priv.shelves (id int PRIMARY KEY);
CREATE TABLE am_priv.boxes (id int PRIMARY KEY, shelf_id int REFERENCES am_priv.shelves);
RESET ROLE;
CREATE TABLE am_priv.labels (id int PRIMARY KEY, box_id int REFERENCES am_priv.boxes,
                             su_owned_id int REFERENCES am_priv.su_owned);
SET ROLE corm_am_bob;
SELECT * FROM corm_automap('am_priv');
RESET ROLE;
SELECT parent, name FROM corm.relationships WHERE am_nsp(parent) = 'am_priv'::regnamespace ORDER BY parent::text, name;

--
-- 4. A hostile search_path: corm_automap reads the catalogs without SQL and
--    registers through corm_relationship's C code, so neither an operator
--    nor a function of the caller's search_path runs.
--
CREATE ROLE corm_am_mallory;
CREATE SCHEMA am_evil AUTHORIZATION corm_am_mallory;
CREATE TABLE public.am_ran (who text, what text);
GRANT INSERT ON public.am_ran TO PUBLIC;
SET ROLE corm_am_mallory;
CREATE FUNCTION am_evil.oid_eq(oid, oid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.am_ran VALUES (current_user, 'oid =');
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR am_evil.= (leftarg = oid, rightarg = oid, function = am_evil.oid_eq);
CREATE FUNCTION am_evil.int_eq(int, int) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.am_ran VALUES (current_user, 'int =');
    RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR am_evil.= (leftarg = int, rightarg = int, function = am_evil.int_eq);
CREATE FUNCTION am_evil.corm_relationship(parent regclass, name text, target regclass,
    back_populates text DEFAULT NULL, backref text DEFAULT NULL, secondary regclass DEFAULT NULL,
    foreign_key name DEFAULT NULL, secondary_foreign_key name DEFAULT NULL,
    local_columns text[] DEFAULT NULL, remote_columns text[] DEFAULT NULL,
    direction text DEFAULT NULL, uselist boolean DEFAULT NULL, lazy text DEFAULT 'select',
    "cascade" text DEFAULT 'save-update, merge', passive_deletes text DEFAULT 'false',
    single_parent boolean DEFAULT false, order_by text DEFAULT NULL, join_depth int DEFAULT NULL,
    secondary_local_columns text[] DEFAULT NULL, secondary_remote_columns text[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.am_ran VALUES (current_user, 'corm_relationship');
END $$;
CREATE FUNCTION am_evil.array_position(anycompatiblearray, anycompatible) RETURNS int
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.am_ran VALUES (current_user, 'array_position');
    RETURN 1;
END $$;
RESET ROLE;
CREATE SCHEMA am_trust;
CREATE TABLE am_trust.lists (id int PRIMARY KEY);
CREATE TABLE am_trust.items (id int PRIMARY KEY, list_id int REFERENCES am_trust.lists);
CREATE TABLE am_trust.item_lists (item_id int REFERENCES am_trust.items, list_id int REFERENCES am_trust.lists);
SET search_path = am_evil, am_trust, public;
SELECT * FROM corm_automap('am_trust');
RESET search_path;
SELECT * FROM public.am_ran;
SELECT parent, name, direction, secondary FROM corm.relationships
WHERE am_nsp(parent) = 'am_trust'::regnamespace ORDER BY parent::text, name;

--
-- 5. Errors: nothing is written.
--
SELECT * FROM corm_automap('am_nonexistent');
SELECT * FROM corm_automap(4294967295::oid::regnamespace);
SELECT * FROM corm_automap(NULL);
-- the defaults
SELECT pg_get_function_arguments('corm_automap'::regproc);
SELECT count(*) >= 0 AS ran FROM corm_automap(dry_run => true);

-- clean up
SET client_min_messages = warning;
DROP SCHEMA am_evil CASCADE;
DROP ROLE corm_am_mallory;
DROP TABLE public.am_ran;
DROP SCHEMA am_priv CASCADE;
DROP ROLE corm_am_bob;
DROP SCHEMA am_hand, am_auto, am_hard, am_trust CASCADE;
DROP SERVER am_server;
DROP FOREIGN DATA WRAPPER am_dummy;
SELECT count(*) FROM corm.relationships r JOIN pg_namespace n ON n.oid = am_nsp(r.parent)
WHERE n.nspname LIKE 'am\_%';
DROP FUNCTION public.am_nsp(regclass);
