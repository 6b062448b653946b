-- Obsess schema version 9: events no longer carry a foreign key to customers (see the PostgreSQL script for why:
-- every inserted event looked its customer up; the code that writes events keeps what the key guarded).
-- SQLite cannot drop a constraint, so the table is rebuilt (https://www.sqlite.org/lang_altertable.html#otheralter):
-- nothing references events, so the rebuild is safe with foreign keys on.
CREATE TABLE events_new (
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
    CONSTRAINT pk_events PRIMARY KEY (workspace_id, id)
);
INSERT INTO events_new (workspace_id, id, customer_id, type, name, source, channel, occurred_at, properties, message_id)
    SELECT workspace_id, id, customer_id, type, name, source, channel, occurred_at, properties, message_id FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE UNIQUE INDEX ix_events_workspace_id_message_id ON events (workspace_id, message_id);
CREATE INDEX ix_events_workspace_id_customer_id_occurred_at ON events (workspace_id, customer_id, occurred_at);
CREATE INDEX ix_events_workspace_id_occurred_at ON events (workspace_id, occurred_at);
