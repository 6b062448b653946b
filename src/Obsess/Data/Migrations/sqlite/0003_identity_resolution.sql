-- Obsess schema version 3: merges are recorded so they can be explained and split back apart.
ALTER TABLE customers ADD COLUMN merged_into_id TEXT NULL;
-- Per-purpose consent: {"purpose": {"granted": true|false, "at": "...", "source": "..."}}.
ALTER TABLE customers ADD COLUMN consent TEXT NOT NULL DEFAULT '{}';
CREATE INDEX ix_customers_workspace_id_merged_into_id ON customers (workspace_id, merged_into_id);

CREATE TABLE customer_merges (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    survivor_id TEXT NOT NULL,
    merged_id TEXT NOT NULL,
    cause TEXT NOT NULL,
    at TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    split_at TEXT NULL,
    CONSTRAINT pk_customer_merges PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_customer_merges_customers FOREIGN KEY (workspace_id, survivor_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_customer_merges_workspace_id_survivor_id ON customer_merges (workspace_id, survivor_id);
CREATE INDEX ix_customer_merges_workspace_id_merged_id ON customer_merges (workspace_id, merged_id);
