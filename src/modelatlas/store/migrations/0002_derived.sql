-- Derived tables, rebuilt set-based after each ingest by the steps in modelatlas.derive.
ALTER TABLE models ADD COLUMN license_id VARCHAR;   -- canonical licence id (licences catalog)

-- Organisation registry as loaded from the shipped catalog plus user overrides.
CREATE TABLE orgs (
    org           VARCHAR PRIMARY KEY,  -- Hub namespace, lower-cased (join on lower(models.org))
    namespace     VARCHAR NOT NULL,     -- Hub namespace as spelled on the Hub
    display_name  VARCHAR,
    country       VARCHAR,              -- ISO 3166-1 alpha-2, NULL if unknown
    region        VARCHAR NOT NULL,     -- us | china | eu | other | unknown
    kind          VARCHAR NOT NULL,     -- big-tech | lab | academic | non-profit | government | community | unknown
    parent        VARCHAR,
    aliases       VARCHAR[],            -- former / alternative namespaces
    source_url    VARCHAR,
    origin        VARCHAR NOT NULL      -- catalog | user | heuristic
);

-- Root resolution: every model id in models (and every parent named by an edge)
-- has >= 1 row. A model with no parent is its own root at depth 0. weight splits
-- a model's credit equally among its roots (sum of weight per model_id = 1).
CREATE TABLE roots (
    model_id  VARCHAR NOT NULL,
    root_id   VARCHAR NOT NULL,
    depth     INTEGER NOT NULL,
    weight    DOUBLE NOT NULL,
    family    VARCHAR,                   -- family of the root (Qwen, Llama, ...), NULL if unknown
    PRIMARY KEY (model_id, root_id)
);

-- Changes seen between consecutive snapshots (licence, gating, removal, ...).
CREATE TABLE events (
    model_id  VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    "at"      DATE NOT NULL,            -- snapshot where the change was first seen
    kind      VARCHAR NOT NULL,         -- license_changed | gated_added | gated_removed | removed | reappeared | org_renamed
    old       VARCHAR,
    new       VARCHAR,
    PRIMARY KEY (model_id, source, "at", kind)
);

-- Bookkeeping for derived data: which store state it was computed from.
CREATE TABLE derived_state (
    step        VARCHAR PRIMARY KEY,
    computed_at TIMESTAMPTZ NOT NULL,
    fingerprint VARCHAR NOT NULL
);
