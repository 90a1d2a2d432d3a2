-- Privileges: registration needs ownership of every table involved; the
-- catalog is readable by all but writable only through the functions.
\set VERBOSITY default
CREATE ROLE corm_alice;
CREATE ROLE corm_bob;
CREATE TABLE alice_parent (id int PRIMARY KEY);
CREATE TABLE alice_child (id int PRIMARY KEY, parent_id int REFERENCES alice_parent);
CREATE TABLE bob_child (id int PRIMARY KEY, parent_id int REFERENCES alice_parent);
CREATE TABLE alice_bob (a int REFERENCES alice_parent, b int REFERENCES bob_child);
ALTER TABLE alice_parent OWNER TO corm_alice;
ALTER TABLE alice_child OWNER TO corm_alice;
ALTER TABLE alice_bob OWNER TO corm_alice;
ALTER TABLE bob_child OWNER TO corm_bob;

SET ROLE corm_alice;
SELECT corm_relationship('alice_parent', 'children', 'alice_child', backref => 'parent');
-- alice does not own bob_child: no relationship that would put triggers on it
SELECT corm_relationship('alice_parent', 'bob_children', 'bob_child');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('alice_parent', 'bobs', 'bob_child', secondary => 'alice_bob');
\echo :LAST_ERROR_SQLSTATE
-- the catalog is readable, not writable directly
SELECT parent, name, direction FROM corm.relationships ORDER BY parent::text, name;
INSERT INTO corm.relationship SELECT * FROM corm.relationship LIMIT 1;
\echo :LAST_ERROR_SQLSTATE
DELETE FROM corm.relationship;
\echo :LAST_ERROR_SQLSTATE
UPDATE corm.association_proxy SET name = 'x';
\echo :LAST_ERROR_SQLSTATE

SET ROLE corm_bob;
SELECT corm_relationship('bob_child', 'parent', 'alice_parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_drop_relationship('alice_parent', 'children');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_association_proxy('alice_parent', 'child_ids', 'children', 'id');
\echo :LAST_ERROR_SQLSTATE

SET ROLE corm_alice;
SELECT corm_association_proxy('alice_parent', 'child_ids', 'children', 'id');
SELECT corm_drop_relationship('alice_parent', 'children', cascade => true);
RESET ROLE;
SELECT parent, name FROM corm.relationships WHERE parent::text LIKE 'alice%' ORDER BY parent::text, name;

-- corm is trusted: a database owner without superuser can install it
CREATE ROLE corm_dbowner LOGIN;
CREATE DATABASE corm_trusted OWNER corm_dbowner;
\c corm_trusted corm_dbowner
CREATE EXTENSION corm;
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p);
SELECT corm_relationship('p', 'cs', 'c', backref => 'p');
SELECT parent, name, direction FROM corm.relationships ORDER BY parent::text, name;
DROP TABLE c;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE c CASCADE;
DROP EXTENSION corm;
\c contrib_regression postgres
DROP DATABASE corm_trusted;
DROP ROLE corm_dbowner;
DROP TABLE alice_bob, bob_child, alice_child, alice_parent CASCADE;
DROP ROLE corm_alice;
DROP ROLE corm_bob;
