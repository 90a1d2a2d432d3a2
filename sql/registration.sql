-- Registration: every path of corm_relationship() and corm_association_proxy(),
-- shown through corm.relationships.
\set VERBOSITY default

-- The sample schema (also used by the demo and the SQLAlchemy comparison)
\i test/sample/schema.sql
\i test/sample/relationships.sql

\x on
SELECT * FROM corm.relationships WHERE parent = 'authors'::regclass;
SELECT * FROM corm.relationships WHERE parent = 'users'::regclass AND name = 'following';
\x off
SELECT parent, name, target, direction, local_columns, remote_columns, secondary,
       secondary_local_columns AS sec_local, secondary_remote_columns AS sec_remote,
       uselist, back_populates
FROM corm.relationships ORDER BY parent::text, name;
SELECT parent, name, cascade, passive_deletes, single_parent, order_by, join_depth, lazy
FROM corm.relationships ORDER BY parent::text, name;
SELECT * FROM corm.association_proxies ORDER BY parent::text, name;

-- Composite foreign keys
CREATE TABLE orders (
    region   text,
    order_no int,
    placed   date,
    PRIMARY KEY (region, order_no)
);
CREATE TABLE order_lines (
    region   text,
    order_no int,
    line_no  int,
    sku      text,
    PRIMARY KEY (region, order_no, line_no),
    FOREIGN KEY (region, order_no) REFERENCES orders
);
SELECT corm_relationship('orders', 'lines', 'order_lines', backref => 'order',
                         order_by => 'line_no DESC');
SELECT parent, name, direction, local_columns, remote_columns, uselist, order_by, back_populates
FROM corm.relationships WHERE 'orders'::regclass IN (parent, target) ORDER BY parent::text, name;

-- Explicit joins without a foreign key: direction from primary and unique keys
CREATE TABLE shipments (id int PRIMARY KEY, region text, order_no int, carrier_code text);
CREATE TABLE carriers (code text PRIMARY KEY, name text);
SELECT corm_relationship('orders', 'shipments', 'shipments',
                         local_columns => '{region,order_no}', remote_columns => '{region,order_no}');
SELECT corm_relationship('shipments', 'carrier', 'carriers',
                         local_columns => '{carrier_code}', remote_columns => '{code}');
-- neither side unique: direction must be given, and is taken as given
SELECT corm_relationship('shipments', 'same_carrier', 'shipments',
                         local_columns => '{carrier_code}', remote_columns => '{carrier_code}',
                         direction => 'one_to_many');
SELECT parent, name, target, direction, local_columns, remote_columns, uselist
FROM corm.relationships WHERE parent = 'shipments'::regclass OR name = 'shipments'
ORDER BY parent::text, name;

-- foreign_key picks one of several constraints; direction on a self-reference
CREATE TABLE employees (
    id         int PRIMARY KEY,
    manager_id int REFERENCES employees,
    mentor_id  int REFERENCES employees,
    name       text
);
SELECT corm_relationship('employees', 'reports', 'employees',
                         foreign_key => 'employees_manager_id_fkey', backref => 'manager');
SELECT corm_relationship('employees', 'mentor', 'employees',
                         foreign_key => 'employees_mentor_id_fkey', direction => 'many_to_one');
SELECT parent, name, direction, local_columns, remote_columns, uselist, back_populates
FROM corm.relationships WHERE parent = 'employees'::regclass ORDER BY name;

-- many-to-many with explicit columns; uselist false on a many-to-many
CREATE TABLE boxes (id int PRIMARY KEY, label text);
CREATE TABLE box_links (a int, b int);
SELECT corm_relationship('boxes', 'linked', 'boxes', secondary => 'box_links',
                         local_columns => '{id}', secondary_local_columns => '{a}',
                         remote_columns => '{id}', secondary_remote_columns => '{b}',
                         backref => 'linked_from');
SELECT corm_relationship('boxes', 'first_link', 'boxes', secondary => 'box_links',
                         local_columns => '{id}', secondary_local_columns => '{a}',
                         remote_columns => '{id}', secondary_remote_columns => '{b}',
                         uselist => false, lazy => 'noload');
SELECT parent, name, direction, local_columns, remote_columns, secondary,
       secondary_local_columns, secondary_remote_columns, uselist, lazy, back_populates
FROM corm.relationships WHERE parent = 'boxes'::regclass ORDER BY name;

-- Every option word
CREATE TABLE notes (id int PRIMARY KEY, author_id int REFERENCES authors, "Body Text" text,
                    rank int);
SELECT corm_relationship('authors', 'notes_a', 'notes', cascade => 'all', lazy => 'joined');
SELECT corm_relationship('authors', 'notes_b', 'notes', cascade => ' delete ,delete-orphan,, ',
                         lazy => 'subquery', passive_deletes => 'true');
SELECT corm_relationship('authors', 'notes_c', 'notes', cascade => 'none', lazy => 'selectin',
                         passive_deletes => 'all');
SELECT corm_relationship('authors', 'notes_d', 'notes', cascade => '', lazy => 'raise');
SELECT corm_relationship('authors', 'notes_e', 'notes', cascade => 'all, none, merge',
                         lazy => 'noload');
SELECT corm_relationship('authors', 'notes_f', 'notes', cascade => 'refresh-expire,expunge,merge');
-- SQLAlchemy warns when delete-orphan comes without delete; so does corm
SELECT corm_relationship('authors', 'notes_g', 'notes', cascade => 'save-update, delete-orphan');
SELECT corm_relationship('notes', 'author', 'authors', cascade => 'all, delete-orphan',
                         single_parent => true);
SELECT corm_relationship('authors', 'notes_h', 'notes',
                         order_by => ' rank  desc nulls last , "Body Text" NULLS FIRST,ID ASC');
SELECT corm_relationship('authors', 'notes_i', 'notes',
                         order_by => 'rank DESC NULLS FIRST, rank ASC NULLS LAST');
SELECT parent, name, lazy, cascade, passive_deletes, single_parent, order_by
FROM corm.relationships WHERE 'notes'::regclass IN (parent, target) ORDER BY parent::text, name;

-- Relationships keep working after renames: they are stored by OID and attnum
ALTER TABLE notes RENAME COLUMN rank TO priority;
ALTER TABLE notes RENAME COLUMN author_id TO writer_id;
ALTER TABLE notes RENAME TO memos;
SELECT parent, name, target, local_columns, remote_columns, order_by
FROM corm.relationships WHERE name IN ('notes_a', 'notes_h', 'author') ORDER BY parent::text, name;
-- the stored form
SELECT local_columns, remote_columns, order_by
FROM corm.relationship WHERE parent = 'authors'::regclass AND name = 'notes_h';
-- corm.attref reads and prints qualified names
SELECT 'memos.priority'::corm.attref, 'public.memos."Body Text"'::corm.attref;
SELECT corm.attref_attname('memos.priority'), corm.attref_relid('memos.priority');

-- Join columns of different but compatible types (int4 = int8, varchar = text)
CREATE TABLE wide_parent (id bigint PRIMARY KEY, code varchar(10) UNIQUE);
CREATE TABLE narrow_child (id int PRIMARY KEY, parent_id int, code text);
SELECT corm_relationship('wide_parent', 'children', 'narrow_child',
                         local_columns => '{id}', remote_columns => '{parent_id}');
SELECT corm_relationship('wide_parent', 'by_code', 'narrow_child',
                         local_columns => '{code}', remote_columns => '{code}');
SELECT name, direction FROM corm.relationships WHERE parent = 'wide_parent'::regclass ORDER BY 1;

-- Partitioned tables
CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE event_notes (id int PRIMARY KEY, event_id int, event_at date,
                          FOREIGN KEY (event_id, event_at) REFERENCES events);
SELECT corm_relationship('events', 'notes', 'event_notes', backref => 'event');
SELECT parent, name, direction, local_columns, remote_columns
FROM corm.relationships WHERE 'events'::regclass IN (parent, target) ORDER BY parent::text, name;

-- Association proxies: of a column, of a relationship
SELECT corm_association_proxy('authors', 'book_titles', 'books', 'title');
SELECT corm_association_proxy('books', 'tag_names', 'tags', 'name');
SELECT corm_association_proxy('authors', 'reviewed', 'books', 'reviews');
SELECT * FROM corm.association_proxies ORDER BY parent::text, name;

-- Dropping: a proxy, a relationship, one with dependent proxies (cascade)
SELECT corm_drop_relationship('authors', 'book_titles');
SELECT corm_drop_relationship('authors', 'notes_i');
SELECT corm_drop_relationship('books', 'reviews', cascade => true);
SELECT parent, name FROM corm.association_proxies ORDER BY parent::text, name;
SELECT count(*) FROM corm.relationships WHERE name IN ('notes_i', 'reviews');
-- the mirror stays, still naming the dropped relationship (checked when it returns)
SELECT back_populates FROM corm.relationships WHERE parent = 'reviews'::regclass;
SELECT corm_relationship('books', 'reviews', 'reviews', back_populates => 'book');
SELECT parent, name, back_populates FROM corm.relationships
WHERE 'reviews'::regclass IN (parent, target) ORDER BY parent::text, name;
