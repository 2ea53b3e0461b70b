//! 订单编号: the number a clerk and the customs broker quote for an order. It is read off
//! the order's uuid (its first twelve hex digits, which a version 4 uuid draws at random),
//! so every computer of the company shows the same number for the same order, offline,
//! from the moment the draft exists, with nothing to allocate or sync.
//!
//! Twelve hex digits are 48 bits: two orders of one company share a number about once in
//! a few thousand books of a million orders. A lookup that finds two orders says so and
//! asks for the buyer, passport and total instead; it never picks one.

use crate::code::{Code, Invalid};
use crate::normalize;

/// The letters every order number starts with.
pub const PREFIX: &str = "XB";

/// The order number of the order with `uuid`: `XB-3F2A-9C1B-7E4D`. A uuid too short to
/// hold twelve hex digits (none of ours) gives what it has.
pub fn of(uuid: &str) -> String {
    let hex: String = uuid
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .take(12)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let groups: Vec<&str> = hex
        .as_bytes()
        .chunks(4)
        .map(|g| std::str::from_utf8(g).expect("ascii"))
        .collect();
    format!("{PREFIX}-{}", groups.join("-"))
}

/// What an order number typed or pasted from a spreadsheet names: the start its order's
/// uuid has (`3f2a9c1b-7e4d-`), to find it by the uuid's index. The prefix, dashes,
/// spaces, full-width characters and case are forgiven.
pub fn parse(input: &str) -> Result<UuidStart, Invalid> {
    let s = normalize::compact(input).to_ascii_uppercase();
    if s.is_empty() {
        return Err(Invalid::new(Code::Required, "the order number is missing"));
    }
    let body: String = s
        .strip_prefix(PREFIX)
        .unwrap_or(&s)
        .chars()
        .filter(|c| *c != '-')
        .collect();
    let digits = body.chars().count();
    if digits != 12 || !body.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Invalid::new(
            Code::OrderNoFormat,
            format!(
                "an order number is {PREFIX} and twelve digits 0-9, A-F (as {}); this one has {digits} after {PREFIX}{}",
                of("3f2a9c1b-7e4d-4000-8000-000000000000"),
                match body.chars().find(|c| !c.is_ascii_hexdigit()) {
                    Some(bad) => format!(", and '{bad}' is not one of them"),
                    None => String::new(),
                }
            ),
        ));
    }
    let hex = body.to_ascii_lowercase();
    Ok(UuidStart(format!("{}-{}-", &hex[..8], &hex[8..])))
}

/// The first fourteen characters of an order's uuid as the database holds it (lower-case
/// hex, dashes after the 8th and 12th digit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UuidStart(String);

impl UuidStart {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The order number it is the start of.
    pub fn order_number(&self) -> String {
        of(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_read_off_the_uuid_and_read_back_from_any_spelling() {
        let uuid = "3f2a9c1b-7e4d-4a2b-9c3d-1234567890ab";
        assert_eq!(of(uuid), "XB-3F2A-9C1B-7E4D");
        for typed in [
            "XB-3F2A-9C1B-7E4D",
            "xb3f2a9c1b7e4d",
            " XB 3F2A-9C1B-7E4D ",
            "３F2A9C1B7E4D",
            "3f2a-9c1b-7e4d",
        ] {
            let start = parse(typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert!(uuid.starts_with(start.as_str()), "{typed}");
            assert_eq!(start.order_number(), of(uuid));
        }
    }

    #[test]
    fn a_wrong_number_says_what_is_wrong() {
        assert_eq!(parse("").unwrap_err().code, Code::Required);
        let short = parse("XB-3F2A-9C1B").unwrap_err();
        assert_eq!(short.code, Code::OrderNoFormat);
        assert!(short.message.contains("has 8"), "{}", short.message);
        let bad = parse("XB-3F2A-9C1B-7E4G").unwrap_err();
        assert!(bad.message.contains("'G'"), "{}", bad.message);
        // Every uuid the uuid crate makes gives a number that reads back to it.
        for _ in 0..1000 {
            let uuid = uuid_like();
            assert!(uuid.starts_with(parse(&of(&uuid)).unwrap().as_str()));
        }
    }

    fn uuid_like() -> String {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);
        let x = N
            .fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed)
            .wrapping_mul(0xbf58_476d_1ce4_e5b9);
        let h = format!("{x:016x}{:016x}", x.rotate_left(17));
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}
