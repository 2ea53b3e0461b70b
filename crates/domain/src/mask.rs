//! Masking of personal information (passport, ID and mobile numbers) for lists, audit rows
//! and anything else that is not the explicit "reveal" of a value.

/// Keeps `head` and `tail` characters and puts `****` between; short values show only
/// their first character. Works on chars, so any input is safe.
fn keep(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.len() <= head + tail {
        return format!("{}****", chars[0]);
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str("****");
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `E12345689` → `E123****89`.
pub fn passport(s: &str) -> String {
    keep(s, 4, 2)
}

/// `11010519491231002X` → `1101****002X`.
pub fn id_number(s: &str) -> String {
    keep(s, 4, 4)
}

/// `13800138000` → `138****8000`.
pub fn mobile(s: &str) -> String {
    keep(s, 3, 4)
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks() {
        assert_eq!(super::passport("E12345689"), "E123****89");
        assert_eq!(super::id_number("11010519491231002X"), "1101****002X");
        assert_eq!(super::mobile("13800138000"), "138****8000");
        assert_eq!(super::passport("AB1"), "A****");
        assert_eq!(super::passport(""), "");
        assert_eq!(super::passport("护照号码一二三四五"), "护照号码****四五");
    }
}
