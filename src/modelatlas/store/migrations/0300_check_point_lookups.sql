-- Point lookups for `check` (issue 11): one model, its parents, its roots.
-- Without them every lookup scans the column (~0.15-0.25 s each on a 3 M-model
-- store, measured), and a check makes a dozen; with them ~1 ms (docs/check.md).
-- Non-unique ART indexes: ingest's delete-then-insert and derive's rebuilds are
-- unaffected in meaning; cost measured in docs/benchmarks.md (check section).
CREATE INDEX IF NOT EXISTS models_id_idx ON models (id);
CREATE INDEX IF NOT EXISTS edges_child_idx ON edges (child);
CREATE INDEX IF NOT EXISTS roots_model_idx ON roots (model_id);
