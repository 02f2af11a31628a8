-- Resumable crawls of live APIs (Hub, ModelScope) and per-model details.
-- A crawl job is checkpointed page by page: each fetched page and the cursor of
-- the next one are written in one transaction, so a killed run resumes exactly
-- where it stopped. The snapshot itself is committed only when the listing is
-- complete (see modelatlas.crawl.commit); the pages are then deleted.
CREATE TABLE crawl_jobs (
    job_id          VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,      -- 'hf' | 'modelscope' | 'hf-details'
    job_key         VARCHAR NOT NULL,      -- JSON of the parameters that define the job
    endpoint        VARCHAR NOT NULL,
    snapshot        DATE NOT NULL,
    status          VARCHAR NOT NULL,      -- running | failed | done
    next_cursor     VARCHAR,               -- next page URL / page number; NULL once listed
    pages_done      INTEGER NOT NULL DEFAULT 0,
    models_fetched  BIGINT NOT NULL DEFAULT 0,
    total_hint      BIGINT,                -- total announced by the server, if any
    listed          BOOLEAN NOT NULL DEFAULT FALSE,
    started_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    run_id          VARCHAR,
    message         VARCHAR
);

CREATE TABLE crawl_pages (
    job_id      VARCHAR NOT NULL,
    page_no     INTEGER NOT NULL,
    cursor      VARCHAR NOT NULL,          -- what was requested
    items       INTEGER NOT NULL,
    body        VARCHAR NOT NULL,          -- the page's records as a JSON list, as received
    fetched_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (job_id, page_no)
);

-- Per-model details from /api/models/{id} (read by `check`).
CREATE TABLE model_details (
    model_id     VARCHAR PRIMARY KEY,
    fetched_at   TIMESTAMPTZ NOT NULL,
    sha          VARCHAR,
    card_data    VARCHAR,                  -- JSON object (model card metadata)
    siblings     VARCHAR,                  -- JSON list of {"rfilename", "size"}
    config       VARCHAR,                  -- JSON object
    safetensors  VARCHAR,                  -- JSON object ({"parameters": {...}, "total": n})
    gated        VARCHAR,                  -- 'false' | 'auto' | 'manual'
    raw          VARCHAR                   -- the whole answer, JSON
);
