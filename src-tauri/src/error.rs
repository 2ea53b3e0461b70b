use serde::Serialize;
use xinbao_domain::FieldError;
use xinbao_store::StoreError;

/// An error as the UI receives it: a stable `code` to branch on and to look up words for
/// (`error.<code>` in the translation tables), an English `message` for logs, and the
/// fields concerned (`field` when there is exactly one).
#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub fields: Vec<FieldError>,
}

impl From<StoreError> for UiError {
    fn from(e: StoreError) -> Self {
        let fields = e.field_errors().to_vec();
        UiError {
            code: e.code().to_string(),
            message: e.to_string(),
            field: if fields.len() == 1 {
                Some(fields[0].field.clone())
            } else {
                None
            },
            fields,
        }
    }
}
