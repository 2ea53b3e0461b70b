//! Real-name verification (manual §2.3): photos by nationality, the office address, then
//! an administrator approves or rejects (`xinbao-platform admin realname-approve|reject`).

use crate::db::{now_ms, rfc3339};
use crate::error::ApiErr;
use axum::http::StatusCode;
use rusqlite::{params, Connection, OptionalExtension};
use xinbao_wire::{Nationality, RealnameState, RealnameStatus};

/// Largest photo accepted.
pub use xinbao_wire::MAX_PHOTO_BYTES;
/// Largest whole upload (every photo, the fields and multipart framing).
pub const MAX_UPLOAD_BYTES: usize = 5 * MAX_PHOTO_BYTES + 64 * 1024;

/// A submission as parsed from the multipart form.
#[derive(Debug, Default)]
pub struct Submission {
    pub nationality: Option<String>,
    pub office_address: Option<String>,
    /// (part name, bytes)
    pub photos: Vec<(String, Vec<u8>)>,
}

pub use xinbao_wire::sniff_image;

pub fn photo_too_large(part: &str) -> ApiErr {
    ApiErr::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload.too_large",
        format!("the photo {part} is larger than 5 MiB"),
    )
    .field(part)
}

pub fn submit(
    conn: &mut Connection,
    company_id: i64,
    s: Submission,
) -> Result<RealnameState, ApiErr> {
    let nationality = match s.nationality.as_deref().map(str::trim) {
        Some("chinese") => Nationality::Chinese,
        Some("foreign") => Nationality::Foreign,
        _ => {
            return Err(ApiErr::unprocessable(
                "realname.nationality",
                "nationality must be chinese or foreign",
            )
            .field("nationality"))
        }
    };
    let office = xinbao_domain::validate::text(s.office_address.as_deref().unwrap_or(""), 200)
        .map_err(|e| ApiErr::invalid("office_address", e))?;
    let mut wanted = vec!["holding_id"];
    wanted.extend_from_slice(nationality.photo_parts());
    let mut photos = Vec::new();
    for part in &wanted {
        let Some((_, bytes)) = s.photos.iter().find(|(p, _)| p == part) else {
            return Err(ApiErr::unprocessable(
                "upload.missing",
                format!("the photo {part} is missing"),
            )
            .field(part));
        };
        if bytes.len() > MAX_PHOTO_BYTES {
            return Err(photo_too_large(part));
        }
        let (ct, bytes) = reencoded(part, bytes)?;
        photos.push((*part, ct, bytes));
    }
    let tx = conn.transaction()?;
    let status: String = tx.query_row(
        "SELECT realname_status FROM companies WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )?;
    match status.as_str() {
        "pending" => {
            return Err(ApiErr::conflict(
                "realname.pending",
                "a verification is already waiting for review",
            ))
        }
        "approved" => {
            return Err(ApiErr::conflict(
                "realname.approved",
                "the company is already verified",
            ))
        }
        _ => {}
    }
    tx.execute(
        "INSERT INTO realname_submissions (company_id, nationality, office_address, submitted_at) VALUES (?1, ?2, ?3, ?4)",
        params![company_id, if nationality == Nationality::Chinese { "chinese" } else { "foreign" }, office, now_ms()],
    )?;
    let id = tx.last_insert_rowid();
    for (part, ct, bytes) in &photos {
        tx.execute(
            "INSERT INTO realname_photos (submission_id, part, content_type, bytes) VALUES (?1, ?2, ?3, ?4)",
            params![id, part, ct, bytes],
        )?;
    }
    tx.execute(
        "UPDATE companies SET realname_status = 'pending' WHERE id = ?1",
        [company_id],
    )?;
    tx.commit()?;
    state(conn, company_id)
}

pub fn state(conn: &Connection, company_id: i64) -> Result<RealnameState, ApiErr> {
    let status: String = conn.query_row(
        "SELECT realname_status FROM companies WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )?;
    let last = conn
        .query_row(
            "SELECT nationality, office_address, submitted_at, decided_at, reason FROM realname_submissions
             WHERE company_id = ?1 ORDER BY id DESC LIMIT 1",
            [company_id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                ))
            },
        )
        .optional()?;
    let mut out = RealnameState {
        status: RealnameStatus::parse(&status).unwrap_or(RealnameStatus::Unverified),
        nationality: None,
        office_address: None,
        submitted_at: None,
        decided_at: None,
        reason: None,
    };
    if let Some((nat, office, submitted, decided, reason)) = last {
        out.nationality = Some(if nat == "chinese" {
            Nationality::Chinese
        } else {
            Nationality::Foreign
        });
        out.office_address = Some(office);
        out.submitted_at = Some(rfc3339(submitted));
        out.decided_at = decided.map(rfc3339);
        out.reason = reason;
    }
    Ok(out)
}

/// The administrator's decision on a company's pending submission.
pub fn decide(
    conn: &mut Connection,
    uscc: &str,
    approve: bool,
    reason: Option<&str>,
) -> Result<RealnameState, ApiErr> {
    let tx = conn.transaction()?;
    let company: Option<i64> = tx
        .query_row("SELECT id FROM companies WHERE uscc = ?1", [uscc], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(company) = company else {
        return Err(ApiErr::new(
            StatusCode::NOT_FOUND,
            "company.unknown",
            format!("no company {uscc}"),
        ));
    };
    let status = if approve { "approved" } else { "rejected" };
    let n = tx.execute(
        "UPDATE realname_submissions SET status = ?2, reason = ?3, decided_at = ?4
         WHERE company_id = ?1 AND status = 'pending'",
        params![company, status, reason, now_ms()],
    )?;
    if n == 0 {
        return Err(ApiErr::conflict(
            "realname.none_pending",
            "no verification is waiting for review",
        ));
    }
    tx.execute(
        "UPDATE companies SET realname_status = ?2 WHERE id = ?1",
        params![company, status],
    )?;
    tx.commit()?;
    state(conn, company)
}

/// A photo as the platform keeps it: decoded (within size limits) and encoded again, so
/// only the picture stays: a file that merely starts like a JPEG (`<script>` behind the
/// magic bytes) or carries anything after or around its image is refused or cleaned.
fn reencoded(part: &str, bytes: &[u8]) -> Result<(&'static str, Vec<u8>), ApiErr> {
    let not_image = || {
        ApiErr::unprocessable(
            "upload.not_image",
            format!("{part} is not a JPEG or PNG image"),
        )
        .field(part)
    };
    let (ct, format) = match sniff_image(bytes) {
        Some("image/jpeg") => ("image/jpeg", image::ImageFormat::Jpeg),
        Some("image/png") => ("image/png", image::ImageFormat::Png),
        _ => return Err(not_image()),
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 << 20);
    reader.limits(limits);
    let picture = reader.decode().map_err(|_| not_image())?;
    let mut out = Vec::new();
    let written = match format {
        image::ImageFormat::Jpeg => {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
                .encode_image(&picture.to_rgb8())
        }
        _ => picture.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png),
    };
    written.map_err(|_| not_image())?;
    Ok((ct, out))
}
