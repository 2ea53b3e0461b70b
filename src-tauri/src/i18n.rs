//! The translation tables (crate `xinbao-i18n`, from `ui/i18n/`), served to the page through
//! a command: the page has no file access.

#[cfg(test)]
use xinbao_i18n::LANGUAGES;
pub use xinbao_i18n::{table_source as table, DEFAULT_LANGUAGE};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(lang: &str) -> BTreeSet<String> {
        let v: serde_json::Value = serde_json::from_str(table(lang).unwrap()).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn every_error_code_has_words_in_every_language() {
        let codes = xinbao_domain::Code::ALL
            .iter()
            .map(|c| c.as_str())
            .chain(xinbao_domain::StateError::ALL_CODES.iter().copied())
            .chain(xinbao_store::StoreError::CODES.iter().copied())
            .chain(xinbao_import::ImportError::CODES.iter().copied())
            .chain(xinbao_sync::SyncError::CODES.iter().copied())
            .chain(xinbao_wire::API_ERROR_CODES.iter().copied())
            .chain(["import.no_file", "import.accepting", "ipc", "app.locked"]);
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
