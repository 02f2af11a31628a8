-- Open Source AI Index in both layouts: the 2023 index (projects/, 14 dimensions, score
-- 0..14) and the 2026 European Open Source AI Index (systems/, parameters of
-- _parameters.yml, score 0..1, national origin and contributor type from the header
-- comments). Rows are keyed by (edition, file); an import replaces its own edition only.
-- The 2023 rows already imported are carried over.
CREATE TABLE osai_projects_v2 (
    edition               VARCHAR NOT NULL,   -- '2023' | '2026' (layout of the files)
    file                  VARCHAR NOT NULL,   -- YAML file name
    name                  VARCHAR,            -- system.name (2026) / project.name (2023)
    org                   VARCHAR,
    org_link              VARCHAR,
    org_notes             VARCHAR,
    link                  VARCHAR,
    notes                 VARCHAR,
    types                 VARCHAR[],          -- system.type split on ',' (2026)
    type_raw              VARCHAR,
    performance_class     VARCHAR,
    base_model            VARCHAR,            -- basemodelname (2026) / llmbase (2023)
    end_model             VARCHAR,            -- endmodelname (2026)
    end_model_license     VARCHAR,            -- endmodellicense (2026) / project.license (2023)
    end_model_license_id  VARCHAR,            -- licence catalog id, NULL when it maps nowhere
    end_model_license_osi BOOLEAN,            -- OSI-approved per the catalog, NULL = cannot tell
    release_date          VARCHAR,            -- as written (2025-09, 2024 NOV, ...)
    origin                VARCHAR,            -- header: National origin, as written
    origin_country        VARCHAR,            -- ISO alpha-2, 'international', NULL = unknown
    origin_region         VARCHAR,            -- us | china | eu | other | international | unknown
    contributor_type      VARCHAR,            -- header: Contributor type, as written
    compute_base          VARCHAR,            -- header: base model training compute
    compute_end           VARCHAR,            -- header: end model training compute
    rlbase                VARCHAR,            -- 2023 only: RL / instruction data
    score                 DOUBLE NOT NULL,    -- 2023: sum 0..14; 2026: mean 0..1
    score_max             DOUBLE NOT NULL,    -- 14 or 1
    group_scores          VARCHAR,            -- JSON {group: score} (2026)
    score_flag            VARCHAR,            -- why the score is not one the index publishes
    rank                  INTEGER NOT NULL,
    tied_rank             INTEGER NOT NULL,
    hub_id                VARCHAR,            -- end model on the Hub
    hub_source            VARCHAR,
    base_hub_id           VARCHAR,            -- base model on the Hub (2026)
    base_hub_source       VARCHAR,
    imported_at           TIMESTAMPTZ NOT NULL,
    source_dir            VARCHAR NOT NULL,
    parameters_source     VARCHAR,
    PRIMARY KEY (edition, file)
);

INSERT INTO osai_projects_v2 (edition, file, name, org, org_link, link, notes, base_model,
    end_model_license, rlbase, score, score_max, rank, tied_rank, hub_id, hub_source,
    imported_at, source_dir)
SELECT '2023', file, project, org, org_link, link, notes, llmbase, license, rlbase, score, 14,
    rank, tied_rank, hub_id, hub_source, imported_at, source_dir
FROM osai_projects;

CREATE TABLE osai_dimensions_v2 (
    edition    VARCHAR NOT NULL,
    file       VARCHAR NOT NULL,
    dimension  VARCHAR NOT NULL,       -- the parameter's ref (datasources_basemodel, ..., api)
    area       VARCHAR NOT NULL,       -- its group: availability | documentation | access
    position   INTEGER NOT NULL,
    class      VARCHAR,                -- open | partial | closed | NULL (not applicable)
    value      DOUBLE NOT NULL,        -- open 1, partial 0.5, else 0
    counted    BOOLEAN NOT NULL,       -- applies to the system's type (2026); always true for 2023
    link       VARCHAR,                -- first evidence link
    links      VARCHAR[],              -- every evidence link
    notes      VARCHAR,
    PRIMARY KEY (edition, file, dimension)
);

INSERT INTO osai_dimensions_v2
SELECT '2023', file, dimension, area, position, class, value, TRUE, link,
    CASE WHEN link IS NULL THEN [] ELSE [link] END, notes
FROM osai_dimensions;

DROP TABLE osai_dimensions;
DROP TABLE osai_projects;
ALTER TABLE osai_projects_v2 RENAME TO osai_projects;
ALTER TABLE osai_dimensions_v2 RENAME TO osai_dimensions;
