-- Failed logins and wrong old passwords, by subject (a company, or the identifier typed
-- when it names none) and by the client's address. Five in 15 minutes lock that subject
-- for that address only: someone who knows a company's USCC cannot lock its clerks out
-- from their own computers. Twenty from one address, whatever the subjects, lock that
-- address.
CREATE TABLE login_attempts (
    subject TEXT NOT NULL,
    ip      TEXT NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX login_attempts_subject ON login_attempts (subject, ip, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE login_locks (
    subject TEXT NOT NULL,
    ip      TEXT NOT NULL,
    until   INTEGER NOT NULL,
    PRIMARY KEY (subject, ip)
) WITHOUT ROWID;
