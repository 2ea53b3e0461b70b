//! Any cells, of any type, in any field: converting them to field texts and validating the
//! row must never panic, and a row that validates must hold only canonical values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xinbao_domain::order::LINE_FIELDS;
use xinbao_domain::{validate, LineForm};
use xinbao_import::cells::field_text;
use xinbao_import::columns;
use xinbao_import::source::RawCell;

fn number(bytes: &[u8]) -> f64 {
    let mut b = [0u8; 8];
    for (i, x) in bytes.iter().take(8).enumerate() {
        b[i] = *x;
    }
    f64::from_le_bytes(b)
}

fuzz_target!(|data: &[u8]| {
    let mut texts: [String; 9] = Default::default();
    let mut rest = data;
    for (i, field) in LINE_FIELDS.iter().enumerate() {
        let Some((&tag, r)) = rest.split_first() else { break };
        let Some((&len, r)) = r.split_first() else { break };
        let (chunk, r) = r.split_at((len as usize).min(r.len()));
        rest = r;
        let text = String::from_utf8_lossy(chunk).into_owned();
        let cell = match tag % 9 {
            0 => RawCell::Empty,
            1 => RawCell::Text(text),
            2 => RawCell::Int(number(chunk) as i64),
            3 => RawCell::Float(number(chunk)),
            4 => RawCell::Bool(tag & 0x10 != 0),
            5 => RawCell::Date(number(chunk)),
            6 => RawCell::DateIso(text),
            7 => RawCell::Float(f64::from(u32::from_le_bytes([tag, len, 0, 0])) / 100.0),
            _ => RawCell::Error(text),
        };
        texts[i] = match field_text(field, &cell, tag & 0x80 != 0) {
            Ok(t) => t,
            Err(_) => cell.header_text(),
        };
        let _ = columns::field_for_header(&texts[i]);
    }
    let (line, errors) = LineForm::from_fields(texts).parse_complete();
    if errors.is_empty() {
        // A valid row holds canonical values only.
        let mobile = line.mobile.as_deref().expect("a valid line has a mobile");
        assert_eq!(validate::mobile(mobile).as_deref(), Ok(mobile));
        let month = line.order_month.as_deref().expect("a valid line has a month");
        assert_eq!(validate::month(month).map(|m| m.to_string()).as_deref(), Ok(month));
        assert!(line.amount_cents.expect("amount").0 > 0);
        assert!(line.quantity.expect("quantity") > 0 && line.packages.expect("packages") > 0);
    }
});
