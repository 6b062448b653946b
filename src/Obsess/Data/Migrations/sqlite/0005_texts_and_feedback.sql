-- Obsess schema version 5: every customer text with what the text engine found in it, the themes found across a
-- workspace's texts, and the unified feedback record (one row per survey answer or review).
CREATE TABLE texts (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NULL,
    kind TEXT NOT NULL,
    channel TEXT NULL,
    source TEXT NOT NULL,
    external_id TEXT NULL,
    body TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    analysis_version TEXT NULL,
    analyzed_at TEXT NULL,
    language TEXT NULL,
    sentiment_score REAL NULL,
    sentiment_label TEXT NULL,
    emotions TEXT NULL,
    top_emotion TEXT NULL,
    intents TEXT NULL,
    churn_threat INTEGER NOT NULL DEFAULT 0,
    urgency REAL NULL,
    theme_id INTEGER NULL,
    CONSTRAINT pk_texts PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_texts_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_texts_workspace_id_source_external_id ON texts (workspace_id, source, external_id);
CREATE INDEX ix_texts_workspace_id_customer_id_occurred_at ON texts (workspace_id, customer_id, occurred_at);
CREATE INDEX ix_texts_workspace_id_occurred_at ON texts (workspace_id, occurred_at);
-- The analysis queue: texts not yet analysed by any engine version.
CREATE INDEX ix_texts_pending ON texts (workspace_id, created_at) WHERE analysis_version IS NULL;

CREATE TABLE text_themes (
    workspace_id TEXT NOT NULL,
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    key_phrases TEXT NOT NULL,
    examples TEXT NOT NULL,
    size INTEGER NOT NULL,
    computed_at TEXT NOT NULL,
    CONSTRAINT pk_text_themes PRIMARY KEY (workspace_id, id)
);

-- The fitted theme model of a workspace (vocabulary, idf, centres), so new texts join existing themes between refits.
CREATE TABLE text_theme_models (
    workspace_id TEXT NOT NULL,
    model TEXT NOT NULL,
    texts INTEGER NOT NULL,
    computed_at TEXT NOT NULL,
    CONSTRAINT pk_text_theme_models PRIMARY KEY (workspace_id)
);

CREATE TABLE feedback (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NULL,
    survey_id TEXT NULL,
    response_id TEXT NULL,
    question_id TEXT NULL,
    metric TEXT NOT NULL,
    score REAL NULL,
    scale_max REAL NULL,
    choices TEXT NULL,
    text_id TEXT NULL,
    touchpoint TEXT NULL,
    channel TEXT NULL,
    agent TEXT NULL,
    product TEXT NULL,
    language TEXT NULL,
    occurred_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT pk_feedback PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_feedback_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_feedback_workspace_id_source_external_id ON feedback (workspace_id, source, external_id);
CREATE INDEX ix_feedback_workspace_id_customer_id_occurred_at ON feedback (workspace_id, customer_id, occurred_at);
CREATE INDEX ix_feedback_workspace_id_metric_occurred_at ON feedback (workspace_id, metric, occurred_at);
CREATE INDEX ix_feedback_workspace_id_survey_id_occurred_at ON feedback (workspace_id, survey_id, occurred_at);
CREATE INDEX ix_feedback_workspace_id_response_id ON feedback (workspace_id, response_id);
