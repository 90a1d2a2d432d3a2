-- corm_link / corm_unlink: bulk many-to-many association in one statement.
\set VERBOSITY default
CREATE SCHEMA link_test;
SET search_path = link_test, public;
CREATE TABLE students (id int PRIMARY KEY, name text);
CREATE TABLE courses (id bigint PRIMARY KEY, title text);
CREATE TABLE student_courses (student_id int REFERENCES students, course_id bigint REFERENCES courses,
                              PRIMARY KEY (student_id, course_id));
SELECT corm_relationship('students', 'courses', 'courses', secondary => 'student_courses',
                         backref => 'students');
INSERT INTO students VALUES (1, 'a'), (2, 'b');
INSERT INTO courses SELECT g, 'course ' || g FROM generate_series(1, 2000) g;

-- 1,000 ids at once; duplicates in the input and existing links are skipped
SELECT corm_link('students', 'courses', 1, ARRAY(SELECT generate_series(1, 1000)));
SELECT corm_link('students', 'courses', 1, ARRAY[999, 1000, 1001, 1001, 1002]);
SELECT count(*) FROM student_courses WHERE student_id = 1;
-- from the other side, with other key types
SELECT corm_link('courses', 'students', 5::bigint, ARRAY[1, 2]);
SELECT * FROM student_courses WHERE course_id = 5 ORDER BY 1;
-- unlink: how many existed
SELECT corm_unlink('students', 'courses', 1, ARRAY(SELECT generate_series(1, 500)));
SELECT corm_unlink('students', 'courses', 1, ARRAY[1, 2, 600]);
SELECT count(*) FROM student_courses WHERE student_id = 1;
SELECT corm_load('students', 'courses', "where" => 'id = 2');

-- an id that does not exist: ERROR, and nothing changes
SELECT corm_link('students', 'courses', 1, ARRAY[1, 2, 99999, 99998]);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_link('students', 'courses', 42, ARRAY[1]);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_link('students', 'courses', 1, ARRAY[1, NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM student_courses WHERE student_id = 1;
-- not a many-to-many, unknown, NULL
CREATE TABLE notes (id int PRIMARY KEY, student_id int REFERENCES students);
SELECT corm_relationship('students', 'notes', 'notes');
SELECT corm_link('students', 'notes', 1, ARRAY[1]);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_link('students', 'nope', 1, ARRAY[1]);
\echo :LAST_ERROR_SQLSTATE
SELECT corm_link('students', 'courses', NULL::int, ARRAY[1]);
\echo :LAST_ERROR_SQLSTATE
-- the caller's privileges apply
CREATE ROLE corm_linker;
GRANT USAGE ON SCHEMA link_test TO corm_linker;
GRANT SELECT ON students, courses, student_courses TO corm_linker;
SET ROLE corm_linker;
SELECT corm_link('students', 'courses', 2, ARRAY[7]);
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
REVOKE ALL ON students, courses, student_courses FROM corm_linker;
REVOKE ALL ON SCHEMA link_test FROM corm_linker;
DROP ROLE corm_linker;
