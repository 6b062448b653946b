-- Obsess schema version 7: the closed loop (follow-up teams, rules and tasks) and survey invitations (triggers,
-- scheduled invitations, delivery settings and personal links). Every key starts with workspace_id.
CREATE TABLE followup_teams (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- The position of the member who got the last task; the rotation continues after it.
    rotation_position INTEGER NOT NULL DEFAULT -1,
    created_at TEXT NOT NULL,
    CONSTRAINT pk_followup_teams PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX ix_followup_teams_workspace_id_name ON followup_teams (workspace_id, name);

CREATE TABLE followup_team_members (
    workspace_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    CONSTRAINT pk_followup_team_members PRIMARY KEY (workspace_id, team_id, user_id),
    CONSTRAINT fk_followup_team_members_followup_teams FOREIGN KEY (workspace_id, team_id) REFERENCES followup_teams (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT fk_followup_team_members_users FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_followup_team_members_workspace_id_user_id ON followup_team_members (workspace_id, user_id);

CREATE TABLE followup_rules (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- score: a metric at or below max_score; churn_threat: a comment the text engine flagged as a churn threat.
    kind TEXT NOT NULL,
    metric TEXT NULL,
    max_score REAL NULL,
    due_hours INTEGER NOT NULL,
    team_id TEXT NULL,
    enabled INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT pk_followup_rules PRIMARY KEY (workspace_id, id)
);

CREATE TABLE followup_tasks (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    -- One task per survey response (or per feedback row without a response): the job's idempotency key.
    trigger_key TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    feedback_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    team_id TEXT NULL,
    owner_id TEXT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    due_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT NULL,
    closed_by TEXT NULL,
    outcome TEXT NULL,
    outcome_note TEXT NULL,
    CONSTRAINT pk_followup_tasks PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_followup_tasks_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_followup_tasks_workspace_id_trigger_key ON followup_tasks (workspace_id, trigger_key);
CREATE INDEX ix_followup_tasks_workspace_id_status_due_at ON followup_tasks (workspace_id, status, due_at);
CREATE INDEX ix_followup_tasks_workspace_id_owner_id_status ON followup_tasks (workspace_id, owner_id, status);
CREATE INDEX ix_followup_tasks_workspace_id_customer_id ON followup_tasks (workspace_id, customer_id);
CREATE INDEX ix_followup_tasks_workspace_id_created_at ON followup_tasks (workspace_id, created_at);

-- Per workspace: whether the default rules were created, and the delivery settings for invitations. Secrets are
-- stored protected with ASP.NET Core Data Protection (the key ring is in data_protection_keys), never in plain text.
CREATE TABLE loop_settings (
    workspace_id TEXT NOT NULL,
    default_rules_at TEXT NULL,
    smtp_host TEXT NULL,
    smtp_port INTEGER NULL,
    smtp_starttls INTEGER NOT NULL DEFAULT 1,
    smtp_from TEXT NULL,
    smtp_user TEXT NULL,
    smtp_password_protected TEXT NULL,
    webhook_url TEXT NULL,
    webhook_secret_protected TEXT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT pk_loop_settings PRIMARY KEY (workspace_id)
);

CREATE TABLE invitation_triggers (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    -- order: every new order; event: every tracked event named event_name (e.g. "Conversation Resolved").
    source TEXT NOT NULL,
    event_name TEXT NULL,
    survey_id TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    channel TEXT NOT NULL,
    delay_minutes INTEGER NOT NULL,
    recontact_days INTEGER NOT NULL,
    sample_percent INTEGER NOT NULL,
    require_consent INTEGER NOT NULL,
    enabled INTEGER NOT NULL,
    -- Source rows up to this time have been considered (the job's watermark).
    scanned_until TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT pk_invitation_triggers PRIMARY KEY (workspace_id, id)
);

CREATE TABLE invitations (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    trigger_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    -- The order or event that prompted it: with trigger_id it makes scheduling idempotent.
    source_id TEXT NOT NULL,
    touchpoint TEXT NOT NULL,
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    skip_reason TEXT NULL,
    due_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT NULL,
    sent_at TEXT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT pk_invitations PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_invitations_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT fk_invitations_invitation_triggers FOREIGN KEY (workspace_id, trigger_id) REFERENCES invitation_triggers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_invitations_workspace_id_trigger_id_source_id ON invitations (workspace_id, trigger_id, source_id);
CREATE INDEX ix_invitations_workspace_id_status_next_attempt_at ON invitations (workspace_id, status, next_attempt_at);
CREATE INDEX ix_invitations_workspace_id_customer_id_due_at ON invitations (workspace_id, customer_id, due_at);
