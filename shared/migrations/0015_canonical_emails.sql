-- Participants' addresses in the one form intake now stores (shared/mailaddress.py,
-- docs/decisions.md): the domain lower-case, NFKC, its xn-- labels decoded; the address NFC.
-- Before, `x@xn--bcher-kva.de` was stored as typed, and a new `x@bücher.de` (stored as such)
-- would not meet it in the unique index on (lower(email), kind): one mailbox, two registrations.
--
-- SQL has no IDNA, so the decoding is RFC 3492's punycode below, in pg_temp (gone with the
-- session). A label is decoded only where the result is what intake would store: not ASCII, no
-- ß, ς or joiner (IDNA 2003 cannot write those; such labels stay in xn-- form, as intake keeps
-- them), already lower-case and NFKC, letters and digits only. Anything else keeps its row's spelling: it was stored by
-- intake's earlier rules and the notifier still sends to it.
--
-- Rows that become one address of one kind (two registrations from before, under two
-- spellings) are not merged: each is a person's data with its own matches. One of them takes
-- the canonical form (the one already in it, else the oldest), the others keep their spelling,
-- so this never fails on the unique index; a NOTICE counts them for a coordinator to look at.

CREATE FUNCTION pg_temp.punycode_decode(encoded text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    base CONSTANT int := 36;
    cut int := length(encoded) - position('-' IN reverse(encoded));  -- before the last '-'
    output int[] := '{}';
    n bigint := 128;
    i bigint := 0;
    bias bigint := 72;
    pos int;
    oldi bigint;
    w bigint;
    k bigint;
    t bigint;
    digit int;
    c text;
    delta bigint;
    points int;
BEGIN
    IF position('-' IN encoded) = 0 THEN
        cut := 0;
    END IF;
    FOR pos IN 1 .. cut LOOP
        output := output || ascii(substr(encoded, pos, 1));
    END LOOP;
    pos := CASE WHEN position('-' IN encoded) > 0 THEN cut + 2 ELSE 1 END;
    WHILE pos <= length(encoded) LOOP
        oldi := i;
        w := 1;
        k := base;
        LOOP
            IF pos > length(encoded) THEN
                RETURN NULL;  -- ends inside a number
            END IF;
            c := substr(encoded, pos, 1);
            pos := pos + 1;
            digit := CASE WHEN c BETWEEN 'a' AND 'z' THEN ascii(c) - 97
                          WHEN c BETWEEN '0' AND '9' THEN ascii(c) - 22 ELSE NULL END;
            IF digit IS NULL THEN
                RETURN NULL;
            END IF;
            i := i + digit * w;
            t := CASE WHEN k <= bias THEN 1 WHEN k >= bias + 26 THEN 26 ELSE k - bias END;
            EXIT WHEN digit < t;
            w := w * (base - t);
            k := k + base;
            IF i > 1114111 * 64 OR w > 1114111 * 64 THEN
                RETURN NULL;
            END IF;
        END LOOP;
        points := cardinality(output) + 1;
        delta := CASE WHEN oldi = 0 THEN (i - oldi) / 700 ELSE (i - oldi) / 2 END;
        delta := delta + delta / points;
        k := 0;
        WHILE delta > 455 LOOP  -- ((base - tmin) * tmax) / 2
            delta := delta / 35;
            k := k + base;
        END LOOP;
        bias := k + (base * delta) / (delta + 38);
        n := n + i / points;
        i := i % points;
        IF n > 1114111 OR n BETWEEN 55296 AND 57343 THEN
            RETURN NULL;  -- no code point, or a surrogate
        END IF;
        output := output[1:i] || n::int || output[i + 1:];
        i := i + 1;
    END LOOP;
    RETURN (SELECT string_agg(chr(p), '' ORDER BY o) FROM unnest(output) WITH ORDINALITY AS u (p, o));
END
$$;

CREATE FUNCTION pg_temp.canonical_label(label text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN label NOT LIKE 'xn--%' THEN normalize(lower(label), NFKC)
        WHEN decoded IS NULL OR decoded ~ '^[\x01-\x7f]*$' OR decoded ~ '[ßς\u200c\u200d]'
             OR decoded <> normalize(lower(decoded), NFKC)
             -- letters and digits, hyphens inside, as intake's label rule (ctype C.UTF-8 or a
             -- language's; under plain C nothing outside ASCII is a letter: nothing is decoded)
             OR decoded !~ '^[[:alnum:]]([[:alnum:]-]*[[:alnum:]])?$' THEN label
        ELSE decoded
    END
    FROM (SELECT pg_temp.punycode_decode(substr(label, 5)) AS decoded) AS d
$$;

CREATE FUNCTION pg_temp.canonical_email(email text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT normalize(left(e, length(e) - position('@' IN reverse(e))), NFC) || '@'
           || (SELECT string_agg(pg_temp.canonical_label(l), '.' ORDER BY o)
               FROM unnest(string_to_array(lower(right(e, position('@' IN reverse(e)) - 1)), '.'))
                    WITH ORDINALITY AS u (l, o))
    FROM (SELECT normalize(email, NFC) AS e) AS n
$$;

DO $$
DECLARE
    r record;
    kept int := 0;
BEGIN
    FOR r IN
        WITH c AS MATERIALIZED (  -- one canonical_email per row, not one per use
            SELECT id, email, kind, created_at, pg_temp.canonical_email(email) AS canonical
            FROM participants
            -- Only these can change: an ASCII address whose domain is lower case and has no xn--
            -- label is in the canonical form already (and most are). One of them that a changed
            -- row would meet is the unique index's to find (the EXCEPTION below), not the ranking's.
            WHERE email LIKE '%@%'
              AND (email !~ '^[\x01-\x7f]*$' OR substring(email FROM '[^@]*$') ~ '[A-Z]|(^|\.)xn--')
        )
        SELECT id, canonical, rank FROM (
            SELECT id, email, canonical,
                   row_number() OVER (PARTITION BY lower(canonical), kind
                                      ORDER BY lower(email) = lower(canonical) DESC, created_at, id) AS rank
            FROM c
        ) AS ranked
        WHERE email <> canonical
    LOOP
        IF r.rank > 1 THEN
            kept := kept + 1;
            CONTINUE;
        END IF;
        BEGIN
            UPDATE participants SET email = r.canonical WHERE id = r.id;
        EXCEPTION WHEN unique_violation THEN
            kept := kept + 1;  -- a spelling the ranking above did not foresee: kept as it is
        END;
    END LOOP;
    IF kept > 0 THEN
        RAISE NOTICE '% participant address(es) kept as stored: another registration of the same kind has the same address in its canonical form', kept;
    END IF;
END
$$;
