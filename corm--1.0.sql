/* corm--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION corm" to load this file. \quit

-- The catalog lives in schema corm; the functions in the extension's schema
-- (@extschema@), so that they can be called unqualified.
CREATE SCHEMA corm;
COMMENT ON SCHEMA corm IS 'corm''s catalog: registered relationships and association proxies';

--
-- corm.attref: a column stored as (table OID, attribute number), written and
-- read as its qualified name.  Renames do not break it; pg_dump / restore
-- resolve it again by name.
--
CREATE TYPE corm.attref;
CREATE FUNCTION corm.attref_in(cstring) RETURNS corm.attref
    AS 'MODULE_PATHNAME', 'corm_attref_in' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION corm.attref_out(corm.attref) RETURNS cstring
    AS 'MODULE_PATHNAME', 'corm_attref_out' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE TYPE corm.attref (
    INPUT = corm.attref_in,
    OUTPUT = corm.attref_out,
    INTERNALLENGTH = 8,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE corm.attref IS 'a column of a table, kept by OID and attribute number';

CREATE FUNCTION corm.attref_attname(corm.attref) RETURNS text
    AS 'MODULE_PATHNAME', 'corm_attref_attname' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION corm.attref_relid(corm.attref) RETURNS regclass
    AS 'MODULE_PATHNAME', 'corm_attref_relid' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;

-- The current names of a list of columns, in order.
CREATE FUNCTION corm.column_names(corm.attref[]) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT pg_catalog.array_agg(corm.attref_attname(c.a) ORDER BY c.i)
        FROM pg_catalog.unnest($1) WITH ORDINALITY AS c(a, i);
    END;

-- A collection's order as text: published DESC, id.
CREATE FUNCTION corm.order_by_text(corm.attref[], boolean[], boolean[]) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT pg_catalog.string_agg(
                   pg_catalog.quote_ident(corm.attref_attname(o.a))
                   OPERATOR(pg_catalog.||) CASE WHEN o.d THEN ' DESC' ELSE '' END
                   OPERATOR(pg_catalog.||) CASE WHEN o.nf IS DISTINCT FROM o.d
                        THEN CASE WHEN o.nf THEN ' NULLS FIRST' ELSE ' NULLS LAST' END
                        ELSE '' END,
                   ', ' ORDER BY o.i)
        FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3))
             WITH ORDINALITY AS o(a, d, nf, i);
    END;

--
-- The catalog.  Written only by the corm_* functions (as the catalog's
-- owner, after checking that the caller owns the tables); readable by all.
--
CREATE TABLE corm.relationship (
    parent          regclass NOT NULL,
    name            text NOT NULL,
    target          regclass NOT NULL,
    direction       text NOT NULL
        CHECK (direction IN ('one_to_many', 'many_to_one', 'one_to_one', 'many_to_many')),
    local_columns   corm.attref[] NOT NULL,     -- parent's join columns
    remote_columns  corm.attref[] NOT NULL,     -- target's join columns
    secondary       regclass,                   -- association table (many_to_many)
    secondary_local_columns  corm.attref[],     -- secondary's columns = local_columns
    secondary_remote_columns corm.attref[],     -- secondary's columns = remote_columns
    uselist         boolean NOT NULL,
    lazy            text NOT NULL
        CHECK (lazy IN ('select', 'joined', 'subquery', 'selectin', 'raise', 'noload')),
    cascade         text[] NOT NULL,            -- expanded: 'all' is stored as its parts
    passive_deletes text NOT NULL CHECK (passive_deletes IN ('false', 'true', 'all')),
    single_parent   boolean NOT NULL,
    order_by        corm.attref[] NOT NULL,     -- target's columns
    order_by_desc   boolean[] NOT NULL,
    order_by_nulls_first boolean[] NOT NULL,
    join_depth      integer CHECK (join_depth >= 0),
    back_populates  text,
    PRIMARY KEY (parent, name),
    CHECK ((secondary IS NULL) = (direction <> 'many_to_many')),
    CHECK ((secondary IS NULL) = (secondary_local_columns IS NULL)),
    CHECK ((secondary IS NULL) = (secondary_remote_columns IS NULL))
);
COMMENT ON TABLE corm.relationship IS 'registered relationships; use corm.relationships to read them';

CREATE TABLE corm.association_proxy (
    parent              regclass NOT NULL,
    name                text NOT NULL,
    relationship        text NOT NULL,          -- a relationship of parent
    target_relationship text,                   -- proxied: a relationship of its target,
    target_column       corm.attref,            --   or a column of its target
    PRIMARY KEY (parent, name),
    CHECK ((target_relationship IS NULL) <> (target_column IS NULL))
);
COMMENT ON TABLE corm.association_proxy IS 'registered association proxies';

SELECT pg_catalog.pg_extension_config_dump('corm.relationship', '');
SELECT pg_catalog.pg_extension_config_dump('corm.association_proxy', '');

REVOKE ALL ON corm.relationship, corm.association_proxy FROM PUBLIC;
GRANT SELECT ON corm.relationship, corm.association_proxy TO PUBLIC;
GRANT USAGE ON SCHEMA corm TO PUBLIC;

CREATE VIEW corm.relationships AS
SELECT r.parent,
       r.name,
       r.target,
       r.direction,
       corm.column_names(r.local_columns) AS local_columns,
       corm.column_names(r.remote_columns) AS remote_columns,
       r.secondary,
       corm.column_names(r.secondary_local_columns) AS secondary_local_columns,
       corm.column_names(r.secondary_remote_columns) AS secondary_remote_columns,
       r.uselist,
       r.lazy,
       r.cascade,
       r.passive_deletes,
       r.single_parent,
       corm.order_by_text(r.order_by, r.order_by_desc, r.order_by_nulls_first) AS order_by,
       r.join_depth,
       r.back_populates
FROM corm.relationship r;
COMMENT ON VIEW corm.relationships IS 'one row per relationship: resolved direction, join columns and options';

CREATE VIEW corm.association_proxies AS
SELECT p.parent,
       p.name,
       p.relationship,
       COALESCE(p.target_relationship, corm.attref_attname(p.target_column)) AS attribute,
       CASE WHEN p.target_column IS NULL THEN 'relationship' ELSE 'column' END AS attribute_kind
FROM corm.association_proxy p;
COMMENT ON VIEW corm.association_proxies IS 'one row per association proxy';

GRANT SELECT ON corm.relationships, corm.association_proxies TO PUBLIC;

--
-- Registration
--
CREATE FUNCTION corm_relationship(
    parent          regclass,
    name            text,
    target          regclass,
    back_populates  text     DEFAULT NULL,
    backref         text     DEFAULT NULL,
    secondary       regclass DEFAULT NULL,
    foreign_key     name     DEFAULT NULL,
    secondary_foreign_key name DEFAULT NULL,
    local_columns   text[]   DEFAULT NULL,
    remote_columns  text[]   DEFAULT NULL,
    direction       text     DEFAULT NULL,
    uselist         boolean  DEFAULT NULL,
    lazy            text     DEFAULT 'select',
    cascade         text     DEFAULT 'save-update, merge',
    passive_deletes text     DEFAULT 'false',
    single_parent   boolean  DEFAULT false,
    order_by        text     DEFAULT NULL,
    join_depth      integer  DEFAULT NULL,
    secondary_local_columns  text[] DEFAULT NULL,
    secondary_remote_columns text[] DEFAULT NULL
) RETURNS void
    AS 'MODULE_PATHNAME', 'corm_relationship' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_relationship IS 'register a relationship (and with backref its mirror)';

CREATE FUNCTION corm_association_proxy(parent regclass, name text, relationship text,
                                       attribute text) RETURNS void
    AS 'MODULE_PATHNAME', 'corm_association_proxy' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_association_proxy IS 'register an association proxy: parent.name = relationship''s attribute';

CREATE FUNCTION corm_drop_relationship(parent regclass, name text,
                                       "cascade" boolean DEFAULT false) RETURNS void
    AS 'MODULE_PATHNAME', 'corm_drop_relationship' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_drop_relationship IS 'drop a relationship or association proxy';

--
-- Guards: DROP of a table or column a relationship uses ...
--
CREATE FUNCTION corm.ddl_command_start() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'corm_ddl_command_start' LANGUAGE C;
CREATE FUNCTION corm.sql_drop() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'corm_sql_drop' LANGUAGE C;
CREATE FUNCTION corm.ddl_command_end() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'corm_ddl_command_end' LANGUAGE C;
CREATE EVENT TRIGGER corm_ddl_command_start ON ddl_command_start
    EXECUTE FUNCTION corm.ddl_command_start();
CREATE EVENT TRIGGER corm_sql_drop ON sql_drop
    EXECUTE FUNCTION corm.sql_drop();
-- ... and ALTER TABLE adding or renaming a column to a relationship's name.
CREATE EVENT TRIGGER corm_ddl_command_end ON ddl_command_end WHEN TAG IN ('ALTER TABLE')
    EXECUTE FUNCTION corm.ddl_command_end();

--
-- Cache invalidation: a change to the catalog tells every backend's loader.
--
CREATE FUNCTION corm.catalog_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'corm_catalog_changed' LANGUAGE C;
CREATE TRIGGER corm_relationship_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON corm.relationship
    FOR EACH STATEMENT EXECUTE FUNCTION corm.catalog_changed();
CREATE TRIGGER corm_association_proxy_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON corm.association_proxy
    FOR EACH STATEMENT EXECUTE FUNCTION corm.catalog_changed();

--
-- Cascades: corm_relationship() installs these on the tables involved.
--
CREATE FUNCTION corm.on_delete() RETURNS trigger
    AS 'MODULE_PATHNAME', 'corm_on_delete' LANGUAGE C;
CREATE FUNCTION corm.on_update() RETURNS trigger
    AS 'MODULE_PATHNAME', 'corm_on_update' LANGUAGE C;

--
-- Loading
--
CREATE FUNCTION corm_load(root regclass, load text DEFAULT NULL, "where" text DEFAULT NULL,
                          order_by text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                          "offset" bigint DEFAULT NULL) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_load' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_load IS 'load root rows and the relationships in load as one JSON array';

CREATE FUNCTION corm_get(root regclass, id anyelement, load text DEFAULT NULL) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_get' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_get(regclass, anyelement, text) IS 'load one object by primary key';

CREATE FUNCTION corm_get(root regclass, id jsonb, load text DEFAULT NULL) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_get_composite' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_get(regclass, jsonb, text) IS 'load one object by a composite primary key given as a JSON object';

CREATE FUNCTION corm_explain(root regclass, load text DEFAULT NULL, "where" text DEFAULT NULL,
                             order_by text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                             "offset" bigint DEFAULT NULL)
    RETURNS TABLE (step int, relationship text, strategy text, statement text, "rows" bigint)
    AS 'MODULE_PATHNAME', 'corm_explain' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_explain IS 'run a load and list every statement it executed';

--
-- Write-through
--
CREATE FUNCTION corm_save(root regclass, graph json) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_save' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_save IS 'insert or update a nested graph following save-update cascades';
CREATE FUNCTION corm_merge(root regclass, graph json) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_merge' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_merge IS 'upsert a nested graph following merge cascades; given collections replace stored ones';
CREATE FUNCTION corm_link(parent regclass, name text, parent_id anyelement,
                          target_ids anycompatiblearray) RETURNS bigint
    AS 'MODULE_PATHNAME', 'corm_link' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_link IS 'add many-to-many associations in one statement; returns how many were new';
CREATE FUNCTION corm_unlink(parent regclass, name text, parent_id anyelement,
                            target_ids anycompatiblearray) RETURNS bigint
    AS 'MODULE_PATHNAME', 'corm_unlink' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_unlink IS 'remove many-to-many associations in one statement; returns how many existed';

-- Debugging aid: the load spec as corm parses it.
CREATE FUNCTION corm.parse_load_spec(text) RETURNS text
    AS 'MODULE_PATHNAME', 'corm_parse_load_spec_sql' LANGUAGE C IMMUTABLE;
