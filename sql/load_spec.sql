-- The load spec parser alone (no tables needed): corm.parse_load_spec()
-- returns the merged tree as canonical text, or the parser's ERROR.
\set VERBOSITY default

-- nothing to load
SELECT corm.parse_load_spec(NULL) IS NULL AS null_in_null_out;
SELECT corm.parse_load_spec('') AS empty, corm.parse_load_spec(E'  \t\n ') AS blank;

-- single names, paths, every strategy
SELECT corm.parse_load_spec('books');
SELECT corm.parse_load_spec('books.reviews.author');
SELECT corm.parse_load_spec('a:select, b:joined, c:subquery, d:selectin, e:noload');
SELECT corm.parse_load_spec('_x, x_1, X9, élan, 書籍.著者:joined');
SELECT corm.parse_load_spec(repeat('n', 63)) = repeat('n', 63) AS longest_name_ok;

-- paths merge into one tree, children in order of first appearance
SELECT corm.parse_load_spec('books:selectin.reviews, books.publisher:joined, profile');
SELECT corm.parse_load_spec('a.b.c.d, a.b.x, a.y, z, a.b.c.e');
SELECT corm.parse_load_spec('books, books, books.reviews, books.reviews');
-- a strategy given once, in any path, holds for the node
SELECT corm.parse_load_spec('books.reviews, books:subquery.publisher, books:subquery');
-- the same name under different parents is a different node
SELECT corm.parse_load_spec('a.x:joined, b.x:select, x:noload');

-- recursion markers
SELECT corm.parse_load_spec('children*');
SELECT corm.parse_load_spec('children*2');
SELECT corm.parse_load_spec('children*2:selectin');
SELECT corm.parse_load_spec('children*:joined.toys');
SELECT corm.parse_load_spec('children*10, children*10:selectin, parent*');
SELECT corm.parse_load_spec('children*2147483647');
-- "*1" is one level, the same as no marker: they merge, the explicit one wins
SELECT corm.parse_load_spec('children, children*1, children');

-- whitespace is free around every token
SELECT corm.parse_load_spec(E' books : selectin\n\t. reviews ,\r\n books . publisher\f:joined , children * 2 : selectin , parent *  ');

-- syntax errors: empty names and paths
SELECT corm.parse_load_spec('books..x');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('a,,b');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('a, ');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('a.');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec(',a');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('.a');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec(':joined');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('a.*');
\echo :LAST_ERROR_SQLSTATE

-- syntax errors: names
SELECT corm.parse_load_spec('books.2nd');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.re-views');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books reviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('"books"');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.(reviews,publisher)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('x, ' || repeat('n', 64));
\echo :LAST_ERROR_SQLSTATE

-- syntax errors: strategies
SELECT corm.parse_load_spec('books:');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books: .reviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books:eager');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books:Joined');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.reviews:raise');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books:joined:select');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books:select in');
\echo :LAST_ERROR_SQLSTATE

-- syntax errors: recursion markers
SELECT corm.parse_load_spec('children*0');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*000');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*2147483648');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*99999999999999999999999999');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*-1');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*2.5');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children**');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children:selectin*2');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*2x');
\echo :LAST_ERROR_SQLSTATE

-- conflicts
SELECT corm.parse_load_spec('books:selectin.reviews, books:joined.publisher');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.reviews:joined, profile, books . reviews : select');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*, children*2');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*2.toys, children');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children, children*');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children*1, children*3');
\echo :LAST_ERROR_SQLSTATE

-- hostile input: control characters, a very long name, 10k-character specs
SELECT corm.parse_load_spec(E'books\x01');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec(E'books.\x7freviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec(E'books\x0breviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec(E'a,\n  b\x02,\n  c');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.' || repeat('é', 5000));
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('a.é' || chr(8364) || ':' || repeat('x', 200));
\echo :LAST_ERROR_SQLSTATE
SELECT length(s) AS spec_length,
       corm.parse_load_spec(s) = (SELECT string_agg('n' || i, ',' ORDER BY i)
                                  FROM generate_series(1, 1700) i) AS all_names_in_order
FROM (SELECT string_agg(' n' || i || ' ', ',' ORDER BY i) AS s
      FROM generate_series(1, 1700) i) q;
SELECT length(corm.parse_load_spec(repeat('ab.', 3333) || 'ab')) AS deep_path;
SELECT corm.parse_load_spec(repeat('a.b:joined, ', 1000) || 'a.c');
SELECT corm.parse_load_spec(repeat('abc, ', 1000) || 'a..b' || repeat(', abc', 1000));
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec(repeat(' ', 10000) || 'a:raise');
\echo :LAST_ERROR_SQLSTATE
-- every character from U+0001 to U+00FF, then the same shuffled after a valid prefix
SELECT corm.parse_load_spec(string_agg(chr(i), '' ORDER BY i)) FROM generate_series(1, 255) i;
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.' || string_agg(chr(1 + (i * 7919) % 600), '' ORDER BY i))
FROM generate_series(1, 400) i;
\echo :LAST_ERROR_SQLSTATE

-- 1.1: aliases, key=relationship (the key is the output key)
SELECT corm.parse_load_spec('n_reviews=reviews');
SELECT corm.parse_load_spec(' n = reviews * 2 : selectin . author');
-- key=key is no alias
SELECT corm.parse_load_spec('reviews=reviews.author, reviews.book');
-- the same relationship under several keys
SELECT corm.parse_load_spec('reviews, good=reviews, n=reviews');
-- paths merge by key: an alias names the same node in every path
SELECT corm.parse_load_spec('n=reviews.author, n=reviews:joined.book');

-- 1.1: groups, several paths below the node before the '.'
SELECT corm.parse_load_spec('books.(reviews, publisher)');
SELECT corm.parse_load_spec('books:selectin.(reviews.(author, book), publisher:joined), profile');
SELECT corm.parse_load_spec('a.(b), a.(c.(d)), a.c.e');
SELECT corm.parse_load_spec(' a . ( b , c ) , d ');
-- the canonical text parses back to the same tree
SELECT corm.parse_load_spec(corm.parse_load_spec('a.b.c.d, a.b.x, a.y, z, a.b.c.e'));

-- 1.1: every option
SELECT corm.parse_load_spec('reviews(where=''rating >= 4'')');
SELECT corm.parse_load_spec('reviews(order_by=''published DESC, id'')');
SELECT corm.parse_load_spec('reviews(limit=3), books(limit=0)');
SELECT corm.parse_load_spec('reviews(offset=10), books(limit=9223372036854775807, offset=9223372036854775807)');
-- offset=0 is no offset, but options were given: printed alone
SELECT corm.parse_load_spec('reviews(offset=0), books(offset=0, limit=2)');
SELECT corm.parse_load_spec('reviews(columns=[id, rating]), books(exclude=[ body ]), tags(columns=[]), authors(exclude=[])');
SELECT corm.parse_load_spec('n=reviews(count), t=reviews(count=true), f=reviews(count=false)');
SELECT corm.parse_load_spec('s=reviews(sum=rating), a=reviews(avg=rating), lo=reviews(min=rating), hi=reviews(max=published)');
SELECT corm.parse_load_spec('books(inner), reviews(inner=true), tags(inner=false)');
-- an aggregate with where, inner and a strategy
SELECT corm.parse_load_spec('n_good=reviews:selectin(count, where=''rating >= 4'', inner)');
-- all of them, in any order and with whitespace: printed in a fixed order
SELECT corm.parse_load_spec(E'top = books : selectin ( inner , exclude = [ body ] , offset = 5 ,\n limit = 10 , order_by = ''title'' , where = ''published'' ) . reviews');
-- strings: SQL style, '' for a quote; anything inside, printed the same way
SELECT corm.parse_load_spec($$reviews(where='body <> ''it''''s'' AND body LIKE ''%(x,y).z%''')$$);
SELECT corm.parse_load_spec($$reviews(where='', order_by='a
b')$$);
SELECT corm.parse_load_spec(corm.parse_load_spec($$reviews(where='x = ''a)b''', limit=1).author, n=reviews(count)$$));
-- options of a node in one path, its children in others
SELECT corm.parse_load_spec('books(limit=3).reviews, books.publisher, books:joined');
SELECT corm.parse_load_spec('books.reviews, books(limit=3).(publisher, tags)');
-- options on a recursion
SELECT corm.parse_load_spec('children*2:selectin(order_by=''name'', limit=5)');

-- alias errors
SELECT corm.parse_load_spec('n=');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('=reviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=2reviews');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews=books');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews*2=n');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=' || repeat('r', 64));
\echo :LAST_ERROR_SQLSTATE
-- the same key for two relationships
SELECT corm.parse_load_spec('n=reviews, n=books');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews.author, n.book');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.reviews, books.reviews=tags');
\echo :LAST_ERROR_SQLSTATE

-- group errors
SELECT corm.parse_load_spec('books.(reviews, publisher');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('a.(b.(c, d), e');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.()');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.(reviews,)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.(reviews).author');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.(reviews) x');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.(reviews))');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('(books)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.((reviews))');
\echo :LAST_ERROR_SQLSTATE
-- conflicts inside a group are conflicts of the tree
SELECT corm.parse_load_spec('books.(reviews:joined, reviews:select)');
\echo :LAST_ERROR_SQLSTATE

-- option syntax errors
SELECT corm.parse_load_spec('books()');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=3');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=3,');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=3,)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=3 offset=1)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(=3)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(3)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(top=3)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(Limit=3)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(strategy=joined)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(recurse=2)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n(relationship=reviews)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(load=reviews)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(where)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=-1)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=2.5)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=9223372036854775808)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(offset=99999999999999999999999)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=''3'')');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=three)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(where=published)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(where="published")');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(order_by=[title])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(where=''published)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(where=''it''''s'' x)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=id)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[id, title)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[id');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[id,])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[,id])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[id title])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(exclude=[''body''])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(exclude=[1st])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[' || repeat('c', 64) || '])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews(count=1)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews(count=yes)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews(inner=TRUE)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews(sum)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews(avg=''rating'')');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews(max=[rating])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('reviews(min=' || repeat('c', 64) || ')');
\echo :LAST_ERROR_SQLSTATE
-- options come last in a segment, in one list
SELECT corm.parse_load_spec('books(limit=3):joined');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('children(limit=3)*2');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(limit=3)(offset=1)');
\echo :LAST_ERROR_SQLSTATE

-- options of one segment that exclude each other
SELECT corm.parse_load_spec('books(limit=3, limit=4)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(inner, inner=false)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[id], exclude=[body])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews(count, avg=rating)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews(min=rating, max=rating)');
\echo :LAST_ERROR_SQLSTATE
-- count=false is no aggregate
SELECT corm.parse_load_spec('n=reviews(count=false, max=rating)');

-- options of a key in two segments, even the same
SELECT corm.parse_load_spec('books(limit=3).reviews, books(limit=3).publisher');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(inner=false), books(inner=false)');
\echo :LAST_ERROR_SQLSTATE

-- options that exclude each other once the tree is complete (as in a jsonb spec)
SELECT corm.parse_load_spec('n=reviews(count, limit=3)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews(avg=rating, order_by=''id'')');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews(count, offset=1)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews(count, columns=[id])');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=children*(count)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('n=reviews(count).author');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books.n=reviews(count), books.n=reviews.author');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books:noload(limit=3)');
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(inner), books:noload');
\echo :LAST_ERROR_SQLSTATE
-- noload with options that are all off is allowed; an aggregate with offset=0 too
SELECT corm.parse_load_spec('books:noload(inner=false, count=false), n=reviews(count, offset=0)');

-- hostile input in options
SELECT corm.parse_load_spec(E'books(where=''\x01'', order_by=''\x7f'')') = E'books(where=''\x01'',order_by=''\x7f'')' AS control_characters_kept;
SELECT corm.parse_load_spec(E'books(limit=3\x01)');
\echo :LAST_ERROR_SQLSTATE
SELECT length(corm.parse_load_spec('books(where=''' || repeat('x''''', 5000) || ''')')) AS long_string;
SELECT corm.parse_load_spec('books(where=''' || repeat('x', 200));
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec(repeat('a.(', 500) || 'b' || repeat(')', 500)) = repeat('a.', 500) || 'b' AS deep_groups;
SELECT corm.parse_load_spec(repeat('a.(', 500) || 'b' || repeat(')', 499));
\echo :LAST_ERROR_SQLSTATE
SELECT corm.parse_load_spec('books(columns=[' || string_agg('c' || i, ',') || '])') ~ '^books\(columns=\[c1,c2,.*,c1000\]\)$' AS many_columns
FROM generate_series(1, 1000) i;

-- a deterministic fuzz: every call returns or raises one of the two
-- expected errors (any other error, or a crash, fails the test).  The specs
-- are made by one SQL statement each and the loop does nothing but parse:
-- under debug_discard_caches = 1 (test/cassert.sh) every PL/pgSQL expression
-- is planned again at each evaluation, so building the strings there took
-- most of an hour.
CREATE FUNCTION pg_temp.fuzz_load_spec(specs text[])
RETURNS TABLE (outcome text, count bigint) LANGUAGE plpgsql AS $$
DECLARE
	s text;
	ok bigint := 0;
	syntax bigint := 0;
	conflict bigint := 0;
BEGIN
	FOREACH s IN ARRAY specs LOOP
		BEGIN
			PERFORM corm.parse_load_spec(s);
			ok := ok + 1;
		EXCEPTION
			WHEN syntax_error THEN
				syntax := syntax + 1;
			WHEN invalid_parameter_value THEN
				conflict := conflict + 1;
		END;
	END LOOP;
	RETURN QUERY VALUES ('parsed', ok), ('syntax_error', syntax),
						('invalid_parameter_value', conflict);
END
$$;
-- characters: 1,000 strings of 0 to 15 characters
SELECT setseed(0.5) AS seeded \gset
SELECT * FROM pg_temp.fuzz_load_spec(ARRAY(
	SELECT coalesce(string_agg(a.alphabet[1 + floor(random() * 17)::int], '' ORDER BY j)
						FILTER (WHERE j IS NOT NULL), '')
	FROM (VALUES (ARRAY['a', 'b', '.', ',', ':', '*', ' ', '0', '1', '2', '3', '4', '5', '6',
						'7', '8', '9'])) AS a(alphabet),
		 generate_series(1, 1000) AS i
		 CROSS JOIN LATERAL (SELECT floor(random() * 16)::int + 0 * i AS len) AS l
		 LEFT JOIN LATERAL generate_series(1, l.len) AS j ON true
	GROUP BY i ORDER BY i));
-- well-formed paths over a few names (1 to 5 paths of 1 to 4 segments, some
-- with a strategy), a third of them with one character replaced
SELECT setseed(0.25) AS seeded \gset
SELECT * FROM pg_temp.fuzz_load_spec(ARRAY(
	WITH segments AS (
		SELECT i, p, q,
			   (ARRAY['a', 'b', 'é'])[1 + floor(random() * 3)::int] ||
			   (ARRAY['', '', '', '*', '*1', '*2', '*0'])[1 + floor(random() * 7)::int] ||
			   CASE WHEN random() < 0.4
					THEN ' : ' || (ARRAY['select', 'joined', 'subquery', 'selectin', 'noload',
										 'raise', 'nope'])[1 + floor(random() * 7)::int]
					ELSE '' END AS segment
		FROM generate_series(1, 1000) AS i,
			 LATERAL generate_series(0, floor(random() * 4)::int + 0 * i) AS p,
			 LATERAL generate_series(0, floor(random() * 3)::int + 0 * p) AS q
	), paths AS (
		SELECT i, p, string_agg(segment, '.' ORDER BY q) AS path
		FROM segments GROUP BY i, p
	), specs AS (
		SELECT i, string_agg(path, ', ' ORDER BY p) AS spec
		FROM paths GROUP BY i
	)
	SELECT CASE WHEN random() < 0.3
				THEN overlay(spec PLACING (ARRAY['.', ',', ':', '*', ' ', '9', '-', '(', E'\x01',
												 'z'])[1 + floor(random() * 10)::int]
							 FROM floor(random() * length(spec))::int + 1 FOR 1)
				ELSE spec END
	FROM specs ORDER BY i));
