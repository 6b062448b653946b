-- Obsess schema version 2: the audit log, and a per-workspace churn window (contract-free churn definition).
CREATE TABLE audit_log (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NULL,
    CONSTRAINT pk_audit_log PRIMARY KEY (workspace_id, id)
);
CREATE INDEX ix_audit_log_workspace_id_at ON audit_log (workspace_id, at);

ALTER TABLE workspaces ADD COLUMN churn_window_days INTEGER NOT NULL DEFAULT 180;
