-- Trust, the rest: wrong or failing results that a review found.
\set VERBOSITY default
CREATE SCHEMA trust_m;
SET search_path = trust_m, public;
\i test/sample/schema.sql
\i test/sample/relationships.sql
\i test/sample/data.sql

-- corm_get with one value for a composite key is an ERROR, not a match of
-- the value against every key column.
CREATE TABLE orders (region text, order_no int, PRIMARY KEY (region, order_no));
INSERT INTO orders VALUES ('5', 5), ('eu', 5);
SELECT corm_get('orders', 5);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_get('orders', '5'::text);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_get('orders', '{"region": "5", "order_no": 5}'::jsonb);
-- a scalar id of another type than the key is cast to the key's type
SELECT corm_get('authors', '2'::text);
SELECT corm_get('authors', 2::bigint);

-- corm_save of a child carrying its back-reference to the parent being saved
SELECT corm_save('authors', '{"id": 2, "books": [{"title": "Mr. Palomar", "author": {"id": 2}}]}');
SELECT id, title, author_id FROM books WHERE title = 'Mr. Palomar';

-- corm_merge on a join column whose name needs JSON escaping
CREATE TABLE "we\ird" (id int PRIMARY KEY);
CREATE TABLE "kid""s" (id int PRIMARY KEY, "p\id" int REFERENCES "we\ird");
SELECT corm_relationship('"we\ird"', 'kids', '"kid""s"', cascade => 'all, delete-orphan');
INSERT INTO "we\ird" VALUES (1);
INSERT INTO "kid""s" VALUES (1, 1), (2, 1);
SELECT corm_merge('"we\ird"', '{"id": 1, "kids": [{"id": 1}, {"id": 3}]}');
SELECT * FROM "kid""s" ORDER BY id;

-- corm_save with the extension's schema not on search_path
SET search_path = trust_m;
SELECT public.corm_save('authors', '{"name": "Ada", "books": [{"title": "Notes"}]}');
SELECT public.corm_merge('authors', '{"id": 2, "name": "Italo Calvino"}');
SET search_path = trust_m, public;

-- a join column whose type changed after registration: an ERROR naming the
-- relationship, from loads and cascades alike
CREATE TABLE tp (id int PRIMARY KEY);
CREATE TABLE tc (id int PRIMARY KEY, tp_id int);
SELECT corm_relationship('tp', 'tcs', 'tc', local_columns => '{id}', remote_columns => '{tp_id}');
INSERT INTO tp VALUES (1);
INSERT INTO tc VALUES (1, 1);
ALTER TABLE tc ALTER COLUMN tp_id TYPE text;
SELECT corm_load('tp', 'tcs');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_load('tp', 'tcs:joined');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM tp;
\echo :LAST_ERROR_SQLSTATE
-- a compatible change (int to bigint) keeps working
ALTER TABLE tc ALTER COLUMN tp_id TYPE bigint USING tp_id::bigint;
SELECT corm_load('tp', 'tcs');
DELETE FROM tp;
SELECT * FROM tc;

-- keys of a type whose equality lives outside pg_catalog (citext, installed
-- in a schema not on search_path): every strategy and the cascades compare
-- with that type's own operator, chosen by OID
CREATE SCHEMA ci;
CREATE EXTENSION citext SCHEMA ci;
CREATE TABLE ci_users (login ci.citext PRIMARY KEY, name text);
CREATE TABLE ci_posts (id int PRIMARY KEY, login ci.citext REFERENCES ci_users, body text);
CREATE TABLE ci_badges (id int PRIMARY KEY, name text);
CREATE TABLE ci_user_badges (login ci.citext REFERENCES ci_users, badge_id int REFERENCES ci_badges);
SELECT corm_relationship('ci_users', 'posts', 'ci_posts', backref => 'author', cascade => 'all');
SELECT corm_relationship('ci_users', 'badges', 'ci_badges', secondary => 'ci_user_badges');
INSERT INTO ci_users VALUES ('Ann', 'ann'), ('bob', 'bob');
INSERT INTO ci_posts VALUES (1, 'ANN', 'hi'), (2, 'Bob', 'yo'), (3, 'ann', 'again');
INSERT INTO ci_badges VALUES (1, 'gold');
INSERT INTO ci_user_badges VALUES ('ANN', 1);
SELECT corm_load('ci_users', 'posts:select, badges:select');
SELECT corm_load('ci_users', 'posts:selectin, badges:selectin')::text
     = corm_load('ci_users', 'posts:select, badges:select')::text
   AND corm_load('ci_users', 'posts:joined, badges:joined')::text
     = corm_load('ci_users', 'posts:select, badges:select')::text
   AND corm_load('ci_users', 'posts:subquery, badges:subquery')::text
     = corm_load('ci_users', 'posts:select, badges:select')::text AS same_under_every_strategy;
SELECT corm_get('ci_users', 'ANN'::ci.citext, 'posts');
SELECT corm_load('ci_posts', 'author:selectin', "where" => 'id = 2');
DELETE FROM ci_users WHERE login OPERATOR(ci.=) 'ann';
SELECT * FROM ci_posts ORDER BY id;
SELECT * FROM ci_user_badges;
DROP TABLE ci_user_badges, ci_badges, ci_posts, ci_users CASCADE;
DROP SCHEMA ci CASCADE;

RESET search_path;
DROP SCHEMA trust_m CASCADE;
