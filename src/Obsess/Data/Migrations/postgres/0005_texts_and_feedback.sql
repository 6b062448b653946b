-- Obsess schema version 5: every customer text with what the text engine found in it, the themes found across a
-- workspace's texts, and the unified feedback record (one row per survey answer or review).
CREATE TABLE texts (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    customer_id uuid NULL,
    kind varchar(32) NOT NULL,
    channel varchar(32) NULL,
    source varchar(64) NOT NULL,
    external_id varchar(128) NULL,
    body text NOT NULL,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    analysis_version varchar(200) NULL,
    analyzed_at timestamptz NULL,
    language varchar(8) NULL,
    sentiment_score double precision NULL,
    sentiment_label varchar(16) NULL,
    emotions text NULL,
    top_emotion varchar(16) NULL,
    intents text NULL,
    churn_threat boolean NOT NULL DEFAULT false,
    urgency double precision NULL,
    theme_id integer NULL,
    CONSTRAINT pk_texts PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_texts_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_texts_workspace_id_source_external_id ON texts (workspace_id, source, external_id);
CREATE INDEX ix_texts_workspace_id_customer_id_occurred_at ON texts (workspace_id, customer_id, occurred_at);
CREATE INDEX ix_texts_workspace_id_occurred_at ON texts (workspace_id, occurred_at);
-- The analysis queue: texts not yet analysed by any engine version.
CREATE INDEX ix_texts_pending ON texts (workspace_id, created_at) WHERE analysis_version IS NULL;

CREATE TABLE text_themes (
    workspace_id uuid NOT NULL,
    id integer NOT NULL,
    name varchar(200) NOT NULL,
    key_phrases text NOT NULL,
    examples text NOT NULL,
    size integer NOT NULL,
    computed_at timestamptz NOT NULL,
    CONSTRAINT pk_text_themes PRIMARY KEY (workspace_id, id)
);

-- The fitted theme model of a workspace (vocabulary, idf, centres), so new texts join existing themes between refits.
CREATE TABLE text_theme_models (
    workspace_id uuid NOT NULL,
    model text NOT NULL,
    texts integer NOT NULL,
    computed_at timestamptz NOT NULL,
    CONSTRAINT pk_text_theme_models PRIMARY KEY (workspace_id)
);

CREATE TABLE feedback (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    customer_id uuid NULL,
    kind varchar(16) NOT NULL,
    source varchar(64) NOT NULL,
    external_id varchar(128) NULL,
    survey_id uuid NULL,
    response_id uuid NULL,
    question_id varchar(64) NULL,
    metric varchar(16) NOT NULL,
    score double precision NULL,
    scale_max double precision NULL,
    choices text NULL,
    text_id uuid NULL,
    touchpoint varchar(64) NULL,
    channel varchar(32) NULL,
    agent varchar(200) NULL,
    product varchar(200) NULL,
    language varchar(8) NULL,
    occurred_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_feedback PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_feedback_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_feedback_workspace_id_source_external_id ON feedback (workspace_id, source, external_id);
CREATE INDEX ix_feedback_workspace_id_customer_id_occurred_at ON feedback (workspace_id, customer_id, occurred_at);
CREATE INDEX ix_feedback_workspace_id_metric_occurred_at ON feedback (workspace_id, metric, occurred_at);
CREATE INDEX ix_feedback_workspace_id_survey_id_occurred_at ON feedback (workspace_id, survey_id, occurred_at);
CREATE INDEX ix_feedback_workspace_id_response_id ON feedback (workspace_id, response_id);
