-- Obsess schema version 4: each customer's predicted value and risk, and the model runs that produced them.
CREATE TABLE customer_scores (
    workspace_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    computed_at timestamptz NOT NULL,
    orders integer NOT NULL,
    historic_clv double precision NOT NULL,
    probability_alive double precision NULL,
    expected_purchases_12m double precision NULL,
    expected_spend double precision NULL,
    clv_12m double precision NULL,
    churn_probability double precision NULL,
    churn_reasons text NULL,
    rfm_recency smallint NOT NULL DEFAULT 0,
    rfm_frequency smallint NOT NULL DEFAULT 0,
    rfm_monetary smallint NOT NULL DEFAULT 0,
    rfm_segment text NULL,
    health_score double precision NULL,
    health_band text NULL,
    health_detail text NULL,
    CONSTRAINT pk_customer_scores PRIMARY KEY (workspace_id, customer_id),
    CONSTRAINT fk_customer_scores_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_customer_scores_workspace_id_clv_12m ON customer_scores (workspace_id, clv_12m);
CREATE INDEX ix_customer_scores_workspace_id_rfm_segment ON customer_scores (workspace_id, rfm_segment);
CREATE INDEX ix_customer_scores_workspace_id_churn_probability ON customer_scores (workspace_id, churn_probability);

CREATE TABLE model_runs (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    kind varchar(32) NOT NULL,
    at timestamptz NOT NULL,
    customers integer NOT NULL,
    seconds double precision NOT NULL,
    summary text NOT NULL,
    CONSTRAINT pk_model_runs PRIMARY KEY (workspace_id, id)
);
CREATE INDEX ix_model_runs_workspace_id_at ON model_runs (workspace_id, at);

-- A workspace's health scorecard (weights and band thresholds as JSON); null means the default scorecard.
ALTER TABLE workspaces ADD COLUMN health_config text NULL;
