-- Obsess schema version 1. Every workspace-owned table's keys start with workspace_id (Citus-ready).
CREATE TABLE workspaces (
    id TEXT NOT NULL CONSTRAINT pk_workspaces PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    default_region TEXT NOT NULL,
    currency TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX ix_workspaces_slug ON workspaces (slug);

CREATE TABLE users (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT NULL,
    last_login_at TEXT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CONSTRAINT pk_users PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX ix_users_workspace_id_email ON users (workspace_id, email);
CREATE INDEX ix_users_email ON users (email);

CREATE TABLE api_keys (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT NULL,
    revoked_at TEXT NULL,
    CONSTRAINT pk_api_keys PRIMARY KEY (workspace_id, id)
);
CREATE UNIQUE INDEX ix_api_keys_workspace_id_hash ON api_keys (workspace_id, hash);

CREATE TABLE customers (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NULL,
    email TEXT NULL,
    phone TEXT NULL,
    traits TEXT NOT NULL DEFAULT '{}',
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT pk_customers PRIMARY KEY (workspace_id, id)
);
CREATE INDEX ix_customers_workspace_id_email ON customers (workspace_id, email);
CREATE INDEX ix_customers_workspace_id_last_seen_at ON customers (workspace_id, last_seen_at);

CREATE TABLE customer_identities (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    value TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    CONSTRAINT pk_customer_identities PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_customer_identities_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_customer_identities_workspace_id_kind_source_value ON customer_identities (workspace_id, kind, source, value);
CREATE INDEX ix_customer_identities_workspace_id_value ON customer_identities (workspace_id, value);
CREATE INDEX ix_customer_identities_workspace_id_customer_id ON customer_identities (workspace_id, customer_id);

CREATE TABLE orders (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    ordered_at TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    items INTEGER NOT NULL,
    CONSTRAINT pk_orders PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_orders_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_orders_workspace_id_source_external_id ON orders (workspace_id, source, external_id);
CREATE INDEX ix_orders_workspace_id_customer_id_ordered_at ON orders (workspace_id, customer_id, ordered_at);
CREATE INDEX ix_orders_workspace_id_ordered_at ON orders (workspace_id, ordered_at);

CREATE TABLE events (
    workspace_id TEXT NOT NULL,
    id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    channel TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    message_id TEXT NOT NULL,
    CONSTRAINT pk_events PRIMARY KEY (workspace_id, id),
    CONSTRAINT fk_events_customers FOREIGN KEY (workspace_id, customer_id) REFERENCES customers (workspace_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_events_workspace_id_message_id ON events (workspace_id, message_id);
CREATE INDEX ix_events_workspace_id_customer_id_occurred_at ON events (workspace_id, customer_id, occurred_at);
CREATE INDEX ix_events_workspace_id_occurred_at ON events (workspace_id, occurred_at);

CREATE TABLE data_protection_keys (
    id INTEGER NOT NULL CONSTRAINT pk_data_protection_keys PRIMARY KEY AUTOINCREMENT,
    friendly_name TEXT NOT NULL,
    xml TEXT NOT NULL
);
