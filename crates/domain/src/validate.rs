//! Format validators. Each takes raw input, normalises it (full-width, spaces, case) and
//! returns the canonical value or an [`Invalid`] with a stable code. None of them panics on
//! any input: they work on chars, never on byte offsets of unchecked UTF-8.

use crate::code::{Code, Invalid};
use crate::countries::{self, Country};
use crate::normalize;
use std::borrow::Cow;
use time::{Date, Month};

/// USCC (统一社会信用代码, GB 32100-2015) alphabet: digits and upper-case letters without I, O, S, V, Z.
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc_value(c: char) -> Option<u32> {
    USCC_ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u32)
}

/// The check character the USCC's first 17 characters call for (weights 3^i mod 31).
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    let mut weight = 1u32;
    let mut n = 0;
    for c in first17.chars() {
        sum += uscc_value(c)? * weight;
        weight = weight * 3 % 31;
        n += 1;
    }
    if n != 17 {
        return None;
    }
    let check = (31 - sum % 31) % 31;
    Some(USCC_ALPHABET[check as usize] as char)
}

/// 统一社会信用代码: 18 characters, the last a check character.
pub fn uscc(input: &str) -> Result<String, Invalid> {
    let s = normalize::compact(input).to_ascii_uppercase();
    required(&s)?;
    let n = s.chars().count();
    if n != 18 {
        return Err(Invalid::new(
            Code::UsccLength,
            format!("a unified social credit code has 18 characters, this one has {n}"),
        ));
    }
    if let Some(bad) = s.chars().find(|c| uscc_value(*c).is_none()) {
        return Err(Invalid::new(
            Code::UsccCharset,
            format!("'{bad}' cannot appear in a unified social credit code (only 0-9 and A-Y without I, O, S, V, Z)"),
        ));
    }
    // All 18 characters are ASCII from here on, so byte slicing is safe.
    let expected = uscc_check_char(&s[..17]).expect("17 characters of the alphabet");
    let found = s.as_bytes()[17] as char;
    if found != expected {
        return Err(Invalid::new(
            Code::UsccCheck,
            format!("the check character should be '{expected}', not '{found}': a character was mistyped"),
        ));
    }
    Ok(s)
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The ISO 7064 MOD 11-2 check character for the first 17 digits of a resident ID.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(ID_WEIGHTS).map(|(d, w)| d * w).sum();
    Some(ID_CHECK[(sum % 11) as usize] as char)
}

/// 居民身份证号码 (GB 11643): 17 digits, a check digit or `X`, and a real birth date that is
/// not after `today` nor before 1900.
pub fn resident_id(input: &str, today: Date) -> Result<String, Invalid> {
    let s = normalize::compact(input).to_ascii_uppercase();
    required(&s)?;
    let n = s.chars().count();
    if n != 18 {
        return Err(Invalid::new(
            Code::IdLength,
            format!("a resident ID number has 18 characters, this one has {n}"),
        ));
    }
    let charset_ok = s
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || (i == 17 && c == 'X'));
    if !charset_ok {
        return Err(Invalid::new(
            Code::IdCharset,
            "a resident ID number is 17 digits followed by a digit or X",
        ));
    }
    // ASCII from here on.
    let year: i32 = s[6..10].parse().expect("digits");
    let month: u8 = s[10..12].parse().expect("digits");
    let day: u8 = s[12..14].parse().expect("digits");
    let birth = Month::try_from(month)
        .ok()
        .and_then(|m| Date::from_calendar_date(year, m, day).ok());
    match birth {
        Some(b) if year >= 1900 && b <= today => {}
        _ => {
            return Err(Invalid::new(
                Code::IdBirthDate,
                format!("'{}' is not a possible birth date", &s[6..14]),
            ))
        }
    }
    let expected = resident_id_check_char(&s[..17]).expect("17 digits");
    let found = s.as_bytes()[17] as char;
    if found != expected {
        return Err(Invalid::new(
            Code::IdCheck,
            format!(
                "the last character should be '{expected}', not '{found}': a digit was mistyped"
            ),
        ));
    }
    Ok(s)
}

/// Mainland mobile number: 11 digits, `1[3-9]` then 9 digits. Accepts `+86`/`0086`/`86`
/// prefixes and spaces or dashes between groups.
pub fn mobile(input: &str) -> Result<String, Invalid> {
    let s = without(normalize::compact(input), '-');
    required(&s)?;
    if looks_scientific(&s) {
        return Err(Invalid::new(
            Code::MobileScientific,
            format!("'{s}' is a number in scientific notation: the spreadsheet lost the mobile number's last digits; format the column as text and type the number again"),
        ));
    }
    let s = s
        .strip_prefix("+86")
        .or_else(|| s.strip_prefix("0086"))
        .or_else(|| {
            if s.len() == 13 {
                s.strip_prefix("86")
            } else {
                None
            }
        })
        .unwrap_or(&s);
    let b = s.as_bytes();
    let ok = b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]);
    if ok {
        Ok(s.to_string())
    } else {
        Err(Invalid::new(
            Code::MobileFormat,
            "a mainland mobile number has 11 digits and starts with 13 to 19",
        ))
    }
}

/// `1.38E+10`, `1.3800138E10`: what a spreadsheet shows for a long number it rounded.
fn looks_scientific(s: &str) -> bool {
    let Some((mantissa, exp)) = s.split_once(['e', 'E']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => digits(a) && digits(b),
        None => digits(mantissa),
    };
    mantissa_ok && digits(exp)
}

/// 报关单号: 18 digits = customs code (4) + year (4) + import/export flag (1) + sequence (9).
/// An export order takes only export declarations (flag 0).
pub fn customs_no(input: &str) -> Result<String, Invalid> {
    let s = normalize::compact(input);
    required(&s)?;
    if s.len() != 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(
            Code::CustomsFormat,
            format!(
                "a customs declaration number has 18 digits, this one has {} characters",
                s.chars().count()
            ),
        ));
    }
    let year: i32 = s[4..8].parse().expect("digits");
    if !(2000..=2099).contains(&year) {
        return Err(Invalid::new(
            Code::CustomsYear,
            format!("digits 5 to 8 are the year of declaration; {year} is not one"),
        ));
    }
    match s.as_bytes()[8] {
        b'0' => Ok(s.into_owned()),
        b'1' => Err(Invalid::new(
            Code::CustomsNotExport,
            "this is an import declaration (9th digit 1); an export order needs an export declaration (9th digit 0)",
        )),
        _ => Err(Invalid::new(
            Code::CustomsFormat,
            "the 9th digit must be 0 (export) or 1 (import)",
        )),
    }
}

/// Passport number: 5 to 20 letters and digits after trimming; stored upper-case.
pub fn passport(input: &str) -> Result<String, Invalid> {
    let s = normalize::compact(input).to_ascii_uppercase();
    required(&s)?;
    let n = s.chars().count();
    if !(5..=20).contains(&n) || !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Invalid::new(
            Code::PassportFormat,
            "a passport number has 5 to 20 letters and digits",
        ));
    }
    Ok(s)
}

/// Destination country by alpha-2/alpha-3 code or Chinese or English name.
pub fn country(input: &str) -> Result<&'static Country, Invalid> {
    let s = normalize::text(input);
    required(&s)?;
    countries::find(&s).ok_or_else(|| {
        Invalid::new(
            Code::CountryUnknown,
            format!("'{s}' is not a country of ISO 3166-1"),
        )
    })
}

/// A calendar month, stored as `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    /// `YYYY-MM` without the formatting machinery: it runs once per imported line.
    pub fn to_text(self) -> String {
        let mut out = String::with_capacity(7);
        let year = self.year.clamp(0, 9999) as u32;
        for d in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10] {
            out.push(char::from(b'0' + d as u8));
        }
        out.push('-');
        out.push(char::from(b'0' + self.month / 10));
        out.push(char::from(b'0' + self.month % 10));
        out
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// 下单月份 as clerks write it: `2026-03`, `2026-3`, `2026/3`, `2026.03`, `2026年3月`, `202603`.
pub fn month(input: &str) -> Result<YearMonth, Invalid> {
    let s = normalize::compact(input);
    required(&s)?;
    let bad = || {
        Invalid::new(
            Code::MonthFormat,
            format!("'{s}' is not a month; write it as YYYY-MM"),
        )
    };
    let s2 = s.strip_suffix('月').unwrap_or(&s);
    let (y, m) = if let Some((y, m)) = s2.split_once(['-', '/', '.', '年']) {
        (y, m)
    } else if s2.len() == 6 && s2.bytes().all(|b| b.is_ascii_digit()) {
        (&s2[..4], &s2[4..])
    } else {
        return Err(bad());
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if y.len() != 4 || !digits(y) || m.is_empty() || m.len() > 2 || !digits(m) {
        return Err(bad());
    }
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u8 = m.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) || !(2000..=2099).contains(&year) {
        return Err(Invalid::new(
            Code::MonthRange,
            format!("{year}-{month:02} is not a month between 2000-01 and 2099-12"),
        ));
    }
    Ok(YearMonth { year, month })
}

/// Largest quantity or package count accepted on one line.
pub const MAX_COUNT: i64 = 1_000_000_000;

/// 数量 / 总件数: a whole number above zero. Accepts thousands separators and "12.0".
pub fn positive_int(input: &str) -> Result<i64, Invalid> {
    let s = without(normalize::compact(input), ',');
    required(&s)?;
    let s = s.strip_prefix('+').unwrap_or(&s);
    let whole = match s.split_once('.') {
        Some((w, f)) if !f.is_empty() && f.bytes().all(|b| b == b'0') => w,
        Some(_) => {
            return Err(Invalid::new(
                Code::IntFormat,
                format!("'{s}' is not a whole number"),
            ));
        }
        None => s,
    };
    if let Some(rest) = whole.strip_prefix('-') {
        if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                Code::IntNotPositive,
                "the number must be greater than zero",
            ));
        }
    }
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Invalid::new(
            Code::IntFormat,
            format!("'{s}' is not a whole number"),
        ));
    }
    let trimmed = whole.trim_start_matches('0');
    if trimmed.len() > 10 {
        return Err(too_many());
    }
    let n: i64 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().map_err(|_| too_many())?
    };
    check_count(n)
}

/// Checks a count already held as a number.
pub fn check_count(n: i64) -> Result<i64, Invalid> {
    if n <= 0 {
        Err(Invalid::new(
            Code::IntNotPositive,
            "the number must be greater than zero",
        ))
    } else if n > MAX_COUNT {
        Err(too_many())
    } else {
        Ok(n)
    }
}

fn too_many() -> Invalid {
    Invalid::new(
        Code::IntTooLarge,
        format!("the number must not exceed {MAX_COUNT}"),
    )
}

/// The platform's password policy: 8 to 20 characters, at least two of digits, letters and
/// special characters; printable ASCII only (what the platform's web form accepts).
pub fn password(input: &str) -> Result<(), Invalid> {
    let n = input.chars().count();
    if !(8..=20).contains(&n) {
        return Err(Invalid::new(
            Code::PasswordLength,
            "a password has 8 to 20 characters",
        ));
    }
    if !input.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Invalid::new(
            Code::PasswordCharset,
            "a password uses letters, digits and ASCII special characters, without spaces",
        ));
    }
    let has_digit = input.chars().any(|c| c.is_ascii_digit());
    let has_letter = input.chars().any(|c| c.is_ascii_alphabetic());
    let has_special = input.chars().any(|c| c.is_ascii_punctuation());
    if (has_digit as u8 + has_letter as u8 + has_special as u8) < 2 {
        return Err(Invalid::new(
            Code::PasswordClasses,
            "a password needs at least two of: digits, letters, special characters",
        ));
    }
    Ok(())
}

/// Free text with a maximum length in characters (not bytes): names, product names, notes.
pub fn text(input: &str, max_chars: usize) -> Result<String, Invalid> {
    let s = normalize::text(input);
    required(&s)?;
    let n = s.chars().count();
    if n > max_chars {
        return Err(Invalid::new(
            Code::TooLong,
            format!("at most {max_chars} characters, this has {n}"),
        ));
    }
    Ok(s.into_owned())
}

/// `s` without any `c` (a separator clerks type in numbers); no copy when there is none.
fn without(s: Cow<'_, str>, c: char) -> Cow<'_, str> {
    if s.contains(c) {
        Cow::Owned(s.chars().filter(|x| *x != c).collect())
    } else {
        s
    }
}

fn required(s: &str) -> Result<(), Invalid> {
    if s.is_empty() {
        Err(Invalid::new(Code::Required, "this field is required"))
    } else {
        Ok(())
    }
}

/// Maximum lengths of text fields, in characters.
pub mod limits {
    pub const BUYER_NAME: usize = 100;
    pub const MERCHANT_NAME: usize = 50;
    pub const PRODUCT_NAME: usize = 100;
    pub const PROCUREMENT_NO: usize = 30;
    pub const NOTE: usize = 200;
}
