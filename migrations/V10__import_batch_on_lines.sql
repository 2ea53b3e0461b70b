-- An import is one change: one audit row names the file, its sha256, the batch and the
-- rows; every line it added carries its batch, so the audit of a line leads to its import.
-- (Before, one audit row per line made a 1M-line accept write a million audit rows.)
ALTER TABLE order_lines ADD COLUMN import_batch_id INTEGER REFERENCES import_batches (id);
