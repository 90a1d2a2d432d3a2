-- Relationships of the sample schema, as an application would declare them once.
-- The SQLAlchemy models in test/sqlalchemy/models.py declare the same ones.
SELECT corm_relationship('authors', 'books', 'books', backref => 'author',
                         cascade => 'all, delete-orphan', order_by => 'published, id');
SELECT corm_relationship('books', 'reviews', 'reviews', backref => 'book',
                         cascade => 'all, delete-orphan');
SELECT corm_relationship('books', 'publisher', 'publishers', backref => 'books');
SELECT corm_relationship('books', 'tags', 'tags', secondary => 'book_tags', backref => 'books',
                         order_by => 'name');

SELECT corm_relationship('users', 'profile', 'profiles', uselist => false, backref => 'user',
                         cascade => 'all, delete-orphan');
SELECT corm_relationship('users', 'following', 'users', secondary => 'follows',
                         foreign_key => 'follows_follower_id_fkey',
                         secondary_foreign_key => 'follows_followed_id_fkey',
                         backref => 'followers');

SELECT corm_relationship('students', 'courses', 'courses', secondary => 'student_courses',
                         backref => 'students');
SELECT corm_relationship('students', 'enrollments', 'enrollments', back_populates => 'student',
                         cascade => 'all, delete-orphan');
SELECT corm_relationship('enrollments', 'student', 'students', back_populates => 'enrollments');
SELECT corm_relationship('enrollments', 'course', 'courses', backref => 'enrollments');
SELECT corm_association_proxy('students', 'enrolled_courses', 'enrollments', 'course');
SELECT corm_association_proxy('students', 'grades', 'enrollments', 'grade');

SELECT corm_relationship('categories', 'children', 'categories', backref => 'parent',
                         cascade => 'all, delete-orphan', order_by => 'name', join_depth => 3);
