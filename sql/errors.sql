-- Bad input: a clear ERROR with an errcode (echoed after each), and nothing written.
\set VERBOSITY default
CREATE TABLE e_parent (id int PRIMARY KEY, code text UNIQUE, n int);
CREATE TABLE e_child (
    id        int PRIMARY KEY,
    parent_id int REFERENCES e_parent,
    other_id  int REFERENCES e_parent,
    label     text
);
CREATE TABLE e_lone (id int PRIMARY KEY, x bigint, t text);
CREATE TABLE e_pair (a int, b int);
CREATE VIEW e_view AS SELECT * FROM e_parent;
SELECT corm_relationship('e_child', 'parent', 'e_parent', foreign_key => 'e_child_parent_id_fkey');
CREATE TEMP TABLE before AS SELECT * FROM corm.relationships;
CREATE TEMP TABLE before_proxies AS SELECT * FROM corm.association_proxies;

-- unknown table, unknown column
SELECT corm_relationship('e_nope', 'x', 'e_parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{nope}', remote_columns => '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{id}', remote_columns => '{nope}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{id,id}', remote_columns => '{id,x}');
\echo :LAST_ERROR_SQLSTATE

-- no foreign key, several, a named one that does not join
SELECT corm_relationship('e_parent', 'lone', 'e_lone');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'children', 'e_child');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'children', 'e_child', foreign_key => 'e_lone_pkey');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'pairs', 'e_parent', secondary => 'e_pair');
\echo :LAST_ERROR_SQLSTATE

-- mismatched column counts and types
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{id,n}', remote_columns => '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{code}', remote_columns => '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_parent', secondary => 'e_pair',
                         local_columns => '{id}', secondary_local_columns => '{a,b}',
                         remote_columns => '{id}', secondary_remote_columns => '{b}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{}', remote_columns => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', foreign_key => 'e_lone_pkey',
                         local_columns => '{id}', remote_columns => '{id}');
\echo :LAST_ERROR_SQLSTATE

-- direction: unknown, contradicting the foreign key, needing secondary, not inferable
SELECT corm_relationship('e_child', 'p', 'e_parent', foreign_key => 'e_child_other_id_fkey',
                         direction => 'sideways');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'p', 'e_parent', foreign_key => 'e_child_other_id_fkey',
                         direction => 'one_to_many');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'p', 'e_parent', foreign_key => 'e_child_other_id_fkey',
                         direction => 'many_to_many');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{n}', remote_columns => '{x}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', local_columns => '{id}', remote_columns => '{id}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_parent', secondary => 'e_pair', direction => 'one_to_many',
                         local_columns => '{id}', secondary_local_columns => '{a}',
                         remote_columns => '{id}', secondary_remote_columns => '{b}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_lone', secondary_foreign_key => 'e_lone_pkey');
\echo :LAST_ERROR_SQLSTATE

-- names: duplicate, equal to a column, not an identifier, NULL
SELECT corm_relationship('e_child', 'parent', 'e_parent', foreign_key => 'e_child_parent_id_fkey');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'label', 'e_parent', foreign_key => 'e_child_parent_id_fkey');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'a.b', 'e_parent', foreign_key => 'e_child_parent_id_fkey');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', '', 'e_parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', '1st', 'e_parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', NULL, 'e_parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'p', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'p', 'e_parent', lazy => NULL);
\echo :LAST_ERROR_SQLSTATE

-- options: lazy, cascade, passive_deletes, join_depth, order_by
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey', lazy => 'eager');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey', lazy => 'Select');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         cascade => 'all, delete-orphans');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         cascade => 'save-update merge');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         passive_deletes => 'yes');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         passive_deletes => 'all', cascade => 'all');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'p', 'e_parent', foreign_key => 'e_child_other_id_fkey',
                         cascade => 'all, delete-orphan');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_parent', secondary => 'e_pair',
                         local_columns => '{id}', secondary_local_columns => '{a}',
                         remote_columns => '{id}', secondary_remote_columns => '{b}',
                         cascade => 'all, delete-orphan');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         join_depth => -1);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         order_by => 'labell');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         order_by => 'label; DROP TABLE e_child');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         order_by => 'label DESC NULLS');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         order_by => 'label,');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         order_by => 'lower(label)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         order_by => '"unterminated');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'x', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         order_by => '');
\echo :LAST_ERROR_SQLSTATE

-- back_populates / backref
SELECT corm_relationship('e_parent', 'others', 'e_child', foreign_key => 'e_child_other_id_fkey',
                         back_populates => 'parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'kids', 'e_child', foreign_key => 'e_child_parent_id_fkey',
                         uselist => false, back_populates => 'parent');
SELECT corm_drop_relationship('e_parent', 'kids');
SELECT corm_relationship('e_lone', 'parent', 'e_parent', local_columns => '{id}',
                         remote_columns => '{id}', direction => 'many_to_one');
SELECT corm_relationship('e_parent', 'lones', 'e_lone', local_columns => '{id}',
                         remote_columns => '{id}', direction => 'many_to_one', back_populates => 'parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_drop_relationship('e_lone', 'parent');
SELECT corm_relationship('e_parent', 'kids', 'e_child', foreign_key => 'e_child_parent_id_fkey',
                         back_populates => 'parent', backref => 'parent2');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'kids', 'e_child', foreign_key => 'e_child_parent_id_fkey',
                         backref => 'label');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'kids', 'e_child', foreign_key => 'e_child_parent_id_fkey',
                         backref => 'parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'kids', 'e_parent', local_columns => '{id}',
                         remote_columns => '{n}', backref => 'kids');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_parent', 'kids', 'e_parent', local_columns => '{id}',
                         remote_columns => '{n}', back_populates => 'kids');
\echo :LAST_ERROR_SQLSTATE

-- tables that are not tables, temporary tables
SELECT corm_relationship('e_view', 'x', 'e_child');
\echo :LAST_ERROR_SQLSTATE
CREATE TEMP TABLE e_temp (id int PRIMARY KEY, parent_id int);
SELECT corm_relationship('e_parent', 'temps', 'e_temp', local_columns => '{id}',
                         remote_columns => '{parent_id}');
\echo :LAST_ERROR_SQLSTATE

-- association proxies
SELECT corm_association_proxy('e_parent', 'labels', 'kids', 'label');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_association_proxy('e_child', 'parent_codes', 'parent', 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_association_proxy('e_child', 'label', 'parent', 'code');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_association_proxy('e_child', 'parent', 'parent', 'code');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_association_proxy('e_child', 'parent_code', 'parent', 'code');
SELECT corm_association_proxy('e_child', 'parent_code', 'parent', 'code');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_relationship('e_child', 'parent_code', 'e_parent', foreign_key => 'e_child_other_id_fkey');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_association_proxy('e_child', 'p2', NULL, 'code');
\echo :LAST_ERROR_SQLSTATE

-- dropping: unknown, with dependents
SELECT corm_drop_relationship('e_child', 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_drop_relationship('e_child', 'parent');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_drop_relationship('e_child', 'parent_code');

-- corm.attref input
SELECT 'e_child'::corm.attref;
\echo :LAST_ERROR_SQLSTATE
SELECT 'e_child.nope'::corm.attref;
\echo :LAST_ERROR_SQLSTATE
SELECT 'nope.id'::corm.attref;
\echo :LAST_ERROR_SQLSTATE
SELECT '#12.x'::corm.attref;
\echo :LAST_ERROR_SQLSTATE

-- nothing above was written
SELECT * FROM corm.relationships EXCEPT SELECT * FROM before;
SELECT * FROM before EXCEPT SELECT * FROM corm.relationships;
SELECT * FROM corm.association_proxies EXCEPT SELECT * FROM before_proxies;
SELECT * FROM before_proxies EXCEPT SELECT * FROM corm.association_proxies;
