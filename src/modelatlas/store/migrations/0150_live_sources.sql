-- Live sources as the real services answer (issue 16): coverage of a crawl, page
-- sizes an endpoint refused, per-file hashes and the Hub's own scans, and what the
-- Hub said when asked about a repository (not found, gated, disabled).

-- A crawl that ends short of the total its source announced is committed as a
-- partial snapshot: partial = TRUE, listed = FALSE (never a full listing).
ALTER TABLE crawl_jobs ADD COLUMN partial BOOLEAN DEFAULT FALSE;
ALTER TABLE crawl_jobs ADD COLUMN expected_total BIGINT;   -- total the source announced
ALTER TABLE crawl_jobs ADD COLUMN listed_distinct BIGINT;  -- distinct models the pages hold

-- The largest page size an endpoint accepted after refusing a bigger one (HTTP 400).
CREATE TABLE api_limits (
    endpoint    VARCHAR NOT NULL,
    resource    VARCHAR NOT NULL,      -- 'models'
    page_size   INTEGER NOT NULL,
    learned_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (endpoint, resource)
);

-- ingest details: the Hub's repository scan and the id it answered under.
ALTER TABLE model_details ADD COLUMN security_repo_status VARCHAR;  -- JSON securityRepoStatus
ALTER TABLE model_details ADD COLUMN resolved_id VARCHAR;           -- new id of a renamed repo
ALTER TABLE model_details ADD COLUMN tree_status VARCHAR;           -- ok | truncated | gated | not_found | failed

-- One row per file of a model fetched by ingest details (replaced per model): size
-- and LFS SHA-256 from siblings (blobs=true), the Hub's per-file scan from the tree
-- (expand=true). Unique on (model_id, path), kept by modelatlas.crawl.details.
CREATE TABLE model_files (
    model_id            VARCHAR NOT NULL,
    path                VARCHAR NOT NULL,
    size                BIGINT,
    blob_id             VARCHAR,       -- git object id
    lfs_sha256          VARCHAR,       -- SHA-256 of the content (LFS oid), what a BOM hashes
    lfs_size            BIGINT,
    xet_hash            VARCHAR,
    security_status     VARCHAR,       -- securityFileStatus.status: safe | unsafe | ...; NULL unknown
    av_scan             VARCHAR,       -- JSON securityFileStatus.avScan
    pickle_import_scan  VARCHAR,       -- JSON securityFileStatus.pickleImportScan
    fetched_at          TIMESTAMPTZ NOT NULL
);

-- What the Hub answered when a repository was asked for (append-only, one row per
-- model and run): ok | not_found | gated | disabled. A not_found answer is read
-- as a removal (events kind 'removed') by the observed_removals derive step.
CREATE TABLE repo_checks (
    model_id     VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,     -- 'hf'
    checked_at   TIMESTAMPTZ NOT NULL,
    status       VARCHAR NOT NULL,
    http_status  INTEGER,
    error_code   VARCHAR,              -- X-Error-Code
    detail       VARCHAR,
    resolved_id  VARCHAR,
    run_id       VARCHAR
);
