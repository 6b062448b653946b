-- Obsess schema version 6: surveys (definition as JSON, life cycle draft → live → closed), their responses (each
-- answer is also a feedback row) and personal links (one customer, one touchpoint, single-use; only a hash of the
-- secret is kept).
CREATE TABLE surveys (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    name varchar(200) NOT NULL,
    status varchar(16) NOT NULL,
    token varchar(64) NOT NULL,
    definition text NOT NULL,
    response_quota integer NULL,
    closes_at timestamptz NULL,
    default_touchpoint varchar(64) NULL,
    default_channel varchar(32) NULL,
    allow_multiple boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    published_at timestamptz NULL,
    closed_at timestamptz NULL,
    CONSTRAINT pk_surveys PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX ix_surveys_workspace_id_token ON surveys (workspace_id, token);

CREATE TABLE survey_responses (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    survey_id uuid NOT NULL,
    customer_id uuid NULL,
    link_id uuid NULL,
    touchpoint varchar(64) NULL,
    channel varchar(32) NULL,
    agent varchar(200) NULL,
    product varchar(200) NULL,
    language varchar(16) NOT NULL,
    status varchar(16) NOT NULL,
    resume_hash varchar(64) NOT NULL,
    dedupe_key varchar(128) NULL,
    answers text NOT NULL,
    started_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    completed_at timestamptz NULL,
    CONSTRAINT pk_survey_responses PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_survey_responses_surveys FOREIGN KEY (workspace_id, survey_id) REFERENCES surveys (workspace_id, id),
    CONSTRAINT fk_survey_responses_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_survey_responses_workspace_id_survey_id_status ON survey_responses (workspace_id, survey_id, status);
-- One answer per customer and touchpoint (the key is null when the survey allows more, or the respondent is anonymous).
CREATE UNIQUE INDEX ix_survey_responses_workspace_id_survey_id_dedupe_key ON survey_responses (workspace_id, survey_id, dedupe_key);
CREATE INDEX ix_survey_responses_workspace_id_customer_id ON survey_responses (workspace_id, customer_id);

CREATE TABLE survey_links (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    survey_id uuid NOT NULL,
    customer_id uuid NULL,
    touchpoint varchar(64) NOT NULL,
    channel varchar(32) NULL,
    agent varchar(200) NULL,
    product varchar(200) NULL,
    secret_hash varchar(64) NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz NULL,
    response_id uuid NULL,
    CONSTRAINT pk_survey_links PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_survey_links_surveys FOREIGN KEY (workspace_id, survey_id) REFERENCES surveys (workspace_id, id),
    CONSTRAINT fk_survey_links_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_survey_links_workspace_id_survey_id ON survey_links (workspace_id, survey_id);
CREATE INDEX ix_survey_links_workspace_id_customer_id ON survey_links (workspace_id, customer_id);
