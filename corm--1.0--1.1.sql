/* corm--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION corm UPDATE TO '1.1'" to load this file. \quit

-- corm 1.1.  CREATE EXTENSION corm installs 1.1 as corm--1.0.sql followed by
-- this script (there is no corm--1.1.sql), so a fresh 1.1 and a 1.0 updated
-- with ALTER EXTENSION corm UPDATE are built by the same SQL: keep it that way,
-- and put every SQL change of 1.1 here.
--
-- test/t/upgrade checks that an updated 1.0 and a fresh 1.1 have the same
-- member objects and definitions and load the same graphs.

--
-- Loading with options: the jsonb load spec (README, "Loading with options").
-- A string literal for load still means the text spec (PostgreSQL prefers
-- text for an unknown-typed literal): the jsonb form is chosen by a jsonb
-- argument, e.g. '{"books": {"limit": 3}}'::jsonb.
--
CREATE FUNCTION corm_load(root regclass, load jsonb, "where" text DEFAULT NULL,
                          order_by text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                          "offset" bigint DEFAULT NULL) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_load_jsonb' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_load(regclass, jsonb, text, text, bigint, bigint) IS
    'load root rows and the relationships of a jsonb load spec (with per-relationship options) as one JSON array';

CREATE FUNCTION corm_get(root regclass, id anyelement, load jsonb) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_get_jsonb' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_get(regclass, anyelement, jsonb) IS
    'load one object by primary key, with a jsonb load spec';

CREATE FUNCTION corm_get(root regclass, id jsonb, load jsonb) RETURNS json
    AS 'MODULE_PATHNAME', 'corm_get_composite_jsonb' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_get(regclass, jsonb, jsonb) IS
    'load one object by a composite primary key given as a JSON object, with a jsonb load spec';

CREATE FUNCTION corm_explain(root regclass, load jsonb, "where" text DEFAULT NULL,
                             order_by text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                             "offset" bigint DEFAULT NULL)
    RETURNS TABLE (step int, relationship text, strategy text, statement text, "rows" bigint)
    AS 'MODULE_PATHNAME', 'corm_explain_jsonb' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_explain(regclass, jsonb, text, text, bigint, bigint) IS
    'run a load with a jsonb load spec and list every statement it executed';

--
-- corm_load_rows: corm_load's objects one per row, loaded a batch of roots at
-- a time, so memory is bounded by a batch rather than by the result.
--
CREATE FUNCTION corm_load_rows(root regclass, load text DEFAULT NULL, "where" text DEFAULT NULL,
                               order_by text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                               "offset" bigint DEFAULT NULL) RETURNS SETOF json
    AS 'MODULE_PATHNAME', 'corm_load_rows' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_load_rows(regclass, text, text, text, bigint, bigint) IS
    'the objects corm_load returns, one per row, loaded a batch of roots at a time';

CREATE FUNCTION corm_load_rows(root regclass, load jsonb, "where" text DEFAULT NULL,
                               order_by text DEFAULT NULL, "limit" bigint DEFAULT NULL,
                               "offset" bigint DEFAULT NULL) RETURNS SETOF json
    AS 'MODULE_PATHNAME', 'corm_load_rows_jsonb' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_load_rows(regclass, jsonb, text, text, bigint, bigint) IS
    'the objects corm_load returns for a jsonb load spec, one per row, a batch of roots at a time';

--
-- corm_automap: relationships for the foreign keys of a schema, named by
-- SQLAlchemy automap-like rules (README, "Automap").
--
CREATE FUNCTION corm_automap(schema regnamespace DEFAULT 'public', dry_run boolean DEFAULT false)
    RETURNS TABLE (parent regclass, name text, target regclass, direction text, action text)
    AS 'MODULE_PATHNAME', 'corm_automap' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_automap(regnamespace, boolean) IS
    'register a relationship pair for every foreign key of a schema that has none (dry_run: only report)';

--
-- corm_typescript: TypeScript declarations of what corm_load returns for a
-- root and a load spec (README, "TypeScript types").
--
CREATE FUNCTION corm_typescript(root regclass, load text DEFAULT NULL) RETURNS text
    AS 'MODULE_PATHNAME', 'corm_typescript' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_typescript(regclass, text) IS
    'TypeScript declarations of the JSON corm_load(root, load) returns';

CREATE FUNCTION corm_typescript(root regclass, load jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'corm_typescript_jsonb' LANGUAGE C STABLE;
COMMENT ON FUNCTION corm_typescript(regclass, jsonb) IS
    'TypeScript declarations of the JSON corm_load(root, load) returns for a jsonb load spec';

--
-- corm_diagram: the registered relationships as a Mermaid erDiagram or a
-- Graphviz DOT graph (README, "Diagrams").
--
CREATE FUNCTION corm_diagram(format text DEFAULT 'mermaid') RETURNS text
    AS 'MODULE_PATHNAME', 'corm_diagram' LANGUAGE C STRICT STABLE;
COMMENT ON FUNCTION corm_diagram(text) IS
    'the registered relationships and association proxies as a Mermaid erDiagram (''mermaid'') or a Graphviz graph (''dot'')';

--
-- Tables past one machine (docs/scaling.md): a partitioned table whose
-- partitions are foreign tables (postgres_fdw shards) cannot have a primary
-- key, which corm identifies and orders rows by.  Its owner declares the
-- key instead (SQLAlchemy's mapper primary_key), and the shards enforce it.
--
CREATE TABLE corm.primary_key (
    relid   regclass PRIMARY KEY,
    columns corm.attref[] NOT NULL      -- the key, in order
);
COMMENT ON TABLE corm.primary_key IS
    'declared keys of tables that cannot have a primary key (partitioned tables with foreign partitions)';
SELECT pg_catalog.pg_extension_config_dump('corm.primary_key', '');
REVOKE ALL ON corm.primary_key FROM PUBLIC;
GRANT SELECT ON corm.primary_key TO PUBLIC;
CREATE TRIGGER corm_primary_key_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON corm.primary_key
    FOR EACH STATEMENT EXECUTE FUNCTION corm.catalog_changed();

CREATE FUNCTION corm_primary_key(tab regclass, columns text[]) RETURNS void
    AS 'MODULE_PATHNAME', 'corm_primary_key' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION corm_primary_key(regclass, text[]) IS
    'declare the key of a partitioned table with foreign partitions, which cannot have a primary key (NULL columns: remove it)';

-- A foreign table attached as a partition (ALTER TABLE ... ATTACH PARTITION,
-- CREATE FOREIGN TABLE ... PARTITION OF) changes which cascade triggers its
-- partitioned ancestors can have: ddl_command_end sees both.
DROP EVENT TRIGGER corm_ddl_command_end;
CREATE EVENT TRIGGER corm_ddl_command_end ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'CREATE FOREIGN TABLE')
    EXECUTE FUNCTION corm.ddl_command_end();
