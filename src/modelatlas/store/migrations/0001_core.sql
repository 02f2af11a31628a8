-- Core tables: what the Hub says about models, observed snapshot by snapshot.
CREATE TABLE models (
    id                 VARCHAR NOT NULL,  -- unique, enforced by store/ingest.py (an ART index
                                         -- over 3M ids costs more at ingest than it saves)
    org                VARCHAR,          -- Hub namespace (author); NULL for legacy un-namespaced ids
    name               VARCHAR,
    source             VARCHAR NOT NULL, -- 'hf' or 'modelscope'
    created_at         TIMESTAMPTZ,
    last_modified      TIMESTAMPTZ,
    release_date       DATE,
    pipeline_tag       VARCHAR,
    library            VARCHAR,
    license_raw        VARCHAR,          -- first license:* tag, else cardData license
    license_name       VARCHAR,          -- cardData license_name (for license: other)
    license_link       VARCHAR,          -- cardData license_link
    gated              VARCHAR,          -- 'false', 'auto', 'manual' or NULL when unknown
    params_total       BIGINT,
    params_active      BIGINT,
    tags               VARCHAR[],        -- raw tags, as the source gave them
    arxiv              VARCHAR[],
    datasets           VARCHAR[],
    formats            VARCHAR[],        -- gguf, mlx, onnx, awq, gptq, safetensors, ...
    regions            VARCHAR[],        -- region:* tags (hosting region, not origin)
    truncated_tags     VARCHAR[],        -- tags cut short by the source (kept raw, not parsed)
    first_seen         DATE NOT NULL,
    last_seen          DATE NOT NULL,
    meta_snapshot      DATE NOT NULL     -- snapshot the metadata above comes from
);

CREATE TABLE snapshots (
    source        VARCHAR NOT NULL,
    snapshot      DATE NOT NULL,
    models        BIGINT NOT NULL,
    committed_at  TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR,
    simulated     BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (source, snapshot)
);

-- Append-only per snapshot: one row per (source, snapshot, model).
CREATE TABLE observations (
    source              VARCHAR NOT NULL,
    snapshot            DATE NOT NULL,
    model_id            VARCHAR NOT NULL,
    downloads_30d       BIGINT,
    downloads_all_time  BIGINT,
    likes               BIGINT,
    carried_over        BOOLEAN NOT NULL DEFAULT FALSE
    -- unique on (source, snapshot, model_id), enforced by store/ingest.py (delete + insert
    -- in one transaction) rather than an index: an ART index over 60M rows costs GBs of RAM.
);

-- Lineage: one row per (child, parent); relation in finetune|adapter|quantized|merge|unknown.
CREATE TABLE edges (
    child     VARCHAR NOT NULL,
    parent    VARCHAR NOT NULL,
    relation  VARCHAR NOT NULL,
    origin    VARCHAR NOT NULL    -- 'tag' or 'card'
    -- unique on (child, parent), enforced by store/ingest.py (grouped, replaced per child)
);

CREATE SEQUENCE quarantine_seq;
CREATE TABLE quarantine (
    qid       BIGINT PRIMARY KEY DEFAULT nextval('quarantine_seq'),
    run_id    VARCHAR,
    source    VARCHAR NOT NULL,   -- file path or endpoint
    location  VARCHAR,            -- line, row or page within the source
    record    VARCHAR,            -- raw content as read
    reason    VARCHAR NOT NULL,
    "at"      TIMESTAMPTZ NOT NULL
);

CREATE TABLE ingest_runs (
    run_id       VARCHAR PRIMARY KEY,
    command      VARCHAR NOT NULL,
    args         VARCHAR,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    status       VARCHAR NOT NULL,  -- running | ok | failed
    records      BIGINT NOT NULL DEFAULT 0,
    quarantined  BIGINT NOT NULL DEFAULT 0,
    message      VARCHAR
);
