-- Ingest at whole-Hub scale (issue 10): time kept to the source's resolution, the
-- Hub's expand fields, change tracking for incremental derive, latest observations.

-- When each observation was made, at the resolution its source gives (an hourly
-- list's hour); NULL when only the snapshot date is known. Within one snapshot date
-- the later observation wins, whatever order the files were read in.
ALTER TABLE observations ADD COLUMN observed_at TIMESTAMPTZ;
ALTER TABLE observations ADD COLUMN trending_score DOUBLE;    -- the Hub's trendingScore
ALTER TABLE observations ADD COLUMN children_count BIGINT;    -- the Hub's childrenModelCount (all relations)

ALTER TABLE models ADD COLUMN meta_at TIMESTAMPTZ;            -- observed_at of the record the metadata comes from
ALTER TABLE models ADD COLUMN used_storage BIGINT;            -- the Hub's usedStorage (bytes), newest record
-- Signatures of the record that last set the metadata and of its stated parents:
-- an unchanged record costs a date update, never a row rewrite (store/merge.py).
ALTER TABLE models ADD COLUMN meta_sig UBIGINT;
ALTER TABLE models ADD COLUMN lineage_sig UBIGINT;

ALTER TABLE snapshots ADD COLUMN last_at TIMESTAMPTZ;         -- latest observed_at in the snapshot, if the source gives times

-- One row per model: its observation at its newest snapshot (tie: 'hf' before
-- 'modelscope'), kept by every ingest in the same transaction, so reads never run
-- a window over all observations. Equal to that window at all times (tested).
CREATE TABLE latest_observations (
    model_id            VARCHAR NOT NULL,
    source              VARCHAR NOT NULL,
    snapshot            DATE NOT NULL,
    observed_at         TIMESTAMPTZ,
    downloads_30d       BIGINT,
    downloads_all_time  BIGINT,
    likes               BIGINT,
    trending_score      DOUBLE,
    children_count      BIGINT,
    carried_over        BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO latest_observations (model_id, source, snapshot, observed_at, downloads_30d,
    downloads_all_time, likes, trending_score, children_count, carried_over)
SELECT model_id, source, snapshot, observed_at, downloads_30d, downloads_all_time, likes,
       trending_score, children_count, carried_over
FROM observations
QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY snapshot DESC, source) = 1;

-- Every creation time stated for a repo that was deleted and re-created under the
-- same id (models.created_at keeps the earliest; each later one is a 'recreated' event).
CREATE TABLE model_creations (
    model_id    VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    seen        DATE NOT NULL            -- first snapshot that stated it
);

-- Change tracking for incremental derive (modelatlas.derive). data_gen grows by one
-- in every ingest transaction; derive steps record the generation they computed.
CREATE TABLE store_generation (
    singleton   INTEGER PRIMARY KEY,
    data_gen    BIGINT NOT NULL,
    derive_gen  BIGINT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);
INSERT INTO store_generation VALUES (1, 1, 0, now());

-- Models whose derived data may have changed since generation gen. kind: 'lineage'
-- (a new model or changed parents: its roots and its descendants' change), 'meta'
-- (metadata, history or creation time changed), 'gone' (a parent an edge no longer
-- names: it may stop being a node). prev_org: the org before the change, if it changed.
CREATE TABLE derive_dirty (
    gen       BIGINT NOT NULL,
    model_id  VARCHAR,                   -- NULL: everything (a first load; cheaper than listing)
    kind      VARCHAR NOT NULL,
    prev_org  VARCHAR
);
CREATE TABLE derive_dirty_snapshots (
    gen       BIGINT NOT NULL,
    source    VARCHAR NOT NULL,
    snapshot  DATE NOT NULL
);

-- The Hub's placeholder creation date (every repo older than its records: see
-- docs/ingest-files.md) is unknown, not a date.
UPDATE models SET created_at = NULL,
    release_date = CASE WHEN release_date = DATE '2022-03-02' THEN NULL ELSE release_date END
WHERE created_at = TIMESTAMPTZ '2022-03-02 23:29:04+00';

-- Derived tables are recomputed in full once under the new rules.
DELETE FROM derived_state;
INSERT INTO derive_dirty VALUES (1, NULL, 'lineage', NULL);
