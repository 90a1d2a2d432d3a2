-- corm sample schema: reused by the demo, the tests and the benchmarks.
-- Every relationship kind corm knows has an example here:
--   authors -> books -> reviews      one-to-many chains (books.author, reviews.book: many-to-one)
--   books -> publishers              many-to-one
--   books <-> tags                   many-to-many through the association table book_tags
--   users -> profiles                one-to-one (profiles.user_id is UNIQUE)
--   students <-> courses             many-to-many through student_courses
--   students -> enrollments -> courses  association object carrying a grade
--   categories -> categories         self-referential tree (adjacency list)
--   users <-> users                  self-referential many-to-many through follows
CREATE TABLE publishers (
    id      serial PRIMARY KEY,
    name    text NOT NULL
);
CREATE TABLE authors (
    id      serial PRIMARY KEY,
    name    text NOT NULL,
    born    date
);
CREATE TABLE books (
    id           serial PRIMARY KEY,
    title        text NOT NULL,
    author_id    int NOT NULL REFERENCES authors (id),
    publisher_id int REFERENCES publishers (id),
    published    date,
    price        numeric(8,2)
);
CREATE TABLE reviews (
    id      serial PRIMARY KEY,
    book_id int NOT NULL REFERENCES books (id),
    rating  int CHECK (rating BETWEEN 1 AND 5),
    body    text
);
CREATE TABLE tags (
    id      serial PRIMARY KEY,
    name    text NOT NULL UNIQUE
);
CREATE TABLE book_tags (
    book_id int NOT NULL REFERENCES books (id),
    tag_id  int NOT NULL REFERENCES tags (id),
    PRIMARY KEY (book_id, tag_id)
);

CREATE TABLE users (
    id      serial PRIMARY KEY,
    login   text NOT NULL UNIQUE
);
CREATE TABLE profiles (
    id      serial PRIMARY KEY,
    user_id int NOT NULL UNIQUE REFERENCES users (id),
    bio     text
);
CREATE TABLE follows (
    follower_id int NOT NULL REFERENCES users (id),
    followed_id int NOT NULL REFERENCES users (id),
    PRIMARY KEY (follower_id, followed_id)
);

CREATE TABLE students (
    id      serial PRIMARY KEY,
    name    text NOT NULL
);
CREATE TABLE courses (
    id      serial PRIMARY KEY,
    title   text NOT NULL
);
CREATE TABLE student_courses (
    student_id int NOT NULL REFERENCES students (id),
    course_id  int NOT NULL REFERENCES courses (id),
    PRIMARY KEY (student_id, course_id)
);
CREATE TABLE enrollments (
    student_id int NOT NULL REFERENCES students (id),
    course_id  int NOT NULL REFERENCES courses (id),
    grade      numeric(3,1),
    PRIMARY KEY (student_id, course_id)
);

CREATE TABLE categories (
    id        serial PRIMARY KEY,
    parent_id int REFERENCES categories (id),
    name      text NOT NULL
);
