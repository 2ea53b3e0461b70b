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
    if text.len() as u64 > MAX_DROPPED_BYTES {
        return Err(ImportError::TooLarge {
            path: name.into(),
            max_bytes: MAX_DROPPED_BYTES,
        });
    }
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

/// The largest spreadsheet taken by a drop, and the largest block taken by a paste: both
/// cross from the window in memory, and are written whole before the parser's limits apply.
pub const MAX_DROPPED_BYTES: u64 = 512 << 20;

/// A spreadsheet dropped onto the window, as the window read it (the page knows its name
/// and bytes, never its path): written under `dir` as a file of its owner's alone, to be
/// read like a chosen file (sniffed by its content, parsed in the child). The name is made
/// a plain file name ([`plain_file_name`]), so it cannot lead out of `dir`.
pub fn write_dropped(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, ImportError> {
    let base = plain_file_name(name);
    let base = base.as_str();
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

/// The last part of a name the window gave, as a file name on every system: no folder
/// (`/`, `\\`), no drive (`C:name` would leave the folder on Windows), none of the
/// characters Windows refuses, no leading dots, at most 120 characters.
fn plain_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let plain: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .take(120)
        .collect();
    let plain = plain.trim_start_matches('.').trim_end_matches(['.', ' ']);
    if plain.is_empty() {
        "dropped".into()
    } else {
        plain.into()
    }
}

/// Removes what [`write_block`] left under `dir` (blocks staged, or never staged because
/// the clerk cancelled, or the app stopped).
pub fn clear(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_name_stays_a_plain_file_name_inside_the_folder() {
        for (given, kept) in [
            ("orders.xlsx", "orders.xlsx"),
            ("../../etc/passwd", "passwd"),
            ("C:\\Users\\a\\list.xlsx", "list.xlsx"),
            ("C:evil.xlsx", "C_evil.xlsx"),
            ("a<b>|c?.xlsx", "a_b__c_.xlsx"),
            ("..hidden", "hidden"),
            ("name. . ", "name"),
            ("..", "dropped"),
            ("", "dropped"),
        ] {
            assert_eq!(plain_file_name(given), kept, "{given}");
        }
        assert_eq!(plain_file_name(&"x".repeat(500)).len(), 120);
        let dir = tempfile::tempdir().unwrap();
        let path = write_dropped(dir.path(), "C:evil.xlsx", b"PK").unwrap();
        assert!(path.starts_with(dir.path()), "{}", path.display());
    }

    #[test]
    fn a_pasted_block_larger_than_a_drop_is_refused_before_it_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let big = "1\t".repeat((MAX_DROPPED_BYTES / 2) as usize + 1);
        let err = write_block(dir.path(), "粘贴", "merchant_name", &big).unwrap_err();
        assert_eq!(err.code(), "import.too_large", "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
