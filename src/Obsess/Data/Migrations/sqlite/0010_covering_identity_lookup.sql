-- Obsess schema version 10: the index that finds who holds an identity value also carries what the lookup returns
-- (see the PostgreSQL script). SQLite has no INCLUDE; the extra columns go at the end of the key, which SQLite uses
-- as a covering index for the same lookup (https://www.sqlite.org/queryplanner.html#covidx).
DROP INDEX ix_customer_identities_workspace_id_value;
CREATE INDEX ix_customer_identities_workspace_id_value ON customer_identities (workspace_id, value, kind, source, customer_id);
