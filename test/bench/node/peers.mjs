// The ORM peers of the loading benchmark: Prisma 7 (relationLoadStrategy
// "join" and "query") and Drizzle ORM's relational queries, loading W1-W4 of
// test/bench/bench.py, which starts this script and drives it.
//
// Protocol, one request per line on stdin (JSON):
//   {"peer": "prisma join", "wl": "W1" | "W2" | "W3" | "W4",
//    "ids": [..] (W2), "lo": .., "hi": .. (W3, W4), "json": true | false}
// answered on stdout by one line {"ms": <client wall time of the call(s)>,
// "bytes": N} followed, when "json" was asked, by N bytes of the result as
// JSON in corm's shape and a newline ({"error": ".."} on failure).  The first
// line written, before any request, describes the peers and their versions.
//
// "ms" covers the ORM call until its result is materialized as JS objects
// (for W2: the calls for all the ids, one after the other); the conversion to
// corm's shape (tags out of book_tags, Date / Decimal to text / number) and
// JSON.stringify come after it and are not timed.
// The connection comes from PGHOST (the socket directory), PGPORT, PGUSER,
// PGDATABASE; Prisma (both strategies) and Drizzle use one connection each,
// kept open throughout.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { asc, between, desc, eq, sql } from "drizzle-orm";

import { PrismaClient } from "./generated/prisma/client.js";
import * as schema from "./drizzle-schema.mjs";

const version = (pkg) =>
  JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url))).version;

// ---------------------------------------------------------------- Prisma

const prisma = new PrismaClient({ adapter: new PrismaPg({ max: 1, idleTimeoutMillis: 0 }) });

const PRISMA_BOOK = { include: { reviews: true, publisher: true, book_tags: { select: { tag: true } } } };
const PRISMA_AUTHOR = { books: PRISMA_BOOK };

function prismaPeer(strategy) {
  return {
    label: `Prisma ${version("prisma")} (@prisma/adapter-pg, pg ${version("pg")}), relationLoadStrategy "${strategy}": `
      + "include books { reviews, publisher, book_tags { tag } }",
    label4: `Prisma, relationLoadStrategy "${strategy}": include books (orderBy id) { reviews `
      + "(orderBy id desc, take 3), _count { reviews } }, then review.groupBy(book_id) _avg rating "
      + "(a second query: include cannot average)"
      + (strategy === "query" ? "; with \"query\" Prisma reads every review of the books and keeps 3 "
         + "in JS, and counts by grouping the whole reviews table" : ""),
    W1: () => prisma.author.findMany({ relationLoadStrategy: strategy, orderBy: { id: "asc" },
                                       include: PRISMA_AUTHOR }),
    W2: (id) => prisma.author.findUnique({ relationLoadStrategy: strategy, where: { id },
                                           include: PRISMA_AUTHOR }),
    W3: (lo, hi) => prisma.author.findMany({ relationLoadStrategy: strategy,
                                             where: { id: { gte: lo, lte: hi } },
                                             orderBy: { id: "asc" }, include: PRISMA_AUTHOR }),
    W4: async (lo, hi) => {
      const authors = await prisma.author.findMany({
        relationLoadStrategy: strategy,
        where: { id: { gte: lo, lte: hi } },
        orderBy: { id: "asc" },
        include: { books: { orderBy: { id: "asc" }, include: {
          reviews: { orderBy: { id: "desc" }, take: 3 },
          _count: { select: { reviews: true } } } } },
      });
      const avgs = await prisma.review.groupBy({
        by: ["book_id"],
        where: { book_id: { in: authors.flatMap((a) => a.books.map((b) => b.id)) } },
        _avg: { rating: true },
      });
      return { authors, avg: new Map(avgs.map((r) => [r.book_id, r._avg.rating])) };
    },
    shape: prismaShape,
  };
}

const day = (d) => (d == null ? null : d.toISOString().slice(0, 10));    // @db.Date: UTC midnight
const num = (d) => (d == null ? null : d.toNumber());                    // Prisma.Decimal

function prismaShape(wl, r) {
  if (wl === "W4") {
    return r.authors.map((a) => ({ id: a.id, name: a.name, born: day(a.born),
      books: a.books.map((b) => ({
        id: b.id, title: b.title, author_id: b.author_id, publisher_id: b.publisher_id,
        published: day(b.published), price: num(b.price),
        avg_rating: r.avg.get(b.id) ?? null, n_reviews: b._count.reviews,
        reviews: b.reviews.map(review) })) }));
  }
  const author = (a) => ({ id: a.id, name: a.name, born: day(a.born), books: a.books.map((b) => ({
    id: b.id, title: b.title, author_id: b.author_id, publisher_id: b.publisher_id,
    published: day(b.published), price: num(b.price),
    publisher: b.publisher && { id: b.publisher.id, name: b.publisher.name },
    reviews: b.reviews.map(review),
    tags: b.book_tags.map(({ tag }) => ({ id: tag.id, name: tag.name })) })) });
  return wl === "W2" ? r && author(r) : r.map(author);
}

const review = (v) => ({ id: v.id, book_id: v.book_id, rating: v.rating, body: v.body });

// ---------------------------------------------------------------- Drizzle

const client = new pg.Client();
await client.connect();
const db = drizzle({ client, schema });
const { authors, books, reviews } = schema;

const DRIZZLE_AUTHOR = { books: { with: { reviews: true, publisher: true,
                                          book_tags: { columns: {}, with: { tag: true } } } } };

const drizzlePeer = {
  label: `Drizzle ORM ${version("drizzle-orm")} (node-postgres, pg ${version("pg")}), relational queries: `
    + "db.query.authors.findMany({ with: { books: { with: { reviews, publisher, book_tags: { with: { tag } } } } } })",
  label4: "Drizzle ORM relational query: with books (orderBy id) { reviews (orderBy id desc, "
    + "limit 3) }, extras n_reviews = sql`(select count(*) ...)`, "
    + "avg_rating = sql`(select avg(rating) ...)` (no aggregate API in relational queries); one statement",
  W1: () => db.query.authors.findMany({ orderBy: [asc(authors.id)], with: DRIZZLE_AUTHOR }),
  W2: (id) => db.query.authors.findFirst({ where: eq(authors.id, id), with: DRIZZLE_AUTHOR }),
  W3: (lo, hi) => db.query.authors.findMany({ where: between(authors.id, lo, hi),
                                              orderBy: [asc(authors.id)], with: DRIZZLE_AUTHOR }),
  W4: (lo, hi) => db.query.authors.findMany({
    where: between(authors.id, lo, hi),
    orderBy: [asc(authors.id)],
    with: { books: {
      orderBy: [asc(books.id)],
      // extras: SQL computed per book.  The callback's table is the alias the
      // nested query gives books; any other table's columns in an extra are
      // renamed to that alias too (db.$count(reviews, eq(reviews.book_id,
      // b.id)) becomes "authors_books"."book_id" = "authors_books"."id"), so
      // the subqueries name the reviews columns in plain SQL.
      extras: (b) => ({
        avg_rating: sql`(select avg(r.rating) from reviews r where r.book_id = ${b.id})`.as("avg_rating"),
        n_reviews: sql`(select count(*) from reviews r where r.book_id = ${b.id})`.mapWith(Number)
          .as("n_reviews"),
      }),
      with: { reviews: { orderBy: [desc(reviews.id)], limit: 3 } },
    } },
  }),
  shape: drizzleShape,
};

function drizzleShape(wl, r) {
  if (wl === "W4") {
    return r.map((a) => ({ id: a.id, name: a.name, born: a.born, books: a.books.map((b) => ({
      id: b.id, title: b.title, author_id: b.author_id, publisher_id: b.publisher_id,
      published: b.published, price: b.price,
      avg_rating: b.avg_rating == null ? null : Number(b.avg_rating), n_reviews: Number(b.n_reviews),
      reviews: b.reviews.map(review) })) }));
  }
  const author = (a) => ({ id: a.id, name: a.name, born: a.born, books: a.books.map((b) => ({
    id: b.id, title: b.title, author_id: b.author_id, publisher_id: b.publisher_id,
    published: b.published, price: b.price,
    publisher: b.publisher && { id: b.publisher.id, name: b.publisher.name },
    reviews: b.reviews.map(review),
    tags: b.book_tags.map(({ tag }) => ({ id: tag.id, name: tag.name })) })) });
  return wl === "W2" ? (r === undefined ? null : author(r)) : r.map(author);
}

// ---------------------------------------------------------------- driver

const PEERS = { "prisma join": prismaPeer("join"), "prisma query": prismaPeer("query"),
                "drizzle": drizzlePeer };

process.stdout.write(JSON.stringify({
  node: process.version,
  versions: Object.fromEntries(["prisma", "@prisma/client", "@prisma/adapter-pg", "drizzle-orm", "pg"]
    .map((p) => [p, version(p)])),
  peers: Object.entries(PEERS).map(([name, p]) => ({
    name, label: p.label, label4: p.label4,
    workloads: ["W1", "W2", "W3", "W4"].filter((w) => p[w]) })),
}) + "\n");

function write(s) {
  return new Promise((resolve, reject) =>
    process.stdout.write(s, (err) => (err ? reject(err) : resolve())));
}

async function handle(req) {
  const p = PEERS[req.peer];
  if (!p || !p[req.wl]) throw new Error(`no such peer / workload: ${req.peer} ${req.wl}`);
  const f = p[req.wl];
  let r, ms;
  if (req.wl === "W2") {
    const t0 = performance.now();
    for (const id of req.ids) r = await f(id);
    ms = performance.now() - t0;
  } else {
    const t0 = performance.now();
    r = await f(req.lo, req.hi);
    ms = performance.now() - t0;
  }
  if (!req.json) return write(JSON.stringify({ ms, bytes: 0 }) + "\n");
  const text = Buffer.from(JSON.stringify(p.shape(req.wl, r)), "utf8");
  await write(JSON.stringify({ ms, bytes: text.length }) + "\n");
  return write(Buffer.concat([text, Buffer.from("\n")]));
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  try {
    await handle(JSON.parse(line));
  } catch (e) {
    await write(JSON.stringify({ error: String(e && e.stack || e) }) + "\n");
  }
}
await prisma.$disconnect();
await client.end();
