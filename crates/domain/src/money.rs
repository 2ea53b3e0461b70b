//! Money as integer cents of US dollars. Never floating point.

use crate::code::{Code, Invalid};
use crate::normalize;
use serde::{Deserialize, Serialize};

/// An amount in US cents. Amounts are positive in this domain; the type itself allows zero
/// so sums can start from it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

/// Largest amount accepted: one hundred billion dollars. Keeps every sum far from i64 overflow.
pub const MAX_CENTS: i64 = 100_000_000_000 * 100;

impl Cents {
    /// `1234.50`: no thousands separators, as typed into a form or a spreadsheet cell.
    pub fn plain(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }

    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }
}

impl std::fmt::Display for Cents {
    /// `1234.50` style, with thousands separators: `1,234.50`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}{grouped}.{:02}", abs % 100)
    }
}

impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

/// Parses what a clerk types or a spreadsheet holds: "1,234.50", "１２３４．５", "$1234.5",
/// "US$ 12", "12 USD". Refuses negatives, more than two decimals, malformed thousands
/// groups, and amounts over [`MAX_CENTS`]. Zero is accepted here; see [`parse_positive`].
pub fn parse(input: &str) -> Result<Cents, Invalid> {
    let compact = normalize::compact(input);
    let mut s: &str = &compact;
    if s.is_empty() {
        return Err(Invalid::new(Code::Required, "an amount is required"));
    }
    for prefix in ["US$", "USD", "$", "＄"] {
        if let Some(rest) = strip_prefix_ignore_case(s, prefix) {
            s = rest;
            break;
        }
    }
    for suffix in ["USD", "美元"] {
        if let Some(rest) = strip_suffix_ignore_case(s, suffix) {
            s = rest;
            break;
        }
    }
    if let Some(rest) = s.strip_prefix('-') {
        if !rest.is_empty() {
            return Err(Invalid::new(
                Code::MoneyNegative,
                "the amount must not be negative",
            ));
        }
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let bad = || {
        Invalid::new(
            Code::MoneyFormat,
            format!("'{}' is not an amount of money", input.trim()),
        )
    };
    if whole.is_empty() && frac.is_none_or(|f| f.is_empty()) {
        return Err(bad());
    }
    // Thousands separators: either none, or every group after the first has exactly 3 digits.
    let digits: String = if whole.contains(',') {
        let mut groups = whole.split(',');
        let first = groups.next().unwrap_or("");
        if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let mut d = first.to_string();
        for g in groups {
            if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            d.push_str(g);
        }
        d
    } else {
        if !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        whole.to_string()
    };
    let frac = frac.unwrap_or("");
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 2 {
        // "1.500" is still exactly 1.50: only refuse digits that would be lost.
        if frac[2..].bytes().any(|b| b != b'0') {
            return Err(Invalid::new(
                Code::MoneyDecimals,
                "an amount has at most two decimals (cents)",
            ));
        }
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > 15 {
        return Err(too_large());
    }
    let whole_value: i64 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| bad())?
    };
    let mut cents_part: i64 = 0;
    for (i, b) in frac.bytes().take(2).enumerate() {
        cents_part += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
    }
    let total = whole_value
        .checked_mul(100)
        .and_then(|w| w.checked_add(cents_part))
        .ok_or_else(too_large)?;
    if total > MAX_CENTS {
        return Err(too_large());
    }
    Ok(Cents(total))
}

/// [`parse`], and the amount must be above zero.
pub fn parse_positive(input: &str) -> Result<Cents, Invalid> {
    let c = parse(input)?;
    if c.0 == 0 {
        return Err(Invalid::new(
            Code::MoneyZero,
            "the amount must be greater than zero",
        ));
    }
    Ok(c)
}

/// Checks an amount that is already in cents (from the store or the wire).
pub fn check_positive(c: Cents) -> Result<Cents, Invalid> {
    if c.0 < 0 {
        Err(Invalid::new(
            Code::MoneyNegative,
            "the amount must not be negative",
        ))
    } else if c.0 == 0 {
        Err(Invalid::new(
            Code::MoneyZero,
            "the amount must be greater than zero",
        ))
    } else if c.0 > MAX_CENTS {
        Err(too_large())
    } else {
        Ok(c)
    }
}

fn too_large() -> Invalid {
    Invalid::new(
        Code::MoneyTooLarge,
        "the amount is larger than 100,000,000,000.00",
    )
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> i64 {
        parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}")).0
    }
    fn err(s: &str) -> Code {
        parse(s).expect_err(s).code
    }

    #[test]
    fn accepts_what_clerks_type() {
        assert_eq!(ok("1,234.50"), 123_450);
        assert_eq!(ok("１２３４．５"), 123_450);
        assert_eq!(ok("１，２３４.５"), 123_450);
        assert_eq!(ok("$1234.5"), 123_450);
        assert_eq!(ok("US$ 12"), 1_200);
        assert_eq!(ok("12 usd"), 1_200);
        assert_eq!(ok("12美元"), 1_200);
        assert_eq!(ok("0.01"), 1);
        assert_eq!(ok(".5"), 50);
        assert_eq!(ok("7."), 700);
        assert_eq!(ok("1.500"), 150);
        assert_eq!(ok(" 1 000 "), 100_000);
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("100,000,000,000"), MAX_CENTS);
    }

    #[test]
    fn refuses_what_is_not_money() {
        assert_eq!(err("1.234"), Code::MoneyDecimals);
        assert_eq!(err("-5"), Code::MoneyNegative);
        assert_eq!(err("-0.01"), Code::MoneyNegative);
        assert_eq!(err(""), Code::Required);
        assert_eq!(err("  "), Code::Required);
        assert_eq!(err("abc"), Code::MoneyFormat);
        assert_eq!(err("12,34"), Code::MoneyFormat);
        assert_eq!(err("1,2345"), Code::MoneyFormat);
        assert_eq!(err(",123"), Code::MoneyFormat);
        assert_eq!(err("1.2.3"), Code::MoneyFormat);
        assert_eq!(err("1e5"), Code::MoneyFormat);
        assert_eq!(err("."), Code::MoneyFormat);
        assert_eq!(err("-"), Code::MoneyFormat);
        assert_eq!(err("€12"), Code::MoneyFormat);
        assert_eq!(err("１２３😀"), Code::MoneyFormat);
        assert_eq!(err("100000000000.01"), Code::MoneyTooLarge);
        assert_eq!(err("99999999999999999999999999"), Code::MoneyTooLarge);
        assert_eq!(parse_positive("0.00").unwrap_err().code, Code::MoneyZero);
    }

    #[test]
    fn displays_with_separators() {
        assert_eq!(Cents(123_450).to_string(), "1,234.50");
        assert_eq!(Cents(5).to_string(), "0.05");
        assert_eq!(Cents(100_000_000).to_string(), "1,000,000.00");
        assert_eq!(Cents(-150).to_string(), "-1.50");
        assert_eq!(Cents(123_450).plain(), "1234.50");
        assert_eq!(Cents(-5).plain(), "-0.05");
    }
}
