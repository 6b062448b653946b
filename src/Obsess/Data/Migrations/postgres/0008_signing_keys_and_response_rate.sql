-- Obsess schema version 8: per-workspace signing keys (first use: personal survey links carry an HMAC-SHA256 over
-- what they bind). The key is stored protected with ASP.NET Core Data Protection (the key ring is in
-- data_protection_keys), never in plain text; every app node sharing the database reads the same key.
CREATE TABLE signing_keys (
    workspace_id uuid NOT NULL,
    purpose varchar(64) NOT NULL,
    key_protected text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_signing_keys PRIMARY KEY (workspace_id, purpose)
);

-- The response rate joins each personal link to the responses that came through it.
CREATE INDEX ix_survey_responses_workspace_id_link_id ON survey_responses (workspace_id, link_id);
