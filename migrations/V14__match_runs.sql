-- 自动匹配 and group linking: links made together form a run, undone as one
-- (【撤销本次匹配】). Every link says how it was made; links from before are by hand.
CREATE TABLE match_runs (
    id        INTEGER PRIMARY KEY,
    order_id  INTEGER NOT NULL REFERENCES export_orders (id) ON DELETE CASCADE,
    actor     TEXT NOT NULL,
    at        TEXT NOT NULL,
    links     INTEGER NOT NULL CHECK (links >= 0),
    undone_at TEXT
);
CREATE INDEX match_runs_order ON match_runs (order_id, id);

ALTER TABLE line_links ADD COLUMN how TEXT NOT NULL DEFAULT 'hand'
    CHECK (how IN ('hand', 'exact', 'choice', 'suggestion', 'group'));
ALTER TABLE line_links ADD COLUMN run_id INTEGER REFERENCES match_runs (id);
CREATE INDEX line_links_run ON line_links (run_id) WHERE run_id IS NOT NULL;
