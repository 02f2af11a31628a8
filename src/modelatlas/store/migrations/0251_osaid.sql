-- Verdicts against the Open Source AI Definition 1.0 (docs/openness.md): one row per MOF
-- model (basis 'mof', replaced by `import mof`) and per index system (basis 'osai',
-- best effort, replaced by `import osai` for its edition).
CREATE TABLE osaid_verdicts (
    basis                VARCHAR NOT NULL,   -- mof | osai
    edition              VARCHAR NOT NULL,   -- '' for mof; the index edition for osai
    file                 VARCHAR NOT NULL,
    model                VARCHAR,
    hub_id               VARCHAR,
    verdict              VARCHAR NOT NULL,   -- meets | does_not_meet | unknown
    weights              VARCHAR NOT NULL,   -- ok | fail | unknown (parameters under open terms)
    code                 VARCHAR NOT NULL,
    data_information     VARCHAR NOT NULL,
    weights_license      VARCHAR,
    weights_license_osi  BOOLEAN,            -- NULL = cannot tell
    reasons              VARCHAR[] NOT NULL,
    best_effort          BOOLEAN NOT NULL,
    PRIMARY KEY (basis, edition, file)
);

-- OSI approval of a component's licence (MOF licence list, else the licence catalog).
ALTER TABLE mof_components ADD COLUMN osi_approved BOOLEAN;

-- OSI approval in the licence catalog table (filled by the licence derive step).
ALTER TABLE licenses ADD COLUMN osi_approved BOOLEAN;
