-- Problems found in the base-model graph while resolving roots (issue 4).
-- kind: self_loop (a model names itself as base), cycle (the model is on a cycle of
-- base-model edges; detail names the cycle representative used as its root).
CREATE TABLE lineage_issues (
    model_id  VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL,
    detail    VARCHAR,
    PRIMARY KEY (model_id, kind)
);
