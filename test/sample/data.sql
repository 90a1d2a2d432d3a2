-- A few rows for the sample schema: small enough to read a whole graph.
INSERT INTO publishers (name) VALUES ('Penguin'), ('Faber');
INSERT INTO authors (name, born) VALUES
    ('Ursula K. Le Guin', '1929-10-21'), ('Italo Calvino', '1923-10-15'), ('Anonymous', NULL);
INSERT INTO books (title, author_id, publisher_id, published, price) VALUES
    ('A Wizard of Earthsea', 1, 1, '1968-01-01', 9.99),
    ('The Dispossessed', 1, 2, '1974-05-01', 12.50),
    ('Invisible Cities', 2, 1, '1972-11-01', 11.00),
    ('If on a winter''s night a traveler', 2, NULL, '1979-06-01', NULL);
INSERT INTO reviews (book_id, rating, body) VALUES
    (1, 5, 'A classic.'), (1, 4, 'Dragons, done right.'), (3, 5, 'Dreamlike'), (2, 3, NULL);
INSERT INTO tags (name) VALUES ('fantasy'), ('science fiction'), ('literary');
INSERT INTO book_tags VALUES (1, 1), (2, 2), (3, 3), (4, 3), (2, 3);

INSERT INTO users (login) VALUES ('ada'), ('grace'), ('linus');
INSERT INTO profiles (user_id, bio) VALUES (1, 'Analytical engines'), (2, 'COBOL, debugging');
INSERT INTO follows VALUES (1, 2), (2, 1), (3, 1);

INSERT INTO students (name) VALUES ('Alice'), ('Bob');
INSERT INTO courses (title) VALUES ('Databases'), ('Compilers'), ('Topology');
INSERT INTO student_courses VALUES (1, 1), (1, 2), (2, 1);
INSERT INTO enrollments VALUES (1, 1, 4.0), (1, 2, 3.5), (2, 3, NULL);

INSERT INTO categories (parent_id, name) VALUES
    (NULL, 'Books'), (1, 'Fiction'), (1, 'Non-fiction'), (2, 'Fantasy'), (2, 'Poetry'), (4, 'Epic');
