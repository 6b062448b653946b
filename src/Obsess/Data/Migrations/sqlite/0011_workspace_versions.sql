-- Obsess schema version 11: the per-workspace change counter of customers and identities that PostgreSQL's
-- ingestion uses to trust its resolution cache (see the PostgreSQL script). SQLite's ingestion has no such cache
-- (it is bound by its durable writes, not its reads), so the counter is not kept here: this version only keeps the
-- two engines' version numbers in step.
SELECT 1;
