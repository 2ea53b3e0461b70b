-- The order list sorts by each of its columns: an index per sort key, so a page of 50 at
-- 100,000 orders reads 50 rows, not all of them (ties go by id, the rowid every index ends
-- with). The state sorts in the order's life, draft → confirmed → declared. The state
-- filter matches half the orders or more: it gets its own pair with each key.
CREATE INDEX export_orders_buyer ON export_orders (buyer_name);
CREATE INDEX export_orders_total ON export_orders (total_cents);
CREATE INDEX export_orders_country_only ON export_orders (country);
CREATE INDEX export_orders_life ON export_orders ((CASE state WHEN 'draft' THEN 0 WHEN 'confirmed' THEN 1 ELSE 2 END));
CREATE INDEX export_orders_state_buyer ON export_orders (state, buyer_name);
CREATE INDEX export_orders_state_total ON export_orders (state, total_cents);
CREATE INDEX export_orders_state_country ON export_orders (state, country);
CREATE INDEX export_orders_state_created ON export_orders (state, created_at);
