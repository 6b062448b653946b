-- Obsess schema version 3: merges are recorded so they can be explained and split back apart.
ALTER TABLE customers ADD COLUMN merged_into_id uuid NULL;
-- Per-purpose consent: {"purpose": {"granted": true|false, "at": "...", "source": "..."}}.
ALTER TABLE customers ADD COLUMN consent text NOT NULL DEFAULT '{}';
CREATE INDEX ix_customers_workspace_id_merged_into_id ON customers (workspace_id, merged_into_id);

CREATE TABLE customer_merges (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    survivor_id uuid NOT NULL,
    merged_id uuid NOT NULL,
    cause text NOT NULL,
    at timestamptz NOT NULL,
    snapshot text NOT NULL,
    split_at timestamptz NULL,
    CONSTRAINT pk_customer_merges PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_customer_merges_customers FOREIGN KEY (workspace_id, survivor_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_customer_merges_workspace_id_survivor_id ON customer_merges (workspace_id, survivor_id);
CREATE INDEX ix_customer_merges_workspace_id_merged_id ON customer_merges (workspace_id, merged_id);
