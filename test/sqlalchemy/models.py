"""SQLAlchemy 1.4 declarative models of corm's sample schema.

They mirror test/sample/schema.sql (tables, columns, keys) and declare the
same relationships and association proxies as test/sample/relationships.sql,
the way an application using SQLAlchemy would.  test/t/sqlalchemy_inference
configures these mappers and checks that corm.relationships holds what
SQLAlchemy inferred: direction, join columns, secondary, uselist, cascade,
order_by, join_depth and the backref / back_populates pairing.

Written for Debian 12's python3-sqlalchemy (1.4); nothing here needs a
database connection.
"""
from sqlalchemy import (CheckConstraint, Column, Date, ForeignKey, Integer,
                        Numeric, Table, Text)
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import backref, declarative_base, relationship

Base = declarative_base()
metadata = Base.metadata


# -- authors -> books -> reviews, books -> publishers, books <-> tags --------

class Publisher(Base):
    __tablename__ = "publishers"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    # books: backref of Book.publisher


class Author(Base):
    __tablename__ = "authors"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    born = Column(Date)

    # corm_relationship('authors', 'books', 'books', backref => 'author',
    #                   cascade => 'all, delete-orphan', order_by => 'published, id')
    books = relationship("Book", backref="author", cascade="all, delete-orphan",
                         order_by="[Book.published, Book.id]")


book_tags = Table(
    "book_tags", metadata,
    Column("book_id", Integer, ForeignKey("books.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id"), primary_key=True),
)


class Book(Base):
    __tablename__ = "books"
    id = Column(Integer, primary_key=True)
    title = Column(Text, nullable=False)
    author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)
    publisher_id = Column(Integer, ForeignKey("publishers.id"))
    published = Column(Date)
    price = Column(Numeric(8, 2))

    # corm_relationship('books', 'reviews', 'reviews', backref => 'book',
    #                   cascade => 'all, delete-orphan')
    reviews = relationship("Review", backref="book", cascade="all, delete-orphan")
    # corm_relationship('books', 'publisher', 'publishers', backref => 'books')
    publisher = relationship("Publisher", backref="books")
    # corm_relationship('books', 'tags', 'tags', secondary => 'book_tags',
    #                   backref => 'books', order_by => 'name')
    tags = relationship("Tag", secondary=book_tags, backref="books", order_by="Tag.name")


class Review(Base):
    __tablename__ = "reviews"
    id = Column(Integer, primary_key=True)
    book_id = Column(Integer, ForeignKey("books.id"), nullable=False)
    rating = Column(Integer, CheckConstraint("rating BETWEEN 1 AND 5"))
    body = Column(Text)
    # book: backref of Book.reviews


class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False, unique=True)
    # books: backref of Book.tags


# -- users -> profiles (one-to-one), users <-> users through follows ----------

follows = Table(
    "follows", metadata,
    Column("follower_id", Integer, ForeignKey("users.id"), primary_key=True),
    Column("followed_id", Integer, ForeignKey("users.id"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    login = Column(Text, nullable=False, unique=True)

    # corm_relationship('users', 'profile', 'profiles', uselist => false,
    #                   backref => 'user', cascade => 'all, delete-orphan')
    profile = relationship("Profile", uselist=False, backref="user",
                           cascade="all, delete-orphan")
    # corm_relationship('users', 'following', 'users', secondary => 'follows',
    #                   foreign_key => 'follows_follower_id_fkey',
    #                   secondary_foreign_key => 'follows_followed_id_fkey',
    #                   backref => 'followers')
    # Two foreign keys from follows to users: SQLAlchemy, like corm, needs to
    # be told which one joins the parent (primaryjoin) and which the target
    # (secondaryjoin).
    following = relationship(
        "User", secondary=follows,
        primaryjoin=lambda: User.id == follows.c.follower_id,
        secondaryjoin=lambda: User.id == follows.c.followed_id,
        backref="followers")


class Profile(Base):
    __tablename__ = "profiles"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False, unique=True)
    bio = Column(Text)
    # user: backref of User.profile


# -- students <-> courses, and the association object enrollments -------------

student_courses = Table(
    "student_courses", metadata,
    Column("student_id", Integer, ForeignKey("students.id"), primary_key=True),
    Column("course_id", Integer, ForeignKey("courses.id"), primary_key=True),
)


class Student(Base):
    __tablename__ = "students"
    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)

    # corm_relationship('students', 'courses', 'courses',
    #                   secondary => 'student_courses', backref => 'students')
    courses = relationship("Course", secondary=student_courses, backref="students")
    # corm_relationship('students', 'enrollments', 'enrollments',
    #                   back_populates => 'student', cascade => 'all, delete-orphan')
    enrollments = relationship("Enrollment", back_populates="student",
                               cascade="all, delete-orphan")

    # corm_association_proxy('students', 'enrolled_courses', 'enrollments', 'course')
    enrolled_courses = association_proxy("enrollments", "course")
    # corm_association_proxy('students', 'grades', 'enrollments', 'grade')
    grades = association_proxy("enrollments", "grade")


class Course(Base):
    __tablename__ = "courses"
    id = Column(Integer, primary_key=True)
    title = Column(Text, nullable=False)
    # students: backref of Student.courses; enrollments: backref of Enrollment.course


class Enrollment(Base):
    __tablename__ = "enrollments"
    student_id = Column(Integer, ForeignKey("students.id"), primary_key=True)
    course_id = Column(Integer, ForeignKey("courses.id"), primary_key=True)
    grade = Column(Numeric(3, 1))

    # corm_relationship('enrollments', 'student', 'students', back_populates => 'enrollments')
    student = relationship("Student", back_populates="enrollments")
    # corm_relationship('enrollments', 'course', 'courses', backref => 'enrollments')
    course = relationship("Course", backref="enrollments")


# -- categories: self-referential tree (adjacency list) ------------------------

class Category(Base):
    __tablename__ = "categories"
    id = Column(Integer, primary_key=True)
    parent_id = Column(Integer, ForeignKey("categories.id"))
    name = Column(Text, nullable=False)

    # corm_relationship('categories', 'children', 'categories', backref => 'parent',
    #                   cascade => 'all, delete-orphan', order_by => 'name', join_depth => 3)
    # The backref is the many-to-one side of the tree: remote_side is the
    # primary key, as in SQLAlchemy's adjacency-list example.
    children = relationship("Category", backref=backref("parent", remote_side=[id]),
                            cascade="all, delete-orphan", order_by="Category.name",
                            join_depth=3)
