//! A block pasted into the lines grid that is more than the grid takes (10,000 rows copied
//! from a company's own system): written as a tab-separated file with the template's
//! headers over it, so it is read, checked, previewed and accepted as any imported file is
//! (in the parser child, under its limits), and the window never builds 10,000 rows of
//! inputs.

use crate::columns::COLUMNS;
use crate::ImportError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `text` (rows of tab-separated cells, as spreadsheets copy them) under `dir` as
/// `<random>/<name>.tsv`, its owner's alone, with the headers of the columns from the line
/// field `first_field` on (where the clerk pasted). Returns the file's path.
pub fn write_block(
    dir: &Path,
    name: &str,
    first_field: &str,
    text: &str,
) -> Result<PathBuf, ImportError> {
    let first = COLUMNS
        .iter()
        .position(|c| c.field == first_field)
        .ok_or_else(|| ImportError::PasteColumn {
            field: first_field.to_string(),
        })?;
    let folder = dir.join(uuid::Uuid::new_v4().simple().to_string());
    let path = folder.join(format!("{name}.tsv"));
    let io = |e| ImportError::Io {
        path: path.clone(),
        source: e,
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        builder.mode(0o700);
        open.mode(0o600);
    }
    builder.create(&folder).map_err(io)?;
    let mut file = std::io::BufWriter::new(open.open(&path).map_err(io)?);
    let header: Vec<&str> = COLUMNS[first..].iter().map(|c| c.header).collect();
    file.write_all(header.join("\t").as_bytes()).map_err(io)?;
    file.write_all(b"\r\n").map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(path)
}

/// Removes what [`write_block`] left under `dir` (blocks staged, or never staged because
/// the clerk cancelled, or the app stopped).
pub fn clear(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
