-- ATOM Project reference data (https://atomproject.ai, github.com/natolambert/atom-project
-- style CSVs): tracked mainline models, curated parameter counts, release-date corrections.
CREATE TABLE atom_models (
    model_id  VARCHAR PRIMARY KEY,
    org       VARCHAR,
    model     VARCHAR,
    list      VARCHAR NOT NULL          -- 'models' (tracked) or 'extra'
);

CREATE TABLE atom_params (
    model_id         VARCHAR PRIMARY KEY,
    total_params_b   DOUBLE,
    active_params_b  DOUBLE,
    is_moe           BOOLEAN,
    notes            VARCHAR
);

CREATE TABLE atom_release_corrections (
    model_id             VARCHAR PRIMARY KEY,
    hf_created_at        DATE,
    actual_release_date  DATE NOT NULL,
    notes                VARCHAR
);
