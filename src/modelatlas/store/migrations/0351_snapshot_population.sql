-- Populations recorded at ingest (issue 12, phase 2): every snapshot says what it
-- covers, as its ingest declared it (each source declares the population it produces:
-- a hub dump 'hub', a trending file 'trending', an hourly new-model list 'new-models',
-- a complete crawl 'hub'/'modelscope', a cut crawl '<source>-partial', ...), or as the
-- user set it (`ingest file|hub|modelscope --population NAME`).
--   population     the population's name (modelatlas.metrics.populations.KNOWN);
--   population_by  'source' (declared by the input's source) or 'user' (--population).
-- Snapshots ingested before this migration keep NULL: the view below infers theirs
-- from what the store knows (the rules of migration 0350), so old stores read the same.
ALTER TABLE snapshots ADD COLUMN population VARCHAR;
ALTER TABLE snapshots ADD COLUMN population_by VARCHAR;

DROP VIEW snapshot_populations;

-- One row per snapshot: the recorded population, else the inference of 0350.
CREATE VIEW snapshot_populations AS
SELECT s.source, s.snapshot,
       coalesce(s.population,
       CASE WHEN s.simulated OR coalesce(sc."full", FALSE) OR sc.format = 'hub-parquet'
                 OR cj.full_crawl
            THEN CASE WHEN s.source = 'modelscope' THEN 'modelscope' ELSE 'hub' END
            WHEN sc.format = 'trending-parquet' THEN 'trending'
            WHEN sc.format = 'tags-csv' THEN 'new-models'
            WHEN sc.format IN ('hub-json', 'modelinfo-csv') THEN 'modelinfo'
            WHEN cj.source IS NOT NULL THEN s.source || '-partial'
            ELSE 'unlabelled' END) AS population,
       CASE WHEN s.population IS NULL THEN 'inferred' ELSE s.population_by END
           AS population_by
FROM snapshots s
LEFT JOIN snapshot_scope sc ON sc.source = s.source AND sc.snapshot = s.snapshot
LEFT JOIN (
    SELECT source, snapshot,
           bool_or(listed AND NOT coalesce(partial, FALSE)
                   AND json_extract_string(job_key, '$.limit') IS NULL
                   AND json_extract_string(job_key, '$.since') IS NULL) AS full_crawl
    FROM crawl_jobs WHERE status = 'done' GROUP BY source, snapshot
) cj ON cj.source = s.source AND cj.snapshot = s.snapshot;
