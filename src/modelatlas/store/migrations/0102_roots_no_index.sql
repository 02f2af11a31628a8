-- roots without its primary-key index (issue 10): (model_id, root_id) is unique by
-- construction (lineage/graph.py groups by it), and an in-memory ART index over
-- millions of rows cannot spill, so it put a whole-Hub derive past its memory budget.
CREATE TABLE roots_new (
    model_id  VARCHAR NOT NULL,
    root_id   VARCHAR NOT NULL,
    depth     INTEGER NOT NULL,
    weight    DOUBLE NOT NULL,
    family    VARCHAR                    -- family of the root (Qwen, Llama, ...), NULL if unknown
);
INSERT INTO roots_new SELECT model_id, root_id, depth, weight, family FROM roots;
DROP TABLE roots;
ALTER TABLE roots_new RENAME TO roots;
