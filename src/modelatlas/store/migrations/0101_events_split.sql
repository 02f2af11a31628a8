-- Change events kept incrementally (issue 10): events stated by the per-snapshot
-- history (licence, gating, author, re-creation) are recomputed per changed model;
-- events inferred from presence in full snapshots (removed, reappeared, a move to
-- another org) per changed snapshot; removals the Hub stated when asked
-- (``repo_checks``) apart. ``events`` is their union (one row per key: history, then
-- presence, then stated removals).
DROP TABLE events;

CREATE TABLE events_history (
    model_id  VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    "at"      DATE NOT NULL,
    kind      VARCHAR NOT NULL,     -- license_changed | gated_added | gated_removed | org_renamed | recreated
    old       VARCHAR,
    new       VARCHAR,
    PRIMARY KEY (model_id, source, "at", kind)
);

CREATE TABLE events_presence (
    model_id  VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    "at"      DATE NOT NULL,        -- the full snapshot where the change was first seen
    kind      VARCHAR NOT NULL,     -- removed | reappeared | org_renamed
    old       VARCHAR,
    new       VARCHAR,
    PRIMARY KEY (model_id, source, "at", kind)
);

-- Removals the Hub stated when asked about a repository (derive step observed_removals).
CREATE TABLE events_observed (
    model_id  VARCHAR NOT NULL,
    source    VARCHAR NOT NULL,
    "at"      DATE NOT NULL,
    kind      VARCHAR NOT NULL,     -- removed | reappeared
    old       VARCHAR,
    new       VARCHAR,
    PRIMARY KEY (model_id, source, "at", kind)
);

CREATE VIEW events AS
SELECT model_id, source, "at", kind, old, new FROM (
    SELECT *, 0 AS basis FROM events_history
    UNION ALL
    SELECT *, 1 AS basis FROM events_presence
    UNION ALL
    SELECT *, 2 AS basis FROM events_observed
)
QUALIFY row_number() OVER (PARTITION BY model_id, source, "at", kind ORDER BY basis) = 1;
