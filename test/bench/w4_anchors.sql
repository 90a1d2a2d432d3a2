-- Hand-written SQL for workload W4 (test/bench/bench.py): the 100 authors :lo..:hi, their books
-- (by id), each book's 3 most recent reviews, the number of reviews per book and the average
-- rating.  The reviews table has no timestamp: "most recent" = highest review id (id DESC).
-- Each block returns the JSON text corm_load returns for the W4 spec, up to whitespace: author
-- columns then "books"; book columns in table order, then "avg_rating" (avg(rating) as to_json
-- renders the numeric), "n_reviews" (an integer, 0 when none), "reviews" (id DESC, at most 3).
-- bench.py parses the blocks by their `-- name: X` lines and binds :lo / :hi as parameters;
-- a block added here becomes a W4 contender.

-- name: lateral   (LEFT JOIN LATERAL: top 3 by ORDER BY id DESC LIMIT 3, count / avg per book)
SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'born', a.born,
                                           'books', coalesce(bk.books, '[]'))
                         ORDER BY a.id), '[]')::text
FROM authors a
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('id', b.id, 'title', b.title, 'author_id', b.author_id,
                    'publisher_id', b.publisher_id, 'published', b.published, 'price', b.price,
                    'avg_rating', st.avg_rating, 'n_reviews', st.n_reviews,
                    'reviews', coalesce(rv.reviews, '[]'))
                  ORDER BY b.id) AS books
  FROM books b
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('id', r.id, 'book_id', r.book_id, 'rating', r.rating,
                                      'body', r.body) ORDER BY r.id DESC) AS reviews
    FROM (SELECT * FROM reviews r WHERE r.book_id = b.id ORDER BY r.id DESC LIMIT 3) r
  ) rv ON true
  CROSS JOIN LATERAL (
    SELECT count(*) AS n_reviews, avg(r.rating) AS avg_rating
    FROM reviews r WHERE r.book_id = b.id
  ) st
  WHERE b.author_id = a.id
) bk ON true
WHERE a.id BETWEEN :lo AND :hi;

-- name: lateral_grouped   (books by GROUP BY; top 3 by LATERAL ... LIMIT 3; counts / averages by one GROUP BY, hash-joined)
SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'born', a.born,
                                           'books', coalesce(bj.books, '[]'))
                         ORDER BY a.id), '[]')::text
FROM authors a
LEFT JOIN (
  SELECT b.author_id,
         json_agg(json_build_object('id', b.id, 'title', b.title, 'author_id', b.author_id,
                    'publisher_id', b.publisher_id, 'published', b.published, 'price', b.price,
                    'avg_rating', st.avg_rating, 'n_reviews', coalesce(st.n_reviews, 0),
                    'reviews', coalesce(rv.reviews, '[]'))
                  ORDER BY b.id) AS books
  FROM books b
  LEFT JOIN (
    SELECT r.book_id, count(*) AS n_reviews, avg(r.rating) AS avg_rating
    FROM reviews r JOIN books b2 ON b2.id = r.book_id
    WHERE b2.author_id BETWEEN :lo AND :hi
    GROUP BY r.book_id
  ) st ON st.book_id = b.id
  LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object('id', r.id, 'book_id', r.book_id, 'rating', r.rating,
                                      'body', r.body) ORDER BY r.id DESC) AS reviews
    FROM (SELECT * FROM reviews r WHERE r.book_id = b.id ORDER BY r.id DESC LIMIT 3) r
  ) rv ON true
  WHERE b.author_id BETWEEN :lo AND :hi
  GROUP BY b.author_id
) bj ON bj.author_id = a.id
WHERE a.id BETWEEN :lo AND :hi;

-- name: window   (one pass over the reviews: row_number(), count(*) and avg() over one window PARTITION BY book_id)
SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'born', a.born,
                                           'books', coalesce(bj.books, '[]'))
                         ORDER BY a.id), '[]')::text
FROM authors a
LEFT JOIN (
  SELECT b.author_id,
         json_agg(json_build_object('id', b.id, 'title', b.title, 'author_id', b.author_id,
                    'publisher_id', b.publisher_id, 'published', b.published, 'price', b.price,
                    'avg_rating', rv.avg_rating, 'n_reviews', coalesce(rv.n_reviews, 0),
                    'reviews', coalesce(rv.reviews, '[]'))
                  ORDER BY b.id) AS books
  FROM books b
  LEFT JOIN (
    SELECT w.book_id, w.n_reviews, w.avg_rating,
           json_agg(json_build_object('id', w.id, 'book_id', w.book_id, 'rating', w.rating,
                                      'body', w.body) ORDER BY w.id DESC) AS reviews
    FROM (
      SELECT r.id, r.book_id, r.rating, r.body,
             row_number() OVER w AS rn, count(*) OVER p AS n_reviews, avg(r.rating) OVER p AS avg_rating
      FROM reviews r JOIN books b2 ON b2.id = r.book_id
      WHERE b2.author_id BETWEEN :lo AND :hi
      WINDOW p AS (PARTITION BY r.book_id),
             w AS (p ORDER BY r.id DESC)
    ) w
    WHERE w.rn <= 3
    GROUP BY w.book_id, w.n_reviews, w.avg_rating
  ) rv ON rv.book_id = b.id
  WHERE b.author_id BETWEEN :lo AND :hi
  GROUP BY b.author_id
) bj ON bj.author_id = a.id
WHERE a.id BETWEEN :lo AND :hi;

-- name: lateral_once   (one LATERAL per book reading its reviews once: row_number() for the top 3, count(*) and avg() beside it)
SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'born', a.born,
                                           'books', coalesce(bk.books, '[]'))
                         ORDER BY a.id), '[]')::text
FROM authors a
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('id', b.id, 'title', b.title, 'author_id', b.author_id,
                    'publisher_id', b.publisher_id, 'published', b.published, 'price', b.price,
                    'avg_rating', rv.avg_rating, 'n_reviews', rv.n_reviews,
                    'reviews', coalesce(rv.reviews, '[]'))
                  ORDER BY b.id) AS books
  FROM books b
  CROSS JOIN LATERAL (
    SELECT count(*) AS n_reviews, avg(r.rating) AS avg_rating,
           json_agg(to_json(r.review) ORDER BY r.id DESC) FILTER (WHERE r.rn <= 3) AS reviews
    FROM (SELECT r AS review, r.id, r.rating, row_number() OVER (ORDER BY r.id DESC) AS rn
          FROM reviews r WHERE r.book_id = b.id) r
  ) rv
  WHERE b.author_id = a.id
) bk ON true
WHERE a.id BETWEEN :lo AND :hi;

-- name: lateral_slice   (one LATERAL per book reading its reviews once: array_agg(r ORDER BY id DESC) sliced [1:3], count(*) and avg() beside it)
SELECT coalesce(json_agg(json_build_object('id', a.id, 'name', a.name, 'born', a.born,
                                           'books', coalesce(bk.books, '[]'))
                         ORDER BY a.id), '[]')::text
FROM authors a
LEFT JOIN LATERAL (
  SELECT json_agg(json_build_object('id', b.id, 'title', b.title, 'author_id', b.author_id,
                    'publisher_id', b.publisher_id, 'published', b.published, 'price', b.price,
                    'avg_rating', rv.avg_rating, 'n_reviews', rv.n_reviews,
                    'reviews', coalesce(rv.reviews, '[]'))
                  ORDER BY b.id) AS books
  FROM books b
  CROSS JOIN LATERAL (
    SELECT count(*) AS n_reviews, avg(r.rating) AS avg_rating,
           array_to_json((array_agg(r ORDER BY r.id DESC))[1:3]) AS reviews
    FROM reviews r WHERE r.book_id = b.id
  ) rv
  WHERE b.author_id = a.id
) bk ON true
WHERE a.id BETWEEN :lo AND :hi;
