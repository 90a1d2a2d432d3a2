// Drizzle ORM schema of the benchmark tables (test/bench/data/schema.sql) and
// their relations, written by hand.
import { relations } from "drizzle-orm";
import { date, index, integer, numeric, pgTable, primaryKey, serial, text } from "drizzle-orm/pg-core";

export const publishers = pgTable("publishers", {
  id: serial("id").primaryKey(),
  name: text("name"),
});

export const authors = pgTable("authors", {
  id: serial("id").primaryKey(),
  name: text("name"),
  born: date("born"),                       // mode "string": 'YYYY-MM-DD'
});

export const books = pgTable("books", {
  id: serial("id").primaryKey(),
  title: text("title"),
  author_id: integer("author_id").notNull().references(() => authors.id),
  publisher_id: integer("publisher_id").references(() => publishers.id),
  published: date("published"),
  price: numeric("price", { precision: 8, scale: 2, mode: "number" }),
}, (t) => [index("books_author_id_idx").on(t.author_id),
           index("books_publisher_id_idx").on(t.publisher_id)]);

export const reviews = pgTable("reviews", {
  id: serial("id").primaryKey(),
  book_id: integer("book_id").notNull().references(() => books.id),
  rating: integer("rating"),
  body: text("body"),
}, (t) => [index("reviews_book_id_idx").on(t.book_id)]);

export const tags = pgTable("tags", {
  id: serial("id").primaryKey(),
  name: text("name"),
});

export const book_tags = pgTable("book_tags", {
  book_id: integer("book_id").notNull().references(() => books.id),
  tag_id: integer("tag_id").notNull().references(() => tags.id),
}, (t) => [primaryKey({ columns: [t.book_id, t.tag_id] }),
           index("book_tags_tag_id_idx").on(t.tag_id)]);

export const authorsRelations = relations(authors, ({ many }) => ({
  books: many(books),
}));

export const booksRelations = relations(books, ({ one, many }) => ({
  author: one(authors, { fields: [books.author_id], references: [authors.id] }),
  publisher: one(publishers, { fields: [books.publisher_id], references: [publishers.id] }),
  reviews: many(reviews),
  book_tags: many(book_tags),
}));

export const reviewsRelations = relations(reviews, ({ one }) => ({
  book: one(books, { fields: [reviews.book_id], references: [books.id] }),
}));

export const publishersRelations = relations(publishers, ({ many }) => ({
  books: many(books),
}));

export const tagsRelations = relations(tags, ({ many }) => ({
  book_tags: many(book_tags),
}));

export const bookTagsRelations = relations(book_tags, ({ one }) => ({
  book: one(books, { fields: [book_tags.book_id], references: [books.id] }),
  tag: one(tags, { fields: [book_tags.tag_id], references: [tags.id] }),
}));
