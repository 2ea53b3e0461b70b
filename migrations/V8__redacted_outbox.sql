-- Xinbao Desk local store, schema 8: an operation the platform acknowledged keeps no
-- personal numbers (the platform has them): its payload's passport and mobile numbers are
-- masked once acknowledged. Nothing else of a queued operation may change, and nothing of
-- one still waiting.
ALTER TABLE outbox ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0 CHECK (redacted IN (0, 1));

DROP TRIGGER outbox_operation_immutable;
CREATE TRIGGER outbox_operation_immutable
BEFORE UPDATE ON outbox
WHEN (NEW.seq IS NOT OLD.seq AND NOT (OLD.acked_at IS NULL AND NEW.seq > OLD.seq))
  OR NEW.op_id IS NOT OLD.op_id OR NEW.kind IS NOT OLD.kind
  OR NEW.order_id IS NOT OLD.order_id
  OR (NEW.payload IS NOT OLD.payload AND (OLD.acked_at IS NULL OR OLD.redacted = 1))
  OR NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'outbox.immutable: a queued operation cannot change');
END;

CREATE INDEX outbox_unredacted ON outbox (seq) WHERE redacted = 0 AND acked_at IS NOT NULL;
