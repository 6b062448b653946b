-- Obsess schema version 4: each customer's predicted value and risk, and the model runs that produced them.
CREATE TABLE customer_scores (
    workspace_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    orders INTEGER NOT NULL,
    historic_clv REAL NOT NULL,
    probability_alive REAL NULL,
    expected_purchases_12m REAL NULL,
    expected_spend REAL NULL,
    clv_12m REAL NULL,
    churn_probability REAL NULL,
    churn_reasons TEXT NULL,
    rfm_recency INTEGER NOT NULL DEFAULT 0,
    rfm_frequency INTEGER NOT NULL DEFAULT 0,
    rfm_monetary INTEGER NOT NULL DEFAULT 0,
    rfm_segment TEXT NULL,
    health_score REAL NULL,
    health_band TEXT NULL,
    health_detail TEXT NULL,
    CONSTRAINT pk_customer_scores PRIMARY KEY (workspace_id, customer_id),
    CONSTRAINT fk_customer_scores_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_customer_scores_workspace_id_clv_12m ON customer_scores (workspace_id, clv_12m);
CREATE INDEX ix_customer_scores_workspace_id_rfm_segment ON customer_scores (workspace_id, rfm_segment);
CREATE INDEX ix_customer_scores_workspace_id_churn_probability ON customer_scores (workspace_id, churn_probability);

CREATE TABLE model_runs (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    customers INTEGER NOT NULL,
    seconds REAL NOT NULL,
    summary TEXT NOT NULL,
    CONSTRAINT pk_model_runs PRIMARY KEY (workspace_id, id)
);
CREATE INDEX ix_model_runs_workspace_id_at ON model_runs (workspace_id, at);

-- A workspace's health scorecard (weights and band thresholds as JSON); null means the default scorecard.
ALTER TABLE workspaces ADD COLUMN health_config TEXT NULL;
