-- Telling the truth on real data (issue 12): ATOM's region scheme beside ours, and
-- ATOM's inclusion policy for the `atom` population.

-- The region of the organisation in the ATOM Project's own table and scheme
-- (organization_regions.csv; eu = Europe including the UK and Switzerland): ATOM's
-- value for the namespaces it lists, else our country mapped to its buckets.
ALTER TABLE orgs ADD COLUMN region_atom VARCHAR;

-- ATOM's model_policy.yml as rows (modelatlas import atom): which repositories of a
-- tracked organisation belong to the tracked population. rule:
--   primary | extra          the org's family patterns (org set);
--   reject_name | reject_format   names (and formats) never admitted (org NULL: every org);
--   pipeline                 a pipeline tag primary models may carry (org NULL);
--   min_downloads            the download threshold of primary additions (pattern = number).
-- pattern is RE2 syntax; a Python negative lookahead A(?!B)C of the source is stored
-- as pattern AC with exclude AB (see metrics/atom_reference.py).
CREATE TABLE atom_policy (
    org      VARCHAR,
    rule     VARCHAR NOT NULL,
    pattern  VARCHAR NOT NULL,
    exclude  VARCHAR,
    source   VARCHAR              -- the pattern as written in model_policy.yml
);

-- The organisation table gains a column and the catalog grew: derive it again.
DELETE FROM derived_state;
