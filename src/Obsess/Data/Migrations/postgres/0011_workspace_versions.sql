-- Obsess schema version 11: a per-workspace change counter for customers and their identities.
-- Ingestion keeps, per process, the identities and customers it last read and wrote (IngestionService's resolution
-- cache) and uses them instead of reading them again under the workspace lock, but only while nobody else changed
-- either table in that workspace: it reads this counter under the lock and compares it with the value its own last
-- commit left. The counter is moved by triggers, not by the code that writes, so that no writer (the import, a
-- merge or split, the consent API, a script run in psql) can change a customer or an identity without it.
-- Statement-level triggers with transition tables fire once per statement, binary COPY included
-- (https://www.postgresql.org/docs/15/sql-createtrigger.html); a trigger with transition tables may name only one
-- event, hence one trigger per event and table. No foreign key to workspaces: a workspace's deletion cascades into
-- customers, whose trigger then writes here.
CREATE TABLE workspace_versions (
    workspace_id uuid NOT NULL,
    version bigint NOT NULL,
    CONSTRAINT pk_workspace_versions PRIMARY KEY (workspace_id)
);

CREATE FUNCTION obsess_bump_workspace_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workspace_versions AS v (workspace_id, version)
    SELECT DISTINCT workspace_id, 1 FROM changed_rows
    ON CONFLICT (workspace_id) DO UPDATE SET version = v.version + 1;
    RETURN NULL;
END
$$;

-- TRUNCATE has no rows to name a workspace by: every workspace's counter moves.
CREATE FUNCTION obsess_bump_all_workspace_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO workspace_versions AS v (workspace_id, version)
    SELECT id, 1 FROM workspaces
    ON CONFLICT (workspace_id) DO UPDATE SET version = v.version + 1;
    UPDATE workspace_versions SET version = version + 1 WHERE workspace_id NOT IN (SELECT id FROM workspaces);
    RETURN NULL;
END
$$;

CREATE TRIGGER tr_customers_inserted AFTER INSERT ON customers REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_workspace_versions();
CREATE TRIGGER tr_customers_updated AFTER UPDATE ON customers REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_workspace_versions();
CREATE TRIGGER tr_customers_deleted AFTER DELETE ON customers REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_workspace_versions();
CREATE TRIGGER tr_customers_truncated AFTER TRUNCATE ON customers
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_all_workspace_versions();
CREATE TRIGGER tr_customer_identities_inserted AFTER INSERT ON customer_identities REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_workspace_versions();
CREATE TRIGGER tr_customer_identities_updated AFTER UPDATE ON customer_identities REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_workspace_versions();
CREATE TRIGGER tr_customer_identities_deleted AFTER DELETE ON customer_identities REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_workspace_versions();
CREATE TRIGGER tr_customer_identities_truncated AFTER TRUNCATE ON customer_identities
    FOR EACH STATEMENT EXECUTE FUNCTION obsess_bump_all_workspace_versions();
