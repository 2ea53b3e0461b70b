//! Masking of personal information (passport, ID and mobile numbers) for lists, audit rows
//! and anything else that is not the explicit "reveal" of a value.

/// A mask shows at most four characters: the first two and the last two, a `*` for each
/// character between (so the length stays visible, the number does not). Values of eight
/// characters or fewer show only their first. Works on chars, so any input is safe.
fn keep(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        0 => String::new(),
        n if n <= 8 => format!("{}{}", chars[0], "*".repeat(n - 1)),
        n => {
            let mut out: String = chars[..2].iter().collect();
            out.push_str(&"*".repeat(n - 4));
            out.extend(&chars[n - 2..]);
            out
        }
    }
}

/// `E12345689` → `E1*****89`.
pub fn passport(s: &str) -> String {
    keep(s)
}

/// `11010519491231002X` → `11**************2X`.
pub fn id_number(s: &str) -> String {
    keep(s)
}

/// `13800138000` → `13*******00`.
pub fn mobile(s: &str) -> String {
    keep(s)
}

/// Whether `text` is what [`keep`] shows of `value`: a form sent back unchanged.
pub fn is_mask_of(text: &str, value: &str) -> bool {
    text.contains('*') && keep(value) == text
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks_show_at_most_four_characters() {
        assert_eq!(super::passport("E12345689"), "E1*****89");
        assert_eq!(super::id_number("11010519491231002X"), "11**************2X");
        assert_eq!(super::mobile("13800138000"), "13*******00");
        assert_eq!(super::passport("E1234"), "E****");
        assert_eq!(super::passport(""), "");
        for v in [
            "E12345689",
            "13800138000",
            "11010519491231002X",
            "护照号码一二三四五六",
        ] {
            let shown = super::passport(v).chars().filter(|c| *c != '*').count();
            assert!(shown <= 4, "{v}");
            assert!(super::is_mask_of(&super::passport(v), v));
        }
        assert!(!super::is_mask_of("E12345689", "E12345689"));
    }
}
