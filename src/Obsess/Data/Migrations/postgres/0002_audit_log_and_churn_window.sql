-- Obsess schema version 2: the audit log, and a per-workspace churn window (contract-free churn definition).
CREATE TABLE audit_log (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    at timestamptz NOT NULL,
    actor varchar(64) NOT NULL,
    action varchar(64) NOT NULL,
    target varchar(200) NOT NULL,
    detail text NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (workspace_id, id)
);
CREATE INDEX ix_audit_log_workspace_id_at ON audit_log (workspace_id, at);

ALTER TABLE workspaces ADD COLUMN churn_window_days integer NOT NULL DEFAULT 180;
