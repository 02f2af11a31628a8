-- Licences: catalog table, how each model's licence id was found, per-snapshot
-- licence/gating history and which snapshots are full listings (for change events).

-- How models.license_id was found: raw | name | link (mapped from that field),
-- repo (curated foundation-repo rule), cut-tag (completed from a tag the source cut
-- short), other (Hub 'other', nothing more mapped), unmapped, cut-unmapped (only a
-- cut licence tag that cannot be completed unambiguously), empty.
ALTER TABLE models ADD COLUMN license_origin VARCHAR;

-- The shipped licence catalog, reloaded by the licence derive step (SQL joins on family).
CREATE TABLE licenses (
    license_id                  VARCHAR PRIMARY KEY,
    name                        VARCHAR NOT NULL,
    family                      VARCHAR NOT NULL,   -- permissive | copyleft | open-weight-custom | non-commercial | proprietary | unknown
    commercial_use              BOOLEAN,
    user_cap_mau                BIGINT,
    revenue_cap_usd             BIGINT,
    attribution                 VARCHAR,
    naming                      VARCHAR,
    acceptable_use_policy       VARCHAR,
    outputs_train_other_models  BOOLEAN,
    territorial                 VARCHAR,
    derivative_terms            VARCHAR,
    revocable                   BOOLEAN,
    source_url                  VARCHAR NOT NULL,
    notes                       VARCHAR
);

-- Every distinct (license_raw, license_name, license_link) seen, with its canonical id.
CREATE TABLE license_resolutions (
    license_raw   VARCHAR,
    license_name  VARCHAR,
    license_link  VARCHAR,
    license_id    VARCHAR NOT NULL,
    how           VARCHAR NOT NULL
);

-- Licence and access metadata per (source, snapshot, model), as observed, stored
-- only where it differs from the model's previous stored row (so it stays small at
-- Hub scale; unique on (source, snapshot, model_id), kept by modelatlas.licenses.history
-- rather than an index). license_known: the record carried usable licence information
-- (a licence value, or complete tags without one); rows without it never produce
-- licence events.
CREATE TABLE model_history (
    source         VARCHAR NOT NULL,
    snapshot       DATE NOT NULL,
    model_id       VARCHAR NOT NULL,
    org            VARCHAR,
    license_raw    VARCHAR,
    license_name   VARCHAR,
    license_link   VARCHAR,
    license_known  BOOLEAN NOT NULL,
    gated          VARCHAR
);

-- Which snapshots list every model of the source (dumps, complete crawls). Only
-- consecutive full snapshots can show a model as removed.
CREATE TABLE snapshot_scope (
    source    VARCHAR NOT NULL,
    snapshot  DATE NOT NULL,
    format    VARCHAR,
    "full"    BOOLEAN NOT NULL,
    PRIMARY KEY (source, snapshot)
);
