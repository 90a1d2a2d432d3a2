-- Dropping a table or column a relationship uses: an ERROR naming the
-- relationship, or with CASCADE the relationship goes too.
\set VERBOSITY default
CREATE SCHEMA shop;
CREATE TABLE shop.customers (id int PRIMARY KEY, name text, vip boolean);
CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int REFERENCES shop.customers,
                          placed date, note text);
CREATE TABLE shop.items (id int PRIMARY KEY, label text);
CREATE TABLE shop.order_items (order_id int REFERENCES shop.orders, item_id int REFERENCES shop.items);
SELECT corm_relationship('shop.customers', 'orders', 'shop.orders', backref => 'customer',
                         order_by => 'placed DESC');
SELECT corm_relationship('shop.orders', 'items', 'shop.items', secondary => 'shop.order_items');
SELECT corm_association_proxy('shop.customers', 'order_notes', 'orders', 'note');
SELECT corm_association_proxy('shop.orders', 'labels', 'items', 'label');
SELECT parent, name FROM corm.relationships WHERE parent::text LIKE 'shop.%' ORDER BY parent::text, name;

-- RESTRICT (the default): refused, nothing dropped
ALTER TABLE shop.orders DROP COLUMN placed;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE shop.orders DROP COLUMN customer_id;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE shop.orders DROP COLUMN note;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE shop.order_items DROP COLUMN item_id;
\echo :LAST_ERROR_SQLSTATE
DROP TABLE shop.order_items;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM corm.relationships WHERE parent::text LIKE 'shop.%';

-- a column may not take the name of a relationship or proxy (their JSON keys would collide)
ALTER TABLE shop.customers ADD COLUMN orders int;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE shop.customers RENAME COLUMN name TO order_notes;
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE shop.customers ADD COLUMN email text;

-- a column no relationship uses can go
ALTER TABLE shop.customers DROP COLUMN vip;

-- CASCADE: the relationships and proxies using the object go with it
ALTER TABLE shop.orders DROP COLUMN note CASCADE;
SELECT parent, name FROM corm.association_proxies WHERE parent::text LIKE 'shop.%' ORDER BY parent::text, name;
ALTER TABLE shop.orders DROP COLUMN placed CASCADE;
SELECT parent, name FROM corm.relationships WHERE parent::text LIKE 'shop.%' ORDER BY parent::text, name;
DROP TABLE shop.items CASCADE;
SELECT parent, name FROM corm.relationships WHERE parent::text LIKE 'shop.%' ORDER BY parent::text, name;
SELECT parent, name FROM corm.association_proxies WHERE parent::text LIKE 'shop.%' ORDER BY parent::text, name;

-- a rolled-back DROP ... CASCADE keeps the relationship
SELECT corm_relationship('shop.customers', 'orders', 'shop.orders', back_populates => 'customer');
BEGIN;
DROP TABLE shop.orders CASCADE;
SELECT count(*) FROM corm.relationships WHERE parent::text LIKE 'shop.%';
ROLLBACK;
SELECT parent, name FROM corm.relationships WHERE parent::text LIKE 'shop.%' ORDER BY parent::text, name;

-- DROP SCHEMA ... CASCADE takes everything in it
DROP SCHEMA shop;
\echo :LAST_ERROR_SQLSTATE
DROP SCHEMA shop CASCADE;
SELECT count(*) FROM corm.relationship WHERE parent::text LIKE '%customers%';

-- DROP OWNED ... CASCADE
CREATE ROLE corm_drop_owner;
CREATE TABLE dept (id int PRIMARY KEY);
CREATE TABLE staff (id int PRIMARY KEY, dept_id int REFERENCES dept);
ALTER TABLE dept OWNER TO corm_drop_owner;
ALTER TABLE staff OWNER TO corm_drop_owner;
SET ROLE corm_drop_owner;
SELECT corm_relationship('dept', 'staff', 'staff', backref => 'dept');
RESET ROLE;
DROP OWNED BY corm_drop_owner;
\echo :LAST_ERROR_SQLSTATE
DROP OWNED BY corm_drop_owner CASCADE;
SELECT count(*) FROM corm.relationship WHERE name IN ('staff', 'dept');
DROP ROLE corm_drop_owner;

-- DROP EXTENSION corm leaves nothing behind, and tables can be dropped freely after
CREATE TABLE kept_parent (id int PRIMARY KEY);
CREATE TABLE kept_child (id int PRIMARY KEY, parent_id int REFERENCES kept_parent);
SELECT corm_relationship('kept_parent', 'children', 'kept_child');
SELECT count(*) AS corm_triggers FROM pg_trigger
WHERE tgname LIKE 'Corm%' AND tgrelid IN ('kept_parent'::regclass, 'kept_child'::regclass);
DROP EXTENSION corm;
SELECT count(*) AS corm_triggers_left FROM pg_trigger WHERE tgname LIKE 'Corm%';
SELECT count(*) FROM pg_event_trigger;
SELECT count(*) FROM pg_namespace WHERE nspname = 'corm';
DROP TABLE kept_child;
CREATE EXTENSION corm;
SELECT count(*) FROM corm.relationships;
