-- Obsess schema version 7: the closed loop (follow-up teams, rules and tasks) and survey invitations (triggers,
-- scheduled invitations, delivery settings and personal links). Every key starts with workspace_id.
CREATE TABLE followup_teams (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    name varchar(100) NOT NULL,
    -- The position of the member who got the last task; the rotation continues after it.
    rotation_position integer NOT NULL DEFAULT -1,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_followup_teams PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX ix_followup_teams_workspace_id_name ON followup_teams (workspace_id, name);

CREATE TABLE followup_team_members (
    workspace_id uuid NOT NULL,
    team_id uuid NOT NULL,
    user_id uuid NOT NULL,
    position integer NOT NULL,
    CONSTRAINT pk_followup_team_members PRIMARY KEY (workspace_id, team_id, user_id),
    CONSTRAINT fk_followup_team_members_followup_teams FOREIGN KEY (workspace_id, team_id) REFERENCES followup_teams (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT fk_followup_team_members_users FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_followup_team_members_workspace_id_user_id ON followup_team_members (workspace_id, user_id);

CREATE TABLE followup_rules (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    name varchar(100) NOT NULL,
    -- score: a metric at or below max_score; churn_threat: a comment the text engine flagged as a churn threat.
    kind varchar(16) NOT NULL,
    metric varchar(16) NULL,
    max_score double precision NULL,
    due_hours integer NOT NULL,
    team_id uuid NULL,
    enabled boolean NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_followup_rules PRIMARY KEY (workspace_id, id)
);

CREATE TABLE followup_tasks (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    -- One task per survey response (or per feedback row without a response): the job's idempotency key.
    trigger_key varchar(80) NOT NULL,
    rule_id uuid NOT NULL,
    feedback_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    team_id uuid NULL,
    owner_id uuid NULL,
    reason varchar(300) NOT NULL,
    status varchar(16) NOT NULL,
    due_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    closed_at timestamptz NULL,
    closed_by varchar(64) NULL,
    outcome varchar(32) NULL,
    outcome_note text NULL,
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
    workspace_id uuid NOT NULL,
    default_rules_at timestamptz NULL,
    smtp_host varchar(255) NULL,
    smtp_port integer NULL,
    smtp_starttls boolean NOT NULL DEFAULT true,
    smtp_from varchar(320) NULL,
    smtp_user varchar(320) NULL,
    smtp_password_protected text NULL,
    webhook_url varchar(2000) NULL,
    webhook_secret_protected text NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT pk_loop_settings PRIMARY KEY (workspace_id)
);

CREATE TABLE invitation_triggers (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    name varchar(100) NOT NULL,
    -- order: every new order; event: every tracked event named event_name (e.g. "Conversation Resolved").
    source varchar(16) NOT NULL,
    event_name varchar(200) NULL,
    survey_id uuid NOT NULL,
    touchpoint varchar(64) NOT NULL,
    channel varchar(16) NOT NULL,
    delay_minutes integer NOT NULL,
    recontact_days integer NOT NULL,
    sample_percent integer NOT NULL,
    require_consent boolean NOT NULL,
    enabled boolean NOT NULL,
    -- Source rows up to this time have been considered (the job's watermark).
    scanned_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_invitation_triggers PRIMARY KEY (workspace_id, id)
);

CREATE TABLE invitations (
    workspace_id uuid NOT NULL,
    id uuid NOT NULL,
    trigger_id uuid NOT NULL,
    customer_id uuid NOT NULL,
    survey_id uuid NOT NULL,
    -- The order or event that prompted it: with trigger_id it makes scheduling idempotent.
    source_id uuid NOT NULL,
    touchpoint varchar(64) NOT NULL,
    channel varchar(16) NOT NULL,
    status varchar(16) NOT NULL,
    skip_reason varchar(32) NULL,
    due_at timestamptz NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error varchar(500) NULL,
    sent_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT pk_invitations PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_invitations_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE,
    CONSTRAINT fk_invitations_invitation_triggers FOREIGN KEY (workspace_id, trigger_id) REFERENCES invitation_triggers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_invitations_workspace_id_trigger_id_source_id ON invitations (workspace_id, trigger_id, source_id);
CREATE INDEX ix_invitations_workspace_id_status_next_attempt_at ON invitations (workspace_id, status, next_attempt_at);
CREATE INDEX ix_invitations_workspace_id_customer_id_due_at ON invitations (workspace_id, customer_id, due_at);
