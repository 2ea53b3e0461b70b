//! The translation tables, one per language, shared with the UI: the files in `ui/i18n/`
//! are compiled in and served to the page through a command (the page has no file access).

pub const LANGUAGES: &[(&str, &str)] = &[
    ("zh-CN", include_str!("../../ui/i18n/zh-CN.json")),
    ("en", include_str!("../../ui/i18n/en.json")),
];

/// Chinese is the default.
pub const DEFAULT_LANGUAGE: &str = "zh-CN";

pub fn table(lang: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(l, _)| *l == lang).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: &str) -> BTreeSet<String> {
        let v: serde_json::Value = serde_json::from_str(table(lang).unwrap()).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn every_language_has_the_same_keys() {
        let zh = keys("zh-CN");
        for (lang, _) in LANGUAGES {
            let other = keys(lang);
            assert_eq!(
                zh.symmetric_difference(&other).collect::<Vec<_>>(),
                Vec::<&String>::new(),
                "{lang}"
            );
        }
    }

    #[test]
    fn every_error_code_has_words_in_every_language() {
        let codes = xinbao_domain::Code::ALL
            .iter()
            .map(|c| c.as_str())
            .chain(xinbao_domain::StateError::ALL_CODES.iter().copied())
            .chain(xinbao_store::StoreError::CODES.iter().copied());
        for (lang, _) in LANGUAGES {
            let table = keys(lang);
            for code in codes.clone() {
                assert!(
                    table.contains(&format!("error.{code}")),
                    "{lang} has no words for error.{code}"
                );
            }
        }
    }
}
