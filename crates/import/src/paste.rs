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
    let (path, file) = private_file(dir, &format!("{name}.tsv"))?;
    let io = |e| ImportError::Io {
        path: path.clone(),
        source: e,
    };
    let mut file = std::io::BufWriter::new(file);
    let header: Vec<&str> = COLUMNS[first..].iter().map(|c| c.header).collect();
    file.write_all(header.join("\t").as_bytes()).map_err(io)?;
    file.write_all(b"\r\n").map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(path)
}

/// A new file `<random>/<file_name>` under `dir`, its owner's alone (0700 folder, 0600 file).
fn private_file(dir: &Path, file_name: &str) -> Result<(PathBuf, std::fs::File), ImportError> {
    let folder = dir.join(uuid::Uuid::new_v4().simple().to_string());
    let path = folder.join(file_name);
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
    let file = open.open(&path).map_err(io)?;
    Ok((path, file))
}

/// The largest spreadsheet taken by a drop: it crosses from the window in memory.
pub const MAX_DROPPED_BYTES: u64 = 512 << 20;

/// A spreadsheet dropped onto the window, as the window read it (the page knows its name
/// and bytes, never its path): written under `dir` as a file of its owner's alone, to be
/// read like a chosen file (sniffed by its content, parsed in the child). Only the last
/// part of `name` is kept, so a name cannot lead out of `dir`.
pub fn write_dropped(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, ImportError> {
    let base = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim_start_matches('.');
    let base = if base.is_empty() { "dropped" } else { base };
    if bytes.len() as u64 > MAX_DROPPED_BYTES {
        return Err(ImportError::TooLarge {
            path: base.into(),
            max_bytes: MAX_DROPPED_BYTES,
        });
    }
    let (path, mut file) = private_file(dir, base)?;
    file.write_all(bytes).map_err(|e| ImportError::Io {
        path: path.clone(),
        source: e,
    })?;
    Ok(path)
}

/// Removes what [`write_block`] left under `dir` (blocks staged, or never staged because
/// the clerk cancelled, or the app stopped).
pub fn clear(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}
