-- The coordinators' search finds a name however it was typed: intake keeps a folded copy of
-- every name here (lotse.shared.name_search.search_text: case and accents folded, the German
-- second spelling, Cyrillic in Latin letters). Python folds it, not SQL, so the typed words are
-- folded by the same code and no extension is needed; `lotse migrate` fills the copy of rows
-- that have none (name_search.fill_missing) after the migrations. Erasure clears it with the
-- name, and the check makes that impossible to forget.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS name_search text;
ALTER TABLE participants ADD CONSTRAINT participants_name_search_only_with_name
    CHECK (name IS NOT NULL OR name_search IS NULL);
