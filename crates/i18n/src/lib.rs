//! One translation table per language, shared by the page and the Rust side: the files in
//! `ui/i18n/` are compiled in. The page gets a whole table through a command; Rust code
//! that must word a message itself (import errors carry zh and en) looks keys up here.

use serde_json::{Map, Value};
use std::sync::OnceLock;

/// (language, table source). Chinese first: it is the default.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("zh-CN", include_str!("../../../ui/i18n/zh-CN.json")),
    ("en", include_str!("../../../ui/i18n/en.json")),
];

pub const DEFAULT_LANGUAGE: &str = "zh-CN";

/// The raw JSON table of `lang`.
pub fn table_source(lang: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(l, _)| *l == lang).map(|(_, t)| *t)
}

fn parsed(lang: &str) -> Option<&'static Map<String, Value>> {
    static TABLES: OnceLock<Vec<(&'static str, Map<String, Value>)>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        LANGUAGES
            .iter()
            .map(|(l, src)| {
                (
                    *l,
                    serde_json::from_str(src).expect("ui/i18n tables are valid JSON (tested)"),
                )
            })
            .collect()
    });
    tables.iter().find(|(l, _)| *l == lang).map(|(_, t)| t)
}

/// The words for `key` in `lang`, if the table has them.
pub fn text(lang: &str, key: &str) -> Option<&'static str> {
    parsed(lang)?.get(key)?.as_str()
}

/// The words for an error code: `error.<code>`, else the generic "failed (code)".
pub fn error_text(lang: &str, code: &str) -> String {
    text(lang, &format!("error.{code}"))
        .map(str::to_string)
        .or_else(|| text(lang, "error.generic").map(|g| g.replace("{code}", code)))
        .unwrap_or_else(|| code.to_string())
}

/// Every key of a language's table.
pub fn keys(lang: &str) -> Vec<&'static str> {
    parsed(lang)
        .map(|t| t.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_agree_on_keys() {
        let zh = keys("zh-CN");
        assert!(zh.len() > 50);
        for (lang, _) in LANGUAGES {
            let mut a = keys(lang);
            let mut b = zh.clone();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{lang} has the same keys as zh-CN");
        }
        assert_eq!(
            error_text("zh-CN", "mobile.format"),
            "手机号应为11位，以13–19开头"
        );
        assert_eq!(
            error_text("en", "no.such.code"),
            "The operation failed (no.such.code)"
        );
    }
}
