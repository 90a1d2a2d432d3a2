-- Tables whose names a diagram must escape, for sql/diagram.sql and test/t/diagram:
-- quotes, backslashes, markup, Mermaid's keywords and entity syntax, a name the
-- Mermaid aliases would take, a name two schemas share, a table outside the
-- search_path, a newline; columns named like Mermaid's keys, with blanks and
-- quotes; typmods, arrays, a domain of another schema; composite keys; a
-- self-referential many-to-many through an oddly named secondary; proxies.
-- ASCII only (test/t/diagram adds non-ASCII names in a UTF-8 database).
CREATE SCHEMA dg_odd;
CREATE SCHEMA "dg other";
SET search_path = dg_odd, public;
CREATE DOMAIN "dg other"."my dom" AS text;

CREATE TABLE "a""b" (
    id              int PRIMARY KEY,
    pk              int,
    "a b"           varchar(20),
    "x""y"          timestamp with time zone,
    "~t~"           int[],
    "direction TB"  "dg other"."my dom",
    "#35;"          numeric(8,2)
);
CREATE TABLE "x<y>" (
    id      int PRIMARY KEY,
    ab_id   int NOT NULL REFERENCES "a""b",
    "UK"    text UNIQUE,
    "9lives" bit varying(5)
);
-- the many-to-many secondary of "a""b" to itself
CREATE TABLE "a\b" (
    src     int NOT NULL REFERENCES "a""b",
    dst     int NOT NULL REFERENCES "a""b",
    PRIMARY KEY (src, dst)
);
CREATE TABLE one (id int PRIMARY KEY);
CREATE TABLE t1 (id int PRIMARY KEY, one_id int UNIQUE REFERENCES one);
CREATE TABLE "%d&<b>#x;" (id int PRIMARY KEY, t1_id int REFERENCES t1);
CREATE TABLE "line
break" (id int PRIMARY KEY, parent_id int REFERENCES "line
break");
CREATE TABLE dup (id int PRIMARY KEY);
CREATE TABLE "dg other".dup (id int PRIMARY KEY, dup_id int REFERENCES dg_odd.dup);
CREATE TABLE "dg other".outside (id int PRIMARY KEY, dup_id int REFERENCES dg_odd.dup);
-- composite keys
CREATE TABLE parts (a int, b int, label text, PRIMARY KEY (a, b));
CREATE TABLE part_notes (
    id      int PRIMARY KEY,
    a       int NOT NULL,
    b       int NOT NULL,
    body    text,
    FOREIGN KEY (a, b) REFERENCES parts
);

SELECT corm_relationship('"a""b"', 'xs', '"x<y>"', backref => 'ab');
SELECT corm_relationship('"a""b"', 'links', '"a""b"', secondary => '"a\b"',
                         local_columns => '{id}', secondary_local_columns => '{src}',
                         secondary_remote_columns => '{dst}', remote_columns => '{id}',
                         backref => 'linked_from');
SELECT corm_association_proxy('"a""b"', 'x_uks', 'xs', 'UK');
SELECT corm_association_proxy('"x<y>"', 'links', 'ab', 'links');
SELECT corm_relationship('one', 'direction', 't1', uselist => false, backref => 'one');
SELECT corm_relationship('"%d&<b>#x;"', 't1', 't1');
SELECT corm_relationship('"line
break"', 'children', '"line
break"', backref => 'parent');
SELECT corm_relationship('dup', 'dups', '"dg other".dup', backref => 'dup');
SELECT corm_relationship('"dg other".outside', 'dup', 'dup');
SELECT corm_relationship('parts', 'notes', 'part_notes', backref => 'part');
