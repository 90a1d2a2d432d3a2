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

-- a deterministic fuzz: every call returns or raises one of the two
-- expected errors (any other error, or a crash, fails the test)
CREATE FUNCTION pg_temp.fuzz_load_spec(n int, alphabet text[], maxlen int, seed float8)
RETURNS TABLE (outcome text, count bigint) LANGUAGE plpgsql AS $$
DECLARE
	len int;
	s text;
	ok bigint := 0;
	syntax bigint := 0;
	conflict bigint := 0;
BEGIN
	PERFORM setseed(seed);
	FOR i IN 1..n LOOP
		len := floor(random() * maxlen)::int;
		s := '';
		FOR j IN 1..len LOOP
			s := s || alphabet[1 + floor(random() * array_length(alphabet, 1))::int];
		END LOOP;
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
-- characters
SELECT * FROM pg_temp.fuzz_load_spec(1000,
	ARRAY['a', 'b', '.', ',', ':', '*', ' ', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
	16, 0.5);
-- well-formed paths over a few names, some with one character replaced
CREATE FUNCTION pg_temp.random_spec() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	names text[] := ARRAY['a', 'b', 'é'];
	markers text[] := ARRAY['', '', '', '*', '*1', '*2', '*0'];
	strategies text[] := ARRAY['select', 'joined', 'subquery', 'selectin', 'noload', 'raise', 'nope'];
	junk text[] := ARRAY['.', ',', ':', '*', ' ', '9', '-', '(', E'\x01', 'z'];
	paths text[] := '{}';
	segments text[];
	segment text;
	s text;
	k int;
BEGIN
	FOR p IN 0..floor(random() * 4)::int LOOP
		segments := '{}';
		FOR q IN 0..floor(random() * 3)::int LOOP
			segment := names[1 + floor(random() * 3)::int] ||
				markers[1 + floor(random() * 7)::int];
			IF random() < 0.4 THEN
				segment := segment || ' : ' || strategies[1 + floor(random() * 7)::int];
			END IF;
			segments := segments || segment;
		END LOOP;
		paths := paths || array_to_string(segments, '.');
	END LOOP;
	s := array_to_string(paths, ', ');
	IF random() < 0.3 THEN
		k := floor(random() * length(s))::int;
		s := overlay(s PLACING junk[1 + floor(random() * 10)::int] FROM k + 1 FOR 1);
	END IF;
	RETURN s;
END
$$;
CREATE FUNCTION pg_temp.fuzz_structured(n int, seed float8)
RETURNS TABLE (outcome text, count bigint) LANGUAGE plpgsql AS $$
DECLARE
	ok bigint := 0;
	syntax bigint := 0;
	conflict bigint := 0;
BEGIN
	PERFORM setseed(seed);
	FOR i IN 1..n LOOP
		BEGIN
			PERFORM corm.parse_load_spec(pg_temp.random_spec());
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
SELECT * FROM pg_temp.fuzz_structured(1000, 0.25);
