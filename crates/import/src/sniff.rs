//! What a file really is, by its content (never its name), and the checks that refuse a
//! hostile one before a spreadsheet library opens it.

use crate::ImportError;
use std::io::Read;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Csv => "csv",
        }
    }
}

/// Limits that keep a hostile file from exhausting the machine.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Most bytes all parts of a zip container may inflate to.
    pub max_inflated_bytes: u64,
    /// Most a single part may inflate relative to its compressed size (beyond 1 MiB).
    pub max_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        // A 1,048,576-row sheet of nine columns inflates to about 400 MB; XML compresses
        // about 10:1. Zip bombs inflate thousands of times.
        Limits {
            max_inflated_bytes: 2 << 30,
            max_ratio: 200,
        }
    }
}

const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub fn detect(path: &Path, limits: Limits) -> Result<Format, ImportError> {
    let io = |e| ImportError::Io {
        path: path.into(),
        source: e,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 8];
    let n = read_up_to(&mut file, &mut head).map_err(io)?;
    if n == 0 {
        return Err(ImportError::EmptyFile { path: path.into() });
    }
    if head[..n].starts_with(b"PK\x03\x04") || head[..n].starts_with(b"PK\x05\x06") {
        return check_zip(path, limits);
    }
    if n == 8 && head == CFB_MAGIC {
        // An encrypted xlsx is an OLE2 container with "EncryptedPackage" and
        // "EncryptionInfo" at its root; a plain .xls holds "Workbook". Only the container's
        // directory is read. A container too broken to list is left to the reader, which
        // runs in the parser child and says it is damaged.
        let encrypted = std::panic::catch_unwind(|| {
            cfb::open(path)
                .is_ok_and(|c| c.is_stream("/EncryptedPackage") || c.is_stream("/EncryptionInfo"))
        })
        .unwrap_or(false);
        if encrypted {
            return Err(ImportError::Encrypted { path: path.into() });
        }
        return Ok(Format::Xls);
    }
    // Otherwise text: a CSV in some encoding. A NUL byte early on means binary.
    let mut sample = vec![0u8; 8192];
    let mut f = std::fs::File::open(path).map_err(io)?;
    let n = read_up_to(&mut f, &mut sample).map_err(io)?;
    let sample = &sample[..n];
    let utf16_bom = sample.starts_with(&[0xFF, 0xFE]) || sample.starts_with(&[0xFE, 0xFF]);
    if !utf16_bom && sample.contains(&0) {
        return Err(ImportError::NotASpreadsheet { path: path.into() });
    }
    Ok(Format::Csv)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..])? {
            0 => break,
            k => filled += k,
        }
    }
    Ok(filled)
}

fn check_zip(path: &Path, limits: Limits) -> Result<Format, ImportError> {
    let file = std::fs::File::open(path).map_err(|e| ImportError::Io {
        path: path.into(),
        source: e,
    })?;
    let damaged = |detail: String| ImportError::Damaged {
        path: path.into(),
        detail,
    };
    let mut zip =
        zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| damaged(e.to_string()))?;
    let mut total: u64 = 0;
    let mut format = None;
    let mut shared_strings = None;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| damaged(e.to_string()))?;
        let size = entry.size();
        total = total.saturating_add(size);
        let ratio_bomb =
            size > (1 << 20) && size / entry.compressed_size().max(1) > limits.max_ratio;
        if total > limits.max_inflated_bytes || ratio_bomb {
            return Err(ImportError::ZipBomb {
                path: path.into(),
                inflated: if ratio_bomb { size } else { total },
                limit: limits.max_inflated_bytes,
            });
        }
        match entry.name().as_deref().unwrap_or("") {
            "xl/workbook.xml" | "xl/workbook.bin" => format = Some(Format::Xlsx),
            "xl/sharedStrings.xml" => shared_strings = Some(size),
            "content.xml" if format.is_none() => format = Some(Format::Ods),
            _ => {}
        }
    }
    let format = format.ok_or_else(|| ImportError::NotASpreadsheet { path: path.into() })?;
    if let Some(size) = shared_strings {
        check_declared_strings(&mut zip, size).map_err(damaged)?;
    }
    Ok(format)
}

/// The shortest a shared string can be in `sharedStrings.xml`: `<si><t/></si>`.
const MIN_SHARED_STRING_BYTES: u64 = 12;

/// A workbook's shared-string table declares how many strings it holds, and a reader
/// reserves room for that many before reading one: a 2 KB file declaring 10^15 strings
/// asked for 24 PB and aborted the process. The declared counts must fit the part's real
/// (inflated) size.
fn check_declared_strings<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    size: u64,
) -> Result<(), String> {
    let mut head = vec![0u8; 4096];
    let n = {
        let mut part = zip
            .by_name("xl/sharedStrings.xml")
            .map_err(|e| e.to_string())?;
        read_up_to(&mut part, &mut head).map_err(|e| e.to_string())?
    };
    let head = String::from_utf8_lossy(&head[..n]);
    let Some(start) = head.find("<sst") else {
        return Ok(());
    };
    let tag = &head[start..head[start..].find('>').map_or(head.len(), |e| start + e)];
    let most = size / MIN_SHARED_STRING_BYTES + 1;
    for attr in ["uniqueCount", "count"] {
        let Some(at) = tag.find(&format!(" {attr}=\"")) else {
            continue;
        };
        let digits: String = tag[at + attr.len() + 3..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        // More digits than u64 holds is as hostile as a number too large.
        let declared = digits.parse::<u64>().unwrap_or(u64::MAX);
        if attr == "uniqueCount" && declared > most {
            return Err(format!(
                "xl/sharedStrings.xml declares {attr}=\"{digits}\" strings in {size} bytes (at most {most} fit)"
            ));
        }
    }
    Ok(())
}

/// The largest worksheet part of an xlsx, inflated, from the zip's directory (cheap).
pub fn largest_worksheet_bytes(path: &Path) -> Option<u64> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    (0..zip.len())
        .filter_map(|i| {
            let entry = zip.by_index_raw(i).ok()?;
            let name = entry.name().ok()?.into_owned();
            name.starts_with("xl/worksheets/").then(|| entry.size())
        })
        .max()
}

/// Whether any worksheet of the workbook declares a merged range (`<mergeCell`), found by
/// inflating the sheets and searching the bytes: far cheaper than a parse of the sheet, so
/// the common machine export (no merges) is read once, not twice. `true` when unsure.
pub fn any_merged_range(path: &Path) -> bool {
    const NEEDLE: &[u8] = b"<mergeCell";
    let scan = || -> Option<bool> {
        let file = std::fs::File::open(path).ok()?;
        let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
        let finder = memchr::memmem::Finder::new(NEEDLE);
        for i in 0..zip.len() {
            let name = zip.by_index_raw(i).ok()?.name().ok()?.into_owned();
            if !(name.starts_with("xl/worksheets/") && name.ends_with(".xml")) {
                continue;
            }
            let mut entry = zip.by_index(i).ok()?;
            // A window of 64 KiB, keeping the needle's length minus one of the last read so
            // a tag split between two reads is still found.
            let mut buf = vec![0u8; 64 << 10];
            let mut kept = 0;
            loop {
                let n = entry.read(&mut buf[kept..]).ok()?;
                if n == 0 {
                    break;
                }
                let end = kept + n;
                if finder.find(&buf[..end]).is_some() {
                    return Some(true);
                }
                kept = (NEEDLE.len() - 1).min(end);
                buf.copy_within(end - kept..end, 0);
            }
        }
        Some(false)
    };
    scan().unwrap_or(true)
}
