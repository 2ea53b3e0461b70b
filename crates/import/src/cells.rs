//! From a cell as the file holds it to the text of a field. The domain's validators then
//! judge the text; what only the cell type reveals (a formula error, a fraction in a
//! count, a date serial) is settled here.

use crate::source::RawCell;
use time::{Date, Duration, Month};
use xinbao_domain::{Code, FieldError, Invalid};

/// A date serial number to a date, in the 1900 or the 1904 date system. The 1900 system
/// counts the non-existent 29 February 1900 (a Lotus 1-2-3 bug kept by Excel).
pub fn serial_to_date(serial: f64, is_1904: bool) -> Option<Date> {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let (epoch, days) = if is_1904 {
        (
            Date::from_calendar_date(1904, Month::January, 1).ok()?,
            days,
        )
    } else if days >= 61 {
        (
            Date::from_calendar_date(1899, Month::December, 30).ok()?,
            days,
        )
    } else {
        (
            Date::from_calendar_date(1899, Month::December, 31).ok()?,
            days,
        )
    };
    epoch.checked_add(Duration::days(days))
}

fn month_text(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month() as u8)
}

/// Whole numbers print without a decimal point; others as Rust's shortest round-trip form.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        // itoa: three numeric cells a row, a million rows; the formatting machinery is slower.
        itoa::Buffer::new().format(f as i64).to_owned()
    } else {
        f.to_string()
    }
}

/// An amount held as a float: exact cents, or an error when it has more than two decimals.
fn amount_text(f: f64) -> Result<String, Invalid> {
    if !f.is_finite() {
        return Err(Invalid::new(Code::MoneyFormat, "the cell is not an amount"));
    }
    let cents = f * 100.0;
    if cents.abs() > xinbao_domain::money::MAX_CENTS as f64 {
        // Also keeps the conversion below from saturating at i64::MIN (found by fuzzing).
        return Err(Invalid::new(
            Code::MoneyTooLarge,
            format!("{f} is larger than any amount"),
        ));
    }
    let rounded = cents.round();
    if (cents - rounded).abs() > 1e-6 * rounded.abs().max(1.0) {
        return Err(Invalid::new(
            Code::MoneyDecimals,
            format!("{f} has more than two decimals"),
        ));
    }
    let c = rounded as i64;
    let mut out = String::with_capacity(16);
    if c < 0 {
        out.push('-');
    }
    out.push_str(itoa::Buffer::new().format(c.unsigned_abs() / 100));
    let fraction = (c.unsigned_abs() % 100) as u8;
    out.push('.');
    out.push(char::from(b'0' + fraction / 10));
    out.push(char::from(b'0' + fraction % 10));
    Ok(out)
}

/// The text of `cell` for `field`, or the problem the cell itself shows.
pub fn field_text(field: &str, cell: &RawCell, is_1904: bool) -> Result<String, FieldError> {
    let at = |e: Invalid| e.at(field);
    match cell {
        RawCell::Empty => Ok(String::new()),
        RawCell::Text(s) => Ok(s.clone()),
        RawCell::Error(e) => Err(at(Invalid::new(
            Code::CellError,
            format!("the cell shows the formula error {e}"),
        ))),
        RawCell::Bool(b) => Ok(if *b { "TRUE".into() } else { "FALSE".into() }),
        RawCell::Int(i) => match field {
            "amount" => Ok(format!("{}.00", itoa::Buffer::new().format(*i))),
            "order_month" => Ok(month_from_number(*i as f64, is_1904)),
            _ => Ok(itoa::Buffer::new().format(*i).to_owned()),
        },
        RawCell::Float(f) => match field {
            "amount" => amount_text(*f).map_err(at),
            "quantity" | "packages" if f.fract() != 0.0 => Err(at(Invalid::new(
                Code::IntFormat,
                format!("{f} is not a whole number"),
            ))),
            "mobile" if f.fract() != 0.0 => Err(at(Invalid::new(
                Code::MobileFormat,
                format!("{f} is not a mobile number"),
            ))),
            "order_month" => Ok(month_from_number(*f, is_1904)),
            _ => Ok(number_text(*f)),
        },
        RawCell::Date(serial) => match serial_to_date(*serial, is_1904) {
            Some(d) if field == "order_month" => Ok(month_text(d)),
            Some(d) => Ok(d.to_string()),
            None => Err(at(Invalid::new(
                Code::MonthFormat,
                "the date cell holds no valid date",
            ))),
        },
        RawCell::DateIso(s) => Ok(
            if field == "order_month" && s.len() >= 7 && s.is_char_boundary(7) {
                s[..7].to_string()
            } else {
                s.clone()
            },
        ),
    }
}

/// A number in the month column: `202603` is year and month; anything else a date serial.
fn month_from_number(f: f64, is_1904: bool) -> String {
    let whole = f.fract() == 0.0;
    if whole && (190_001.0..=299_912.0).contains(&f) {
        return number_text(f);
    }
    match serial_to_date(f, is_1904) {
        Some(d) if whole || f.fract() < 1.0 => month_text(d),
        _ => number_text(f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(field: &str, cell: RawCell) -> String {
        field_text(field, &cell, false).unwrap()
    }

    #[test]
    fn date_serials_in_both_systems() {
        // 2026-03-15 is serial 46096 in the 1900 system and 44634 in the 1904 system.
        assert_eq!(
            serial_to_date(46096.0, false).unwrap().to_string(),
            "2026-03-15"
        );
        assert_eq!(
            serial_to_date(44634.0, true).unwrap().to_string(),
            "2026-03-15"
        );
        assert_eq!(
            serial_to_date(59.0, false).unwrap().to_string(),
            "1900-02-28"
        );
        assert_eq!(
            serial_to_date(61.0, false).unwrap().to_string(),
            "1900-03-01"
        );
        assert_eq!(serial_to_date(f64::NAN, false), None);
        assert_eq!(
            field_text("order_month", &RawCell::Date(44634.0), true).unwrap(),
            "2026-03"
        );
    }

    #[test]
    fn cells_become_field_texts() {
        assert_eq!(text("order_month", RawCell::Date(46096.0)), "2026-03");
        assert_eq!(text("order_month", RawCell::Float(46096.0)), "2026-03");
        assert_eq!(text("order_month", RawCell::Int(202603)), "202603");
        assert_eq!(
            text("order_month", RawCell::DateIso("2026-03-01".into())),
            "2026-03"
        );
        assert_eq!(text("mobile", RawCell::Float(13800138000.0)), "13800138000");
        assert_eq!(text("amount", RawCell::Float(1234.5)), "1234.50");
        assert_eq!(text("amount", RawCell::Float(0.1 + 0.2)), "0.30");
        assert_eq!(text("amount", RawCell::Int(12)), "12.00");
        assert_eq!(text("quantity", RawCell::Float(12.0)), "12");
        assert_eq!(text("procurement_no", RawCell::Float(12345.0)), "12345");
        let err = |field: &str, cell: RawCell| field_text(field, &cell, false).unwrap_err().code;
        assert_eq!(err("amount", RawCell::Float(1.005)), Code::MoneyDecimals);
        assert_eq!(err("quantity", RawCell::Float(1.5)), Code::IntFormat);
        assert_eq!(
            err("merchant_name", RawCell::Error("#N/A".into())),
            Code::CellError
        );
    }
}
