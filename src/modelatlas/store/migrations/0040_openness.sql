-- Openness frameworks imported from reference files (modelatlas import osai|mof).
-- Each import replaces the previous one of the same framework (one transaction).
CREATE TABLE osai_projects (
    file         VARCHAR PRIMARY KEY,  -- YAML file name in projects/
    project      VARCHAR NOT NULL,
    score        DOUBLE NOT NULL,      -- 0..14: open 1, partial 0.5, else 0
    rank         INTEGER NOT NULL,     -- position in the published table (score desc, name asc)
    tied_rank    INTEGER NOT NULL,     -- 1 + number of projects with a higher score
    link         VARCHAR,
    notes        VARCHAR,
    llmbase      VARCHAR,
    rlbase       VARCHAR,
    license      VARCHAR,
    org          VARCHAR,
    org_link     VARCHAR,
    hub_id       VARCHAR,              -- matched Hub model id, NULL when none
    hub_source   VARCHAR,              -- field the id came from, or why there is none
    imported_at  TIMESTAMPTZ NOT NULL,
    source_dir   VARCHAR NOT NULL
);

CREATE TABLE osai_dimensions (
    file       VARCHAR NOT NULL,
    dimension  VARCHAR NOT NULL,       -- opencode, llmdata, ... api
    area       VARCHAR NOT NULL,       -- availability | documentation | access
    position   INTEGER NOT NULL,
    class      VARCHAR,                -- open | partial | closed | NULL
    value      DOUBLE NOT NULL,
    link       VARCHAR,
    notes      VARCHAR,
    PRIMARY KEY (file, dimension)
);

CREATE TABLE mof_models (
    file               VARCHAR PRIMARY KEY,  -- YAML file name in models/
    model              VARCHAR NOT NULL,
    version            VARCHAR,
    producer           VARCHAR,
    mof_class          INTEGER NOT NULL,     -- 1, 2, 3 or 0 (unclassified)
    class_label        VARCHAR NOT NULL,     -- Class I | Class II | Class III | Unclassified
    progress_1         DOUBLE NOT NULL,
    progress_2         DOUBLE NOT NULL,
    progress_3         DOUBLE NOT NULL,
    huggingface        VARCHAR,
    hub_id             VARCHAR,
    hub_source         VARCHAR,
    detail             VARCHAR NOT NULL,     -- JSON: the full evaluation (openness --framework mof)
    components_source  VARCHAR NOT NULL,
    licenses_source    VARCHAR NOT NULL,
    imported_at        TIMESTAMPTZ NOT NULL,
    source_dir         VARCHAR NOT NULL
);

CREATE TABLE mof_components (
    file            VARCHAR NOT NULL,
    component_id    INTEGER NOT NULL,
    component       VARCHAR NOT NULL,
    content_type    VARCHAR NOT NULL,
    mof_class       INTEGER NOT NULL,
    required        BOOLEAN NOT NULL,
    license         VARCHAR,                 -- resolved licence, NULL when not included
    status          VARCHAR NOT NULL,        -- met | missing | unlicensed | invalid | not-included
    type_appropriate BOOLEAN,
    PRIMARY KEY (file, component_id)
);
