-- Obsess schema version 6: surveys (definition as JSON, life cycle draft → live → closed), their responses (each
-- answer is also a feedback row) and personal links (one customer, one touchpoint, single-use; only a hash of the
-- secret is kept).
CREATE TABLE surveys (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    token TEXT NOT NULL,
    definition TEXT NOT NULL,
    response_quota INTEGER NULL,
    closes_at TEXT NULL,
    default_touchpoint TEXT NULL,
    default_channel TEXT NULL,
    allow_multiple INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    published_at TEXT NULL,
    closed_at TEXT NULL,
    CONSTRAINT pk_surveys PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX ix_surveys_workspace_id_token ON surveys (workspace_id, token);

CREATE TABLE survey_responses (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    customer_id TEXT NULL,
    link_id TEXT NULL,
    touchpoint TEXT NULL,
    channel TEXT NULL,
    agent TEXT NULL,
    product TEXT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    resume_hash TEXT NOT NULL,
    dedupe_key TEXT NULL,
    answers TEXT NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    completed_at TEXT NULL,
    CONSTRAINT pk_survey_responses PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_survey_responses_surveys FOREIGN KEY (workspace_id, survey_id) REFERENCES surveys (workspace_id, id),
    CONSTRAINT fk_survey_responses_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_survey_responses_workspace_id_survey_id_status ON survey_responses (workspace_id, survey_id, status);
-- One answer per customer and touchpoint (the key is null when the survey allows more, or the respondent is anonymous).
CREATE UNIQUE INDEX ix_survey_responses_workspace_id_survey_id_dedupe_key ON survey_responses (workspace_id, survey_id, dedupe_key);
CREATE INDEX ix_survey_responses_workspace_id_customer_id ON survey_responses (workspace_id, customer_id);

CREATE TABLE survey_links (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    customer_id TEXT NULL,
    touchpoint TEXT NOT NULL,
    channel TEXT NULL,
    agent TEXT NULL,
    product TEXT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT NULL,
    response_id TEXT NULL,
    CONSTRAINT pk_survey_links PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_survey_links_surveys FOREIGN KEY (workspace_id, survey_id) REFERENCES surveys (workspace_id, id),
    CONSTRAINT fk_survey_links_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_survey_links_workspace_id_survey_id ON survey_links (workspace_id, survey_id);
CREATE INDEX ix_survey_links_workspace_id_customer_id ON survey_links (workspace_id, customer_id);
