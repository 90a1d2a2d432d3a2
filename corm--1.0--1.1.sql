/* corm--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION corm UPDATE TO '1.1'" to load this file. \quit

-- corm 1.1.  CREATE EXTENSION corm installs 1.1 as corm--1.0.sql followed by
-- this script (there is no corm--1.1.sql), so a fresh 1.1 and a 1.0 updated
-- with ALTER EXTENSION corm UPDATE are built by the same SQL: keep it that way,
-- and put every SQL change of 1.1 here.
--
-- What 1.1 adds at the SQL level: nothing yet (the 1.1 changes so far are in
-- the C library only).  test/t/upgrade checks that an updated 1.0 and a fresh
-- 1.1 have the same member objects and definitions and load the same graphs.
