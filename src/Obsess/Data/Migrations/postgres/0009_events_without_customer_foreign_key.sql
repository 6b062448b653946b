-- Obsess schema version 9: events no longer carry a foreign key to customers.
-- The key cost more than any index on the table: every inserted event ran a trigger that looked up and
-- share-locked its customer's row (EXPLAIN ANALYZE of 1,000 ingested events: 17-21 ms of the insert's 35-37 ms;
-- a 1M-row insert 24.9 s with it, 19.7 s without). What it guarded is kept by the code that writes events:
-- ingestion and import write an event only for a customer resolved or created in the same transaction, a merge
-- moves events to the survivor and never deletes the merged customer (it is kept for a split), and no code path
-- deletes a customer that has events (the demo reset deletes events first). Event stores such as PostHog's and
-- Segment's warehouses keep events without such a key for the same reason.
ALTER TABLE events DROP CONSTRAINT fk_events_customers;
