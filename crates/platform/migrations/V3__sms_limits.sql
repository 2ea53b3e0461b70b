-- SMS codes: wrong tries per code (five make it void), and every send remembered, so the
-- sends of a company and to a mobile are limited per hour and per day.
ALTER TABLE sms_codes ADD COLUMN wrong_tries INTEGER NOT NULL DEFAULT 0;

CREATE TABLE sms_sends (
    company_id INTEGER NOT NULL,
    mobile     TEXT NOT NULL,
    sent_at    INTEGER NOT NULL
);
CREATE INDEX sms_sends_company ON sms_sends (company_id, sent_at);
CREATE INDEX sms_sends_mobile ON sms_sends (mobile, sent_at);
