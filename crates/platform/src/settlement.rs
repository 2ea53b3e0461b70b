//! Settlement entity binding (manual §3.3 step 1): an SMS code to the mobile being bound,
//! then the binding, for good.

use crate::db::{now_ms, rfc3339, today};
use crate::error::ApiErr;
use crate::sink::Sink;
use axum::http::StatusCode;
use rand::Rng;
use rusqlite::{params, Connection, OptionalExtension};
use xinbao_domain::validate;
use xinbao_wire::*;

const CODE_TTL_MS: i64 = 5 * 60 * 1000;
pub const RESEND_AFTER_S: i64 = 60;
/// Wrong codes a code survives: the fifth makes it void.
pub const MAX_WRONG_TRIES: i64 = 5;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// Sends allowed (per hour, per day) for one company, and to one mobile from anyone.
pub const COMPANY_SENDS: (i64, i64) = (5, 10);
pub const MOBILE_SENDS: (i64, i64) = (3, 5);

/// Refuses a send past the hourly or daily limit of the company or of the mobile.
fn check_send_limits(
    conn: &Connection,
    company_id: i64,
    mobile: &str,
    now: i64,
) -> Result<(), ApiErr> {
    let sends = |column: &str,
                 value: &dyn rusqlite::ToSql,
                 since: i64|
     -> Result<(i64, Option<i64>), ApiErr> {
        Ok(conn.query_row(
            &format!(
                "SELECT count(*), min(sent_at) FROM sms_sends WHERE {column} = ?1 AND sent_at > ?2"
            ),
            params![value, since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    };
    for (column, value, (per_hour, per_day)) in [
        (
            "company_id",
            &company_id as &dyn rusqlite::ToSql,
            COMPANY_SENDS,
        ),
        ("mobile", &mobile as &dyn rusqlite::ToSql, MOBILE_SENDS),
    ] {
        for (window, most) in [(HOUR_MS, per_hour), (DAY_MS, per_day)] {
            let (n, oldest) = sends(column, value, now - window)?;
            if n >= most {
                let wait = oldest.map_or(window, |o| o + window - now);
                return Err(ApiErr::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "sms.limit",
                    format!(
                        "at most {most} codes per {} for one {}",
                        if window == HOUR_MS { "hour" } else { "day" },
                        if column == "mobile" {
                            "mobile"
                        } else {
                            "company"
                        }
                    ),
                )
                .retry_after((wait + 999) / 1000));
            }
        }
    }
    Ok(())
}

fn already_bound() -> ApiErr {
    ApiErr::conflict(
        "settlement.already_bound",
        "a settlement entity is already bound and cannot be changed",
    )
}

fn is_bound(conn: &Connection, company_id: i64) -> Result<bool, ApiErr> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM settlement_bindings WHERE company_id = ?1)",
        [company_id],
        |r| r.get(0),
    )?)
}

pub fn send_code(
    conn: &Connection,
    sink: &Sink,
    company_id: i64,
    req: &SmsCodeRequest,
) -> Result<SmsCodeSent, ApiErr> {
    let mobile = validate::mobile(&req.mobile).map_err(|e| ApiErr::invalid("mobile", e))?;
    if is_bound(conn, company_id)? {
        return Err(already_bound());
    }
    let now = now_ms();
    let last: Option<i64> = conn
        .query_row(
            "SELECT sent_at FROM sms_codes WHERE company_id = ?1 AND mobile = ?2",
            params![company_id, mobile],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(sent) = last.filter(|&s| now - s < RESEND_AFTER_S * 1000) {
        return Err(ApiErr::new(
            StatusCode::TOO_MANY_REQUESTS,
            "sms.too_soon",
            "a code was sent less than a minute ago",
        )
        .retry_after((sent + RESEND_AFTER_S * 1000 - now + 999) / 1000));
    }
    check_send_limits(conn, company_id, &mobile, now)?;
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    conn.execute(
        "INSERT OR REPLACE INTO sms_codes (company_id, mobile, code, sent_at, expires_at, wrong_tries)
         VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        params![company_id, mobile, code, now, now + CODE_TTL_MS],
    )?;
    conn.execute(
        "INSERT INTO sms_sends (company_id, mobile, sent_at) VALUES (?1, ?2, ?3)",
        params![company_id, mobile, now],
    )?;
    sink.deliver("sms", &mobile, &code);
    Ok(SmsCodeSent {
        expires_at: rfc3339(now + CODE_TTL_MS),
        resend_after_s: RESEND_AFTER_S as u64,
    })
}

pub fn bind(
    conn: &mut Connection,
    company_id: i64,
    req: &SettlementBindingRequest,
) -> Result<SettlementBinding, ApiErr> {
    if is_bound(conn, company_id)? {
        return Err(already_bound());
    }
    let name = validate::text(&req.name, 100).map_err(|e| ApiErr::invalid("name", e))?;
    let uscc = validate::uscc(&req.uscc).map_err(|e| ApiErr::invalid("uscc", e))?;
    let rep = validate::text(&req.legal_rep_name, 50)
        .map_err(|e| ApiErr::invalid("legal_rep_name", e))?;
    let rep_id = validate::resident_id(&req.legal_rep_id_no, today())
        .map_err(|e| ApiErr::invalid("legal_rep_id_no", e))?;
    let mobile = validate::mobile(&req.mobile).map_err(|e| ApiErr::invalid("mobile", e))?;
    let tx = conn.transaction()?;
    let stored: Option<(String, i64, i64)> = tx
        .query_row(
            "SELECT code, expires_at, wrong_tries FROM sms_codes WHERE company_id = ?1 AND mobile = ?2",
            params![company_id, mobile],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    match stored {
        None => {
            return Err(ApiErr::unprocessable(
                "sms.expired",
                "ask for a code for this mobile first",
            )
            .field("sms_code"))
        }
        Some((_, exp, _)) if exp < now_ms() => {
            return Err(
                ApiErr::unprocessable("sms.expired", "the code expired: ask for a new one")
                    .field("sms_code"),
            )
        }
        Some((code, _, tries)) if code != req.sms_code.trim() => {
            // Counted (and committed) before the answer: guessing has five tries a code.
            let tries = tries + 1;
            if tries >= MAX_WRONG_TRIES {
                tx.execute(
                    "DELETE FROM sms_codes WHERE company_id = ?1 AND mobile = ?2",
                    params![company_id, mobile],
                )?;
            } else {
                tx.execute(
                    "UPDATE sms_codes SET wrong_tries = ?3 WHERE company_id = ?1 AND mobile = ?2",
                    params![company_id, mobile, tries],
                )?;
            }
            tx.commit()?;
            return Err(if tries >= MAX_WRONG_TRIES {
                ApiErr::unprocessable(
                    "sms.too_many_tries",
                    format!("{MAX_WRONG_TRIES} wrong codes: this code is void, ask for a new one"),
                )
            } else {
                ApiErr::unprocessable(
                    "sms.wrong",
                    format!("the code is wrong ({} tries left)", MAX_WRONG_TRIES - tries),
                )
                .tries_left(MAX_WRONG_TRIES - tries)
            }
            .field("sms_code"));
        }
        Some(_) => {}
    }
    let at = now_ms();
    let entity = match req.entity_type {
        SettlementEntityType::Individual => "individual",
        SettlementEntityType::SmallEnterprise => "small_enterprise",
    };
    tx.execute("DELETE FROM sms_codes WHERE company_id = ?1", [company_id])?;
    tx.execute(
        "INSERT INTO settlement_bindings (company_id, entity_type, name, uscc, legal_rep_name, legal_rep_id_no, mobile, bound_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![company_id, entity, name, uscc, rep, rep_id, mobile, at],
    )?;
    tx.commit()?;
    Ok(SettlementBinding {
        entity_type: req.entity_type,
        name,
        uscc,
        legal_rep_name: rep,
        legal_rep_id_no: rep_id,
        mobile,
        bound_at: rfc3339(at),
    })
}

pub fn binding(conn: &Connection, company_id: i64) -> Result<SettlementBinding, ApiErr> {
    conn.query_row(
        "SELECT entity_type, name, uscc, legal_rep_name, legal_rep_id_no, mobile, bound_at
         FROM settlement_bindings WHERE company_id = ?1",
        [company_id],
        |r| {
            Ok(SettlementBinding {
                entity_type: if r.get::<_, String>(0)? == "individual" {
                    SettlementEntityType::Individual
                } else {
                    SettlementEntityType::SmallEnterprise
                },
                name: r.get(1)?,
                uscc: r.get(2)?,
                legal_rep_name: r.get(3)?,
                legal_rep_id_no: r.get(4)?,
                mobile: r.get(5)?,
                bound_at: rfc3339(r.get(6)?),
            })
        },
    )
    .optional()?
    .ok_or_else(|| {
        ApiErr::new(
            StatusCode::NOT_FOUND,
            "settlement.unbound",
            "no settlement entity is bound yet",
        )
    })
}
