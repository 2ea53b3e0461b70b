use std::path::PathBuf;
use xinbao_store::StoreError;

/// Why a file could not be imported at all (row problems are not errors: they are staged).
/// Every variant names the file; nothing reaches the store when one of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: the file is empty")]
    EmptyFile { path: PathBuf },
    #[error("{path}: not a spreadsheet (xlsx, xlsm, xls, ods or csv)")]
    NotASpreadsheet { path: PathBuf },
    #[error("{path}: the workbook is encrypted or password-protected; save it without a password and import again")]
    Encrypted { path: PathBuf },
    #[error("{path}: the file is damaged or truncated ({detail})")]
    Damaged { path: PathBuf, detail: String },
    #[error("{path}: row {row} is longer than {limit} bytes; a row of the transaction list is far shorter, so the file is refused")]
    RowTooLong {
        path: PathBuf,
        row: u64,
        limit: usize,
    },
    #[error("{path}: the file would inflate to {inflated} bytes (limit {limit}); it is refused as a zip bomb")]
    ZipBomb {
        path: PathBuf,
        inflated: u64,
        limit: u64,
    },
    #[error("{path}: no sheet named '{sheet}' (sheets: {available})")]
    SheetNotFound {
        path: PathBuf,
        sheet: String,
        available: String,
    },
    #[error("{path}: sheet '{sheet}' is empty")]
    EmptySheet { path: PathBuf, sheet: String },
    #[error("{path}: no header row found in the first {scanned} rows of sheet '{sheet}'; a transaction list has the columns {}", crate::columns::required_headers().join(", "))]
    NoHeader {
        path: PathBuf,
        sheet: String,
        scanned: u32,
    },
    #[error("{path}: sheet '{sheet}' lacks the required column(s) {missing}")]
    MissingColumns {
        path: PathBuf,
        sheet: String,
        missing: String,
    },
    #[error("{path}: larger than {max_bytes} bytes")]
    TooLarge { path: PathBuf, max_bytes: u64 },
    #[error("{path}: more than {max} rows; split the file or raise the limit")]
    TooManyRows { path: PathBuf, max: u64 },
    #[error("a block cannot be pasted at '{field}': it is not a column of the transaction list")]
    PasteColumn { field: String },
    #[error("the import was cancelled; nothing was kept")]
    Cancelled,
    #[error("the export was cancelled; no file was written")]
    ExportCancelled,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {detail}")]
    Write { path: PathBuf, detail: String },
    /// An error the parser child reported (see [`crate::child`]), with the child's code.
    #[error("{message}")]
    Reader {
        path: PathBuf,
        code: String,
        message: String,
        params: Option<serde_json::Value>,
    },
}

impl ImportError {
    pub fn code(&self) -> &str {
        match self {
            ImportError::EmptyFile { .. } => "import.empty_file",
            ImportError::NotASpreadsheet { .. } => "import.not_spreadsheet",
            ImportError::Encrypted { .. } => "import.encrypted",
            ImportError::Damaged { .. } => "import.damaged",
            ImportError::RowTooLong { .. } => "import.row_too_long",
            ImportError::ZipBomb { .. } => "import.zip_bomb",
            ImportError::SheetNotFound { .. } => "import.sheet_not_found",
            ImportError::EmptySheet { .. } => "import.empty_sheet",
            ImportError::NoHeader { .. } => "import.no_header",
            ImportError::MissingColumns { .. } => "import.missing_columns",
            ImportError::TooManyRows { .. } => "import.too_many_rows",
            ImportError::TooLarge { .. } => "import.too_large",
            ImportError::PasteColumn { .. } => "import.paste_column",
            ImportError::Cancelled => "import.cancelled",
            ImportError::ExportCancelled => "export.cancelled",
            ImportError::Io { .. } => "import.io",
            ImportError::Store(e) => e.code(),
            ImportError::Write { .. } => "export.write",
            ImportError::Reader { code, .. } => code,
        }
    }

    /// What the words for the error name (`error.<code>` in the translation tables): the
    /// file, the sheet, the columns.
    pub fn params(&self) -> Option<serde_json::Value> {
        let file = |p: &std::path::Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match self {
            ImportError::NoHeader {
                path,
                sheet,
                scanned,
            } => Some(serde_json::json!({
                "file": file(path),
                "sheet": sheet,
                "scanned": scanned,
                "columns": crate::columns::required_headers(),
            })),
            ImportError::MissingColumns {
                path,
                sheet,
                missing,
            } => {
                Some(serde_json::json!({ "file": file(path), "sheet": sheet, "missing": missing }))
            }
            ImportError::Reader { params, .. } => params.clone(),
            _ => None,
        }
    }

    /// The error a parser child reported, by its code: `import.damaged` keeps its variant
    /// (and detail); the others keep their code and their message, which names the file.
    pub(crate) fn from_child(
        path: &std::path::Path,
        code: &str,
        message: String,
        detail: String,
        params: Option<serde_json::Value>,
    ) -> ImportError {
        match code {
            "import.damaged" => ImportError::Damaged {
                path: path.into(),
                detail,
            },
            _ if ImportError::CODES.contains(&code) => ImportError::Reader {
                path: path.into(),
                code: code.into(),
                message,
                params,
            },
            _ => ImportError::Damaged {
                path: path.into(),
                detail: message,
            },
        }
    }

    pub const CODES: &'static [&'static str] = &[
        "import.empty_file",
        "import.not_spreadsheet",
        "import.encrypted",
        "import.damaged",
        "import.row_too_long",
        "import.zip_bomb",
        "import.sheet_not_found",
        "import.empty_sheet",
        "import.no_header",
        "import.missing_columns",
        "import.too_many_rows",
        "import.too_large",
        "import.cancelled",
        "import.io",
        "export.write",
        "export.cancelled",
    ];
}
