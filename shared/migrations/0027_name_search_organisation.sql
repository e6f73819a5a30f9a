-- The coordinators' search finds an employer or course provider by its organisation too
-- (name_search.search_text takes it beside the name). Their copies are emptied here, and
-- `lotse migrate` folds them again with the organisation (name_search.fill_missing, which runs
-- after the migrations): the folding is Python's, so SQL cannot write the new copy itself.
UPDATE participants SET name_search = NULL
WHERE kind IN ('employer', 'language_provider') AND name IS NOT NULL AND profile ? 'organisation';
