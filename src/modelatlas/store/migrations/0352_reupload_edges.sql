-- Re-uploads resolve to the original for root attribution (issue 12, phase 2).
-- Lineage edges the re-upload rule infers (modelatlas.catalog.reuploads.edges_sql:
-- unsloth/Qwen3-8B-bnb-4bit -> Qwen/Qwen3-8B) for every node of the stated graph (a
-- model, or a parent an edge names) that states no parent of its own. Derived: the
-- lineage step keeps it current (modelatlas.lineage.reuploaded); roots, `lineage`,
-- `check` and derivative metrics read it with `edges` (modelatlas.lineage.edges).
CREATE TABLE reupload_edges (
    child     VARCHAR NOT NULL,
    parent    VARCHAR NOT NULL,
    relation  VARCHAR NOT NULL,   -- reupload | quantized | finetune
    origin    VARCHAR NOT NULL    -- 'reupload-rule'
);

-- Roots change for every re-upload: derive again in full.
DELETE FROM derived_state;
