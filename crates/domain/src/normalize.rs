//! Text as clerks and spreadsheets really deliver it: full-width digits and letters, ideographic
//! spaces, line breaks, zero-width characters. Everything is normalised before validation.

use std::borrow::Cow;

/// Maps one character to its half-width form; drops invisible ones (returns None).
fn fold_char(c: char) -> Option<char> {
    match c {
        // Full-width ASCII block: '！' (U+FF01) .. '～' (U+FF5E).
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' | '\u{00A0}' | '\u{2002}'..='\u{200A}' | '\u{202F}' | '\u{205F}' => Some(' '),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        '\r' | '\n' | '\t' | '\u{000B}' | '\u{000C}' | '\u{2028}' | '\u{2029}' => Some(' '),
        c => Some(c),
    }
}

/// Folds full-width characters, turns every kind of space and line break into one plain
/// space, collapses runs of spaces and trims. Returns the input unchanged when clean.
pub fn text(input: &str) -> Cow<'_, str> {
    if is_clean_text(input) {
        // Most cells of a machine export are clean: no string is built for them.
        return Cow::Borrowed(input);
    }
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.chars().filter_map(fold_char) {
        if c == ' ' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    if out == input {
        Cow::Borrowed(input)
    } else {
        Cow::Owned(out)
    }
}

/// The characters [`compact`] would keep, without building a string: for emptiness tests
/// and hashing on hot paths.
pub fn compact_chars(input: &str) -> impl Iterator<Item = char> + '_ {
    input.chars().filter_map(fold_char).filter(|c| *c != ' ')
}

/// Like [`text`] but removes every space: for codes and numbers ("E 1234 567" → "E1234567").
/// Returns the input unchanged when there is nothing to fold or remove.
pub fn compact(input: &str) -> Cow<'_, str> {
    // Printable ASCII other than the space folds to itself: no char decoding for it.
    if input.bytes().all(|b| b.is_ascii_graphic())
        || input.chars().all(|c| c != ' ' && fold_char(c) == Some(c))
    {
        return Cow::Borrowed(input);
    }
    Cow::Owned(
        input
            .chars()
            .filter_map(fold_char)
            .filter(|c| *c != ' ')
            .collect(),
    )
}

/// Whether [`text`] would return the input as it is: every character its own fold, no
/// space at either end and never two together.
fn is_clean_text(input: &str) -> bool {
    if input.bytes().all(|b| b.is_ascii_graphic()) {
        return true;
    }
    let mut previous_space = true; // a leading space is not clean
    for c in input.chars() {
        if fold_char(c) != Some(c) {
            return false;
        }
        let space = c == ' ';
        if space && previous_space {
            return false;
        }
        previous_space = space;
    }
    !previous_space || input.is_empty()
}

/// `text`, then `None` when nothing is left.
pub fn optional(input: &str) -> Option<String> {
    let t = text(input);
    if t.is_empty() {
        None
    } else {
        Some(t.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_spaces() {
        assert_eq!(text("  １２３４\u{3000}ＡＢＣ\r\n x "), "1234 ABC x");
        assert_eq!(compact(" Ｅ１２ 34\t5 "), "E12345");
        assert_eq!(text("\u{FEFF}张三\u{200B}"), "张三");
        assert!(matches!(text("clean text"), Cow::Borrowed(_)));
        assert!(matches!(text(""), Cow::Borrowed(_)));
        assert_eq!(text(" lead"), "lead");
        assert_eq!(text("trail "), "trail");
        assert_eq!(text("two  spaces"), "two spaces");
        assert_eq!(text(" "), "");
        assert!(matches!(compact("E1234"), Cow::Borrowed(_)));
        assert_eq!(compact("E 1234"), "E1234");
        assert_eq!(optional(" \u{3000}\n"), None);
        assert_eq!(text("𠀀 𝟘"), "𠀀 𝟘");
    }
}
