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

-- The population of every snapshot (docs/metrics.md, "Populations"), inferred from what
-- the store knows until ingest records it: a full listing (simulated, scope marked full,
-- a hub dump, a complete crawl: listed, no --limit/--since, not partial) is 'hub' or
-- 'modelscope'; else the recorded file format names it; else any crawl is
-- '<source>-partial'; else 'unlabelled'. Read through this view so every query shares
-- one definition (modelatlas.metrics.populations).
CREATE VIEW snapshot_populations AS
SELECT s.source, s.snapshot,
       CASE WHEN s.simulated OR coalesce(sc."full", FALSE) OR sc.format = 'hub-parquet'
                 OR cj.full_crawl
            THEN CASE WHEN s.source = 'modelscope' THEN 'modelscope' ELSE 'hub' END
            WHEN sc.format = 'trending-parquet' THEN 'trending'
            WHEN sc.format = 'tags-csv' THEN 'new-models'
            WHEN sc.format IN ('hub-json', 'modelinfo-csv') THEN 'modelinfo'
            WHEN cj.source IS NOT NULL THEN s.source || '-partial'
            ELSE 'unlabelled' END AS population
FROM snapshots s
LEFT JOIN snapshot_scope sc ON sc.source = s.source AND sc.snapshot = s.snapshot
LEFT JOIN (
    SELECT source, snapshot,
           bool_or(listed AND NOT coalesce(partial, FALSE)
                   AND json_extract_string(job_key, '$.limit') IS NULL
                   AND json_extract_string(job_key, '$.since') IS NULL) AS full_crawl
    FROM crawl_jobs WHERE status = 'done' GROUP BY source, snapshot
) cj ON cj.source = s.source AND cj.snapshot = s.snapshot;

-- Models of the `atom` population: ATOM's primary tracked list (models.csv: what its
-- charts use) plus the repositories its policy admits as primary (an org's primary
-- family pattern and not its exclusion, an allowed pipeline tag, no reject pattern on
-- the name, downloads - all-time, else the 30-day counter - of at least
-- primary_min_downloads). See metrics/atom_reference.py.
CREATE VIEW atom_members AS
SELECT model_id FROM atom_models WHERE list = 'models'
UNION
SELECT c.id AS model_id
FROM (SELECT DISTINCT m.id, m.org, m.name, m.pipeline_tag
      FROM models m JOIN atom_policy p
        ON p.rule = 'primary' AND lower(p.org) = lower(m.org)
       AND regexp_matches(m.name, p.pattern)
       AND (p.exclude IS NULL OR NOT regexp_matches(m.name, p.exclude))) c
JOIN (SELECT o.model_id,
             max(greatest(coalesce(o.downloads_all_time, 0),
                          coalesce(o.downloads_30d, 0))) AS peak
      FROM observations o GROUP BY o.model_id) d ON d.model_id = c.id
CROSS JOIN (SELECT coalesce(min(CAST(pattern AS DOUBLE)), 0) AS t
            FROM atom_policy WHERE rule = 'min_downloads') thr
LEFT JOIN (SELECT r.org, r.pattern FROM atom_policy r
           WHERE r.rule IN ('reject_name', 'reject_format')) rej
  ON (rej.org IS NULL OR lower(rej.org) = lower(c.org))
 AND regexp_matches(c.name, rej.pattern)
WHERE d.peak >= thr.t
  AND c.pipeline_tag IN (SELECT pattern FROM atom_policy WHERE rule = 'pipeline')
GROUP BY c.id
HAVING count(rej.pattern) = 0;
