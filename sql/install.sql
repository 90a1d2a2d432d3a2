-- CREATE EXTENSION / DROP EXTENSION in a fresh database, and what they create.
CREATE EXTENSION corm;

-- the catalog in schema corm, the functions in the extension's schema (public)
SELECT pg_describe_object(classid, objid, 0) AS object
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'corm')
  AND deptype = 'e'
ORDER BY 1;

-- the catalog tables are dumped by pg_dump
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'corm';

-- the catalog starts empty
SELECT count(*) FROM corm.relationships;

-- dropping and creating again leaves nothing behind
DROP EXTENSION corm;
SELECT count(*) FROM pg_namespace WHERE nspname = 'corm';
SELECT count(*) FROM pg_event_trigger;
SELECT count(*) FROM pg_proc WHERE proname LIKE 'corm%';
CREATE EXTENSION corm;

-- CREATE EXTENSION ... SCHEMA puts the functions there, the catalog stays in corm
DROP EXTENSION corm;
CREATE SCHEMA ext;
CREATE EXTENSION corm SCHEMA ext;
SELECT proname, pronamespace::regnamespace FROM pg_proc
WHERE proname LIKE 'corm\_%' ORDER BY 1;
DROP EXTENSION corm;
DROP SCHEMA ext;
CREATE EXTENSION corm;
