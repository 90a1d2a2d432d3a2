-- corm_save / corm_merge: nested graphs written in one call.
\set VERBOSITY default
CREATE SCHEMA save_test;
SET search_path = save_test, public;
\i test/sample/schema.sql
\i test/sample/relationships.sql
\i test/sample/data.sql
\pset format unaligned
\pset tuples_only on

-- an author with books with reviews, a new publisher, existing and new tags:
-- many-to-one saved first, keys filled from parents, generated keys and defaults returned
SELECT corm_save('authors', '{"name": "Octavia E. Butler", "born": "1947-06-22",
  "books": [{"title": "Kindred", "price": "9.5", "publisher": {"name": "Doubleday"},
             "reviews": [{"rating": 5, "body": "unforgettable"}],
             "tags": [{"id": 2}, {"name": "classic"}]},
            {"title": "Dawn"}]}');
SELECT * FROM book_tags ORDER BY 1, 2;
-- an array of students with association objects pointing at existing and new courses
SELECT corm_save('students', '[{"name": "Carol", "enrollments": [{"course_id": 1, "grade": 2.5},
                                                              {"course": {"title": "Art"}, "grade": 3}]},
                               {"name": "Dan"}]');
-- an existing primary key is updated, given columns only
SELECT corm_save('authors', '{"id": 3, "born": "1900-01-01"}');
-- a one-to-one, and a self-referential tree
SELECT corm_save('users', '{"login": "margaret", "profile": {"bio": "Apollo"}}');
SELECT corm_save('categories', '{"name": "Music", "children": [{"name": "Jazz", "children": [{"name": "Bebop"}]}]}');

-- merge: a collection given replaces the stored one
SELECT corm_load('authors', 'books', "where" => 'id = 2');
SELECT corm_merge('authors', '{"id": 2, "books": [{"id": 3, "title": "Invisible Cities (new ed.)"}]}');
SELECT id, title, author_id FROM books WHERE author_id = 2 OR id = 4 ORDER BY id;   -- book 4: delete-orphan
SELECT corm_merge('books', '{"id": 3, "tags": [{"id": 1}, {"id": 2}]}');
-- absent keys and absent collections are left alone
SELECT corm_merge('books', '{"id": 3, "price": 12}');
SELECT corm_load('books', 'tags', "where" => 'id = 3');
-- de-associating nullable children (publishers.books) sets their key NULL
SELECT corm_relationship('publishers', 'merge_books', 'books', foreign_key => 'books_publisher_id_fkey',
                         cascade => 'merge');
SELECT corm_merge('publishers', '{"id": 1, "merge_books": []}');
SELECT id, publisher_id FROM books ORDER BY id;
-- a merge of a new object inserts it
SELECT corm_merge('tags', '{"name": "merged"}');

-- errors: nothing written
CREATE TEMP TABLE counts AS
  SELECT (SELECT count(*) FROM authors) a, (SELECT count(*) FROM books) b,
         (SELECT count(*) FROM reviews) r, (SELECT count(*) FROM publishers) p;
\pset tuples_only off
SELECT corm_save('authors', '{"name": "x", "books": [{"title": "y", "nope": 1}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_save('authors', '{"name": "x", "books": [{"title": "y", "price": "cheap"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_save('authors', '{"name": "x", "books": {"title": "y"}}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_save('books', '{"title": "y", "author_id": 1, "publisher": [1]}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_save('authors', '{"name": null}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_save('authors', '[1, 2]');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_save('authors', '"x"');
\echo :LAST_ERROR_SQLSTATE
-- a relationship without save-update (or merge) cascade
SELECT corm_relationship('authors', 'read_only_books', 'books', cascade => 'none');
SELECT corm_save('authors', '{"name": "x", "read_only_books": [{"title": "y"}]}');
\echo :LAST_ERROR_SQLSTATE
SELECT corm_merge('authors', '{"id": 3, "read_only_books": []}');
\echo :LAST_ERROR_SQLSTATE
-- association proxies are read-only
SELECT corm_save('students', '{"name": "x", "grades": [1]}');
\echo :LAST_ERROR_SQLSTATE
SELECT (SELECT count(*) FROM authors) a, (SELECT count(*) FROM books) b,
       (SELECT count(*) FROM reviews) r, (SELECT count(*) FROM publishers) p
EXCEPT SELECT * FROM counts;
-- the caller's privileges apply
CREATE ROLE corm_saver;
GRANT USAGE ON SCHEMA save_test TO corm_saver;
GRANT SELECT, INSERT ON authors TO corm_saver;
GRANT USAGE ON SEQUENCE authors_id_seq TO corm_saver;
SET ROLE corm_saver;
SELECT corm_save('authors', '{"name": "allowed"}') IS NOT NULL AS saved;
SELECT corm_save('authors', '{"name": "not allowed", "books": [{"title": "y"}]}');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT count(*) FROM authors WHERE name LIKE '%allowed';
REVOKE ALL ON authors, authors_id_seq FROM corm_saver;
REVOKE ALL ON SCHEMA save_test FROM corm_saver;
DROP ROLE corm_saver;
