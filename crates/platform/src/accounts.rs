//! Accounts (manual ch. 2 and §3.4): registration check against the company registry,
//! activation, login with captcha and lockout, sessions, password change.

use crate::captcha;
use crate::db::{now_ms, rfc3339, today};
use crate::error::ApiErr;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use axum::http::StatusCode;
use base64::Engine;
use rand::RngCore;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use xinbao_domain::validate;
use xinbao_wire::*;

/// Failed logins within this window…
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// …this many of them for one account from one address…
pub const MAX_FAILURES: i64 = 5;
/// …or this many from one address for any accounts…
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// …lock that account for that address (or that address) this long.
pub const LOCK_MS: i64 = 15 * 60 * 1000;

/// Who a failed login counts against: the company the identifier names, or the identifier
/// itself when it names none (an unknown account is counted, answered and timed alike).
fn subject(company: Option<i64>, ident: &str) -> String {
    match company {
        Some(id) => format!("company:{id}"),
        None => format!("ident:{ident}"),
    }
}

/// The lock on `subject` for `ip`, or on `ip` itself, if one holds.
fn current_lock(
    conn: &Connection,
    subject: &str,
    ip: &str,
    now: i64,
) -> Result<Option<i64>, ApiErr> {
    Ok(conn.query_row(
        "SELECT max(until) FROM login_locks WHERE ip = ?2 AND (subject = ?1 OR subject = '*') AND until > ?3",
        params![subject, ip, now],
        |r| r.get(0),
    )?)
}

/// Counts a failure of `subject` from `ip`; locks when a limit is reached. Returns the
/// tries left for the subject from that address, or the lock's end.
fn record_failure(
    conn: &mut Connection,
    subject: &str,
    ip: &str,
    now: i64,
) -> Result<Result<i64, i64>, ApiErr> {
    let tx = conn.transaction()?;
    tx.execute(
        "DELETE FROM login_attempts WHERE at <= ?1",
        [now - FAILURE_WINDOW_MS],
    )?;
    tx.execute(
        "INSERT INTO login_attempts (subject, ip, at) VALUES (?1, ?2, ?3)",
        params![subject, ip, now],
    )?;
    let mine: i64 = tx.query_row(
        "SELECT count(*) FROM login_attempts WHERE subject = ?1 AND ip = ?2",
        params![subject, ip],
        |r| r.get(0),
    )?;
    let address: i64 = tx.query_row(
        "SELECT count(*) FROM login_attempts WHERE ip = ?1",
        [ip],
        |r| r.get(0),
    )?;
    let until = now + LOCK_MS;
    let outcome = if address >= MAX_FAILURES_PER_ADDRESS {
        tx.execute(
            "INSERT OR REPLACE INTO login_locks (subject, ip, until) VALUES ('*', ?1, ?2)",
            params![ip, until],
        )?;
        tx.execute("DELETE FROM login_attempts WHERE ip = ?1", [ip])?;
        Err(until)
    } else if mine >= MAX_FAILURES {
        tx.execute(
            "INSERT OR REPLACE INTO login_locks (subject, ip, until) VALUES (?1, ?2, ?3)",
            params![subject, ip, until],
        )?;
        tx.execute(
            "DELETE FROM login_attempts WHERE subject = ?1 AND ip = ?2",
            params![subject, ip],
        )?;
        Err(until)
    } else {
        Ok(MAX_FAILURES - mine)
    };
    tx.commit()?;
    Ok(outcome)
}

/// A hash to verify against when the account is unknown: the answer takes as long.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not-an-account-of-this-platform").unwrap_or_default())
}
const TICKET_TTL_MS: i64 = 30 * 60 * 1000;

/// argon2id with the library's defaults (m=19 MiB, t=2, p=1), PHC string.
pub fn hash_password(password: &str) -> Result<String, ApiErr> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| ApiErr::internal("password hashing failed"))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random token (URL-safe base64 of 32 bytes) and the hash stored in its place.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn text(field: &str, value: &str, max: usize) -> Result<String, ApiErr> {
    validate::text(value, max).map_err(|e| ApiErr::invalid(field, e))
}

/// Manual §2.1 step 3: the licence against the registry.
pub fn registration_check(
    conn: &Connection,
    req: &RegistrationCheck,
) -> Result<RegistrationTicket, ApiErr> {
    captcha::check(conn, &req.captcha_id, &req.captcha_answer)?;
    let company_name = text("company_name", &req.company_name, 100)?;
    let uscc = validate::uscc(&req.uscc).map_err(|e| ApiErr::invalid("uscc", e))?;
    let rep_name = text("legal_rep_name", &req.legal_rep_name, 50)?;
    let rep_id = validate::resident_id(&req.legal_rep_id_no, today())
        .map_err(|e| ApiErr::invalid("legal_rep_id_no", e))?;
    let row: Option<(String, String, String)> = conn
        .query_row(
            "SELECT company_name, legal_rep_name, legal_rep_id_no FROM registry WHERE uscc = ?1",
            [&uscc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((reg_name, reg_rep, reg_id)) = row else {
        return Err(ApiErr::unprocessable(
            "registration.unknown_company",
            "no company with this USCC in the registry",
        )
        .field("uscc"));
    };
    for (field, given, known) in [
        ("company_name", &company_name, &reg_name),
        ("legal_rep_name", &rep_name, &reg_rep),
        ("legal_rep_id_no", &rep_id, &reg_id),
    ] {
        if given != known {
            return Err(ApiErr::unprocessable(
                "registration.mismatch",
                format!("{field} does not match the registry"),
            )
            .field(field));
        }
    }
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM companies WHERE uscc = ?1)",
        [&uscc],
        |r| r.get(0),
    )?;
    if exists {
        return Err(ApiErr::conflict(
            "registration.exists",
            "this company is already registered: log in",
        )
        .field("uscc"));
    }
    let (token, hash) = new_token();
    let expires = now_ms() + TICKET_TTL_MS;
    conn.execute(
        "INSERT INTO registration_tickets (token_hash, uscc, expires_at) VALUES (?1, ?2, ?3)",
        params![hash, uscc, expires],
    )?;
    Ok(RegistrationTicket {
        registration_token: token,
        expires_at: rfc3339(expires),
    })
}

/// Manual §2.1 step 4: the profile and password. The login account is the USCC.
pub fn activate(conn: &mut Connection, req: &Activation) -> Result<Account, ApiErr> {
    let contact_name = text("contact_name", &req.contact_name, 50)?;
    let mobile = validate::mobile(&req.mobile).map_err(|e| ApiErr::invalid("mobile", e))?;
    let email = match req
        .email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(e) if e.contains('@') && e.len() <= 100 && !e.contains(char::is_whitespace) => {
            Some(e.to_string())
        }
        Some(_) => {
            return Err(
                ApiErr::unprocessable("email.format", "not an e-mail address").field("email"),
            )
        }
    };
    let office = match req
        .office_address
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        None => None,
        Some(a) => Some(text("office_address", a, 200)?),
    };
    validate::password(&req.password).map_err(|e| ApiErr::invalid("password", e))?;
    let tx = conn.transaction()?;
    let uscc: Option<String> = tx
        .query_row(
            "DELETE FROM registration_tickets WHERE token_hash = ?1 AND expires_at >= ?2 RETURNING uscc",
            params![token_hash(&req.registration_token), now_ms()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(uscc) = uscc else {
        return Err(ApiErr::unprocessable(
            "registration.token",
            "the registration check expired or was used: verify the licence again",
        )
        .field("registration_token"));
    };
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM companies WHERE uscc = ?1)",
        [&uscc],
        |r| r.get(0),
    )?;
    if exists {
        return Err(
            ApiErr::conflict("registration.exists", "this company is already registered")
                .field("uscc"),
        );
    }
    let taken: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM companies WHERE mobile = ?1)",
        [&mobile],
        |r| r.get(0),
    )?;
    if taken {
        return Err(
            ApiErr::conflict("mobile.taken", "this mobile is bound to another account")
                .field("mobile"),
        );
    }
    let hash = hash_password(&req.password)?;
    let n: i64 = tx.query_row("SELECT count(*) FROM companies", [], |r| r.get(0))?;
    let procurement_no = format!("YW{}{:06}", today().year(), n + 1);
    tx.execute(
        "INSERT INTO companies (uscc, procurement_no, company_name, contact_name, mobile, email, office_address,
                                password_hash, activated_at)
         SELECT uscc, ?2, company_name, ?3, ?4, ?5, ?6, ?7, ?8 FROM registry WHERE uscc = ?1",
        params![uscc, procurement_no, contact_name, mobile, email, office, hash, now_ms()],
    )?;
    let id = tx.last_insert_rowid();
    let account = account(&tx, id)?;
    tx.commit()?;
    Ok(account)
}

/// The company as the contract shows it.
pub fn account(conn: &Connection, company_id: i64) -> Result<Account, ApiErr> {
    Ok(conn.query_row(
        "SELECT uscc, procurement_no, company_name, contact_name, mobile, realname_status,
                EXISTS (SELECT 1 FROM settlement_bindings b WHERE b.company_id = c.id)
         FROM companies c WHERE id = ?1",
        [company_id],
        |r| {
            Ok(Account {
                uscc: r.get(0)?,
                procurement_no: r.get(1)?,
                company_name: r.get(2)?,
                contact_name: r.get(3)?,
                mobile: r.get(4)?,
                realname_status: RealnameStatus::parse(&r.get::<_, String>(5)?)
                    .unwrap_or(RealnameStatus::Unverified),
                settlement_bound: r.get(6)?,
            })
        },
    )?)
}

fn failed() -> ApiErr {
    // One message for an unknown account and a wrong password: no account probing.
    ApiErr::new(
        StatusCode::UNAUTHORIZED,
        "auth.failed",
        "wrong account or password",
    )
}

fn locked(until: i64) -> ApiErr {
    ApiErr::new(
        StatusCode::LOCKED,
        "auth.locked",
        "too many failed logins: logging in from here is locked for 15 minutes",
    )
    .retry_after((until - now_ms() + 999) / 1000)
}

/// Manual §2.2: the captcha first (consumed either way), then the lock, then the password.
/// An unknown account is answered exactly as a wrong password (the same words, the same
/// count of tries left, the same argon2 work); failures lock the account for the address
/// they came from (see [`record_failure`]).
pub fn login(
    conn: &mut Connection,
    req: &LoginRequest,
    session_ttl_s: i64,
    ip: &str,
) -> Result<Session, ApiErr> {
    captcha::check(conn, &req.captcha_id, &req.captcha_answer)?;
    let ident = req.identifier.trim().to_ascii_uppercase();
    let sql = match req.method {
        LoginMethod::Account => {
            "SELECT id, password_hash FROM companies WHERE uscc = ?1 OR procurement_no = ?1"
        }
        LoginMethod::Mobile => "SELECT id, password_hash FROM companies WHERE mobile = ?1",
    };
    let row: Option<(i64, String)> = conn
        .query_row(sql, [&ident], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let now = now_ms();
    let subject = subject(row.as_ref().map(|r| r.0), &ident);
    if let Some(until) = current_lock(conn, &subject, ip, now)? {
        return Err(locked(until));
    }
    let verified = match &row {
        Some((_, hash)) => verify_password(&req.password, hash),
        None => {
            verify_password(&req.password, dummy_hash());
            false
        }
    };
    let Some((id, _)) = row.filter(|_| verified) else {
        return Err(match record_failure(conn, &subject, ip, now)? {
            Err(until) => locked(until),
            Ok(left) => {
                let mut e = failed();
                e.body.message = format!("wrong account or password ({left} tries left)");
                e.tries_left(left)
            }
        });
    };
    conn.execute(
        "DELETE FROM login_attempts WHERE subject = ?1 AND ip = ?2",
        params![subject, ip],
    )?;
    let (token, hash) = new_token();
    let expires = now + session_ttl_s * 1000;
    conn.execute("DELETE FROM sessions WHERE expires_at < ?1", [now])?;
    conn.execute(
        "INSERT INTO sessions (token_hash, company_id, expires_at) VALUES (?1, ?2, ?3)",
        params![hash, id, expires],
    )?;
    Ok(Session {
        token,
        expires_at: rfc3339(expires),
        account: account(conn, id)?,
    })
}

/// The company a bearer token belongs to.
pub fn authenticate(conn: &Connection, token: &str) -> Result<i64, ApiErr> {
    let row: Option<(i64, i64)> = conn
        .query_row(
            "SELECT company_id, expires_at FROM sessions WHERE token_hash = ?1",
            [token_hash(token)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Err(ApiErr::new(
            StatusCode::UNAUTHORIZED,
            "auth.required",
            "log in first",
        )),
        Some((_, exp)) if exp < now_ms() => Err(ApiErr::new(
            StatusCode::UNAUTHORIZED,
            "auth.expired",
            "the session expired: log in again",
        )),
        Some((id, _)) => Ok(id),
    }
}

pub fn logout(conn: &Connection, token: &str) -> Result<(), ApiErr> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?1",
        [token_hash(token)],
    )?;
    Ok(())
}

/// Manual §3.4: old and new password; the account's other sessions end.
pub fn change_password(
    conn: &mut Connection,
    company_id: i64,
    token: &str,
    req: &PasswordChange,
    ip: &str,
) -> Result<(), ApiErr> {
    let hash: String = conn.query_row(
        "SELECT password_hash FROM companies WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )?;
    // Wrong old passwords count as failed logins: a stolen session cannot guess on.
    let subject = subject(Some(company_id), "");
    let now = now_ms();
    if let Some(until) = current_lock(conn, &subject, ip, now)? {
        return Err(locked(until));
    }
    if !verify_password(&req.old_password, &hash) {
        return Err(match record_failure(conn, &subject, ip, now)? {
            Err(until) => locked(until),
            Ok(left) => ApiErr::new(
                StatusCode::FORBIDDEN,
                "password.old_wrong",
                format!("the old password is wrong ({left} tries left)"),
            )
            .field("old_password")
            .tries_left(left),
        });
    }
    validate::password(&req.new_password).map_err(|e| ApiErr::invalid("new_password", e))?;
    if req.new_password == req.old_password {
        return Err(ApiErr::unprocessable(
            "password.same",
            "the new password must differ from the old one",
        )
        .field("new_password"));
    }
    let new_hash = hash_password(&req.new_password)?;
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE companies SET password_hash = ?2 WHERE id = ?1",
        params![company_id, new_hash],
    )?;
    tx.execute(
        "DELETE FROM sessions WHERE company_id = ?1 AND token_hash <> ?2",
        params![company_id, token_hash(token)],
    )?;
    tx.commit()?;
    Ok(())
}
