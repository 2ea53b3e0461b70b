//! Untrusted spreadsheets are parsed in a child process with a memory limit.
//!
//! calamine and the zip and XML readers under it allocate what a file declares; a failed
//! allocation aborts the whole process. So the window (and the CLI) never parse a stranger's
//! file themselves: they start their own executable again with [`PARSE_ARG`], limited to
//! [`MEMORY_LIMIT_BYTES`] of data (RLIMIT_DATA on Unix), and read what it found from its
//! standard output. A child that aborts, is killed or runs out of memory is an
//! `import.damaged` error naming the file; the parent goes on.
//!
//! The stream is a few frames: `I` (what the file holds, JSON), `R` (a batch of rows, in a
//! compact binary form: a million rows cross in well under a second), `E` (the child's
//! error, JSON) and `Z` (the end). Every binary that may import calls [`serve_if_asked`]
//! first thing in `main`.

use crate::pipeline::{inspect_open, FileInfo, ImportOptions};
use crate::sniff::Format;
use crate::source::{RawCell, RawRow, Workbook};
use crate::ImportError;
use serde::{Deserialize, Serialize};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The first argument that makes a binary a parser child.
pub const PARSE_ARG: &str = "--xinbao-parse-untrusted-file";

/// Most memory a parser child may use for data (heap and anonymous maps). A legitimate
/// 1,048,576-row workbook needs a few hundred MB; the hostile ones ask for petabytes.
pub const MEMORY_LIMIT_BYTES: u64 = 3 << 30;

/// Rows per `R` frame.
const FRAME_ROWS: usize = 4096;
/// Largest frame a parent accepts (a batch of rows of at most 1 MiB each is far smaller).
const MAX_FRAME_BYTES: usize = 512 << 20;

/// What the parent asks of the child (its one command-line argument after [`PARSE_ARG`]).
#[derive(Serialize, Deserialize)]
struct Request {
    path: PathBuf,
    format: Format,
    options: ImportOptions,
    /// Only what the file holds (the preview), or its rows too (the import).
    rows: bool,
}

/// What the child found before the rows.
#[derive(Serialize, Deserialize)]
struct Found {
    info: FileInfo,
    is_1904: bool,
}

/// The child's error, as far as a reader can fail.
#[derive(Serialize, Deserialize)]
struct ChildError {
    code: String,
    message: String,
    detail: String,
    #[serde(default)]
    params: Option<serde_json::Value>,
}

/// In a binary's `main`: when started as a parser child, parse, write the frames and exit;
/// otherwise return at once.
pub fn serve_if_asked() {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(std::ffi::OsStr::new(PARSE_ARG)) {
        return;
    }
    let code = match args
        .next()
        .map(|a| serde_json::from_str::<Request>(&a.to_string_lossy()))
    {
        Some(Ok(request)) => serve(&request),
        _ => 2,
    };
    std::process::exit(code);
}

fn serve(request: &Request) -> i32 {
    let out = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, out.lock());
    let result = read_file(request, &mut out);
    let written = match result {
        Ok(()) => frame(&mut out, b'Z', &[]),
        Err(e) => {
            let err = ChildError {
                code: e.code().to_string(),
                message: e.to_string(),
                detail: match &e {
                    ImportError::Damaged { detail, .. } => detail.clone(),
                    _ => String::new(),
                },
                params: e.params(),
            };
            frame(
                &mut out,
                b'E',
                &serde_json::to_vec(&err).expect("serialisable"),
            )
        }
    };
    // A write fails only when the parent hung up (a cancel, or it had what it wanted):
    // then there is no one left to tell.
    let _ = written.and_then(|()| out.flush());
    0
}

fn read_file(request: &Request, out: &mut impl Write) -> Result<(), ImportError> {
    let path = &request.path;
    // Whether an xlsx sheet has merged ranges to spread is found by inflating the whole
    // sheet: that scan runs beside the workbook's open and the inspection, which do not need
    // it (a 100k-row list's 29 MB sheet).
    let merge_scan = (request.rows && request.format == Format::Xlsx).then(|| {
        let path = path.clone();
        std::thread::spawn(move || crate::source::spreads_merges(&path))
    });
    let mut book = Workbook::open(path, request.format)?;
    let info = inspect_open(&mut book, path, request.format, &request.options)?;
    let found = Found {
        is_1904: info.is_1904(),
        info,
    };
    let pipe_gone = |_| ImportError::Cancelled;
    frame(
        out,
        b'I',
        &serde_json::to_vec(&found).expect("serialisable"),
    )
    .map_err(pipe_gone)?;
    if !request.rows {
        return Ok(());
    }
    let header_row = found.info.header_row;
    let sheet = found.info.sheet.as_deref();
    // Each row is encoded as it comes, a frame of rows at a time. An xlsx sheet lends its
    // cells (nothing is copied per cell); other files hand owned rows.
    let mut batch = RowBatch::default();
    // A scan that failed is taken for merges: the owned rows spread them, scanning again.
    let spreads = merge_scan.is_none_or(|scan| scan.join().unwrap_or(true));
    if book.is_xlsx() && !spreads {
        book.read_lent(path, sheet, &mut |_| {}, &mut |row_no, cells| {
            if row_no <= header_row {
                return Ok(true);
            }
            batch.push(row_no, cells.iter().map(CellView::from));
            Ok(batch.send_if_full(out))
        })?;
    } else {
        book.read(path, sheet, true, &mut |_| {}, &mut |row| {
            if row.row_no <= header_row {
                return Ok(true);
            }
            batch.push(row.row_no, row.cells.iter().map(CellView::from));
            Ok(batch.send_if_full(out))
        })?;
    }
    if batch.rows > 0 {
        frame(out, b'R', batch.take()).map_err(pipe_gone)?;
    }
    Ok(())
}

/// Rows being encoded into one `R` frame: the count, then each row ([`encode_row`]); the
/// count is set last.
#[derive(Default)]
struct RowBatch {
    buf: Vec<u8>,
    rows: u32,
}

impl RowBatch {
    /// One row: its number, its cell count, then each cell as a tag and its bytes.
    fn push<'c>(&mut self, row_no: u32, cells: impl ExactSizeIterator<Item = CellView<'c>>) {
        if self.rows == 0 {
            self.buf.clear();
            self.buf.extend_from_slice(&0u32.to_le_bytes());
        }
        let buf = &mut self.buf;
        buf.extend_from_slice(&row_no.to_le_bytes());
        buf.extend_from_slice(&(cells.len() as u32).to_le_bytes());
        for cell in cells {
            let text = |buf: &mut Vec<u8>, tag: u8, s: &str| {
                buf.push(tag);
                buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
                buf.extend_from_slice(s.as_bytes());
            };
            match cell {
                CellView::Empty => buf.push(0),
                CellView::Text(s) => text(buf, 1, s),
                CellView::Int(i) => {
                    buf.push(2);
                    buf.extend_from_slice(&i.to_le_bytes());
                }
                CellView::Float(f) => {
                    buf.push(3);
                    buf.extend_from_slice(&f.to_le_bytes());
                }
                CellView::Bool(b) => buf.extend_from_slice(&[4, u8::from(b)]),
                CellView::Date(f) => {
                    buf.push(5);
                    buf.extend_from_slice(&f.to_le_bytes());
                }
                CellView::DateIso(s) => text(buf, 6, s),
                CellView::Error(s) => text(buf, 7, &s),
            }
        }
        self.rows += 1;
    }

    /// Writes the batch once it holds a frame's rows; false when the parent hung up (a
    /// cancel, or it had what it wanted): then reading stops.
    fn send_if_full(&mut self, out: &mut impl Write) -> bool {
        self.rows < FRAME_ROWS as u32 || frame(out, b'R', self.take()).is_ok()
    }

    /// The frame's payload; the batch starts again empty.
    fn take(&mut self) -> &[u8] {
        self.buf[..4].copy_from_slice(&self.rows.to_le_bytes());
        self.rows = 0;
        &self.buf
    }
}

fn frame(out: &mut impl Write, kind: u8, payload: &[u8]) -> std::io::Result<()> {
    out.write_all(&[kind])?;
    out.write_all(&(payload.len() as u32).to_le_bytes())?;
    out.write_all(payload)
}

/// A cell as it is encoded, borrowed from a lent xlsx cell or an owned [`RawCell`]: one
/// table of tags for both ([`decode_rows`] reads it).
enum CellView<'c> {
    Empty,
    Text(&'c str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(f64),
    DateIso(&'c str),
    Error(std::borrow::Cow<'c, str>),
}

impl<'c> From<&'c RawCell> for CellView<'c> {
    fn from(cell: &'c RawCell) -> CellView<'c> {
        match cell {
            RawCell::Empty => CellView::Empty,
            RawCell::Text(s) => CellView::Text(s),
            RawCell::Int(i) => CellView::Int(*i),
            RawCell::Float(f) => CellView::Float(*f),
            RawCell::Bool(b) => CellView::Bool(*b),
            RawCell::Date(f) => CellView::Date(*f),
            RawCell::DateIso(s) => CellView::DateIso(s),
            RawCell::Error(s) => CellView::Error(s.as_str().into()),
        }
    }
}

impl<'c> From<&'c calamine::DataRef<'_>> for CellView<'c> {
    fn from(cell: &'c calamine::DataRef<'_>) -> CellView<'c> {
        use calamine::DataRef;
        match cell {
            DataRef::Empty => CellView::Empty,
            DataRef::String(s) => CellView::Text(s),
            DataRef::SharedString(s) => CellView::Text(s),
            DataRef::Int(i) => CellView::Int(*i),
            DataRef::Float(f) => CellView::Float(*f),
            DataRef::Bool(b) => CellView::Bool(*b),
            DataRef::DateTime(dt) => CellView::Date(dt.as_f64()),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => CellView::DateIso(s),
            DataRef::Error(e) => CellView::Error(e.to_string().into()),
        }
    }
}

/// Reads a [`RowBatch`]'s payload; `None` for bytes it did not write.
fn decode_rows(buf: &[u8]) -> Option<Vec<RawRow>> {
    let mut at = 0usize;
    let mut take = |n: usize| -> Option<&[u8]> {
        let s = buf.get(at..at.checked_add(n)?)?;
        at += n;
        Some(s)
    };
    let u32_of = |b: &[u8]| u32::from_le_bytes(b.try_into().expect("4 bytes"));
    let count = u32_of(take(4)?) as usize;
    let mut rows = Vec::with_capacity(count.min(FRAME_ROWS));
    for _ in 0..count {
        let row_no = u32_of(take(4)?);
        let n = u32_of(take(4)?) as usize;
        let mut cells = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            let tag = take(1)?[0];
            let mut text = || -> Option<String> {
                let len = u32_of(take(4)?) as usize;
                String::from_utf8(take(len)?.to_vec()).ok()
            };
            cells.push(match tag {
                0 => RawCell::Empty,
                1 => RawCell::Text(text()?),
                6 => RawCell::DateIso(text()?),
                7 => RawCell::Error(text()?),
                2 => RawCell::Int(i64::from_le_bytes(take(8)?.try_into().ok()?)),
                3 => RawCell::Float(f64::from_le_bytes(take(8)?.try_into().ok()?)),
                5 => RawCell::Date(f64::from_le_bytes(take(8)?.try_into().ok()?)),
                4 => RawCell::Bool(take(1)?[0] != 0),
                _ => return None,
            });
        }
        rows.push(RawRow { row_no, cells });
    }
    (at == buf.len()).then_some(rows)
}

/// The parent's side: a running parser child and its output.
pub(crate) struct ParserChild {
    child: Child,
    out: BufReader<ChildStdout>,
    path: PathBuf,
    memory_limit: u64,
}

/// What the child said next.
pub(crate) enum Said {
    Info(Box<FileInfo>),
    Rows(Vec<RawRow>),
    End,
}

impl ParserChild {
    /// Starts the parser child for `path`: `options.parser`, or this very executable.
    pub(crate) fn start(
        path: &Path,
        format: Format,
        options: &ImportOptions,
        rows: bool,
    ) -> Result<ParserChild, ImportError> {
        let request = Request {
            path: path.to_path_buf(),
            format,
            options: options.clone(),
            rows,
        };
        let program = match &options.parser {
            Some(p) => p.clone(),
            None => std::env::current_exe().map_err(|e| ImportError::Io {
                path: path.into(),
                source: e,
            })?,
        };
        let mut command = Command::new(program);
        command
            .arg(PARSE_ARG)
            .arg(serde_json::to_string(&request).expect("serialisable"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        limit_memory(&mut command, options.parser_memory_bytes);
        let memory_limit = options.parser_memory_bytes;
        let mut child = command.spawn().map_err(|e| ImportError::Io {
            path: path.into(),
            source: e,
        })?;
        let stdout = child.stdout.take().expect("piped");
        // A pipe of 1 MiB rather than 64 KiB: the child writes a batch while this side
        // decodes the last one, instead of waiting for each 64 KiB to be read.
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: F_SETPIPE_SZ on a pipe this process owns; a refusal leaves it as it was.
            unsafe {
                libc::fcntl(stdout.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20);
            }
        }
        let out = BufReader::with_capacity(1 << 20, stdout);
        Ok(ParserChild {
            child,
            out,
            path: path.into(),
            memory_limit,
        })
    }

    /// The next frame; an error the child reported, or the child's death, as an error.
    pub(crate) fn next(&mut self) -> Result<Said, ImportError> {
        let mut head = [0u8; 5];
        if self.out.read_exact(&mut head).is_err() {
            return Err(self.died());
        }
        let len = u32::from_le_bytes(head[1..5].try_into().expect("4 bytes")) as usize;
        if len > MAX_FRAME_BYTES {
            return Err(self.garbled());
        }
        let mut payload = vec![0u8; len];
        if self.out.read_exact(&mut payload).is_err() {
            return Err(self.died());
        }
        match head[0] {
            b'I' => {
                let found: Found = serde_json::from_slice(&payload).map_err(|_| self.garbled())?;
                let mut info = found.info;
                info.set_1904(found.is_1904);
                Ok(Said::Info(Box::new(info)))
            }
            b'R' => decode_rows(&payload)
                .map(Said::Rows)
                .ok_or_else(|| self.garbled()),
            b'Z' => Ok(Said::End),
            b'E' => {
                let err: ChildError =
                    serde_json::from_slice(&payload).map_err(|_| self.garbled())?;
                Err(ImportError::from_child(
                    &self.path,
                    &err.code,
                    err.message,
                    err.detail,
                    err.params,
                ))
            }
            _ => Err(self.garbled()),
        }
    }

    /// The child stopped without a word: it aborted (a failed allocation), hit its memory
    /// limit or was killed.
    fn died(&mut self) -> ImportError {
        let status = self.child.wait().ok();
        let how = match status {
            Some(s) if s.success() => "the reader stopped without finishing".to_string(),
            Some(s) => {
                #[cfg(unix)]
                {
                    use std::os::unix::process::ExitStatusExt;
                    if let Some(sig) = s.signal() {
                        return ImportError::Damaged {
                            path: self.path.clone(),
                            detail: format!(
                                "reading it needed more than {} MiB of memory, or the reader crashed (signal {sig})",
                                self.memory_limit >> 20
                            ),
                        };
                    }
                }
                format!("the reader failed ({s})")
            }
            None => "the reader vanished".to_string(),
        };
        ImportError::Damaged {
            path: self.path.clone(),
            detail: how,
        }
    }

    fn garbled(&self) -> ImportError {
        ImportError::Damaged {
            path: self.path.clone(),
            detail: "the reader's output was garbled".into(),
        }
    }
}

impl Drop for ParserChild {
    /// A cancelled or finished import leaves no reader behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(unix)]
fn limit_memory(command: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: bytes as libc::rlim_t,
                rlim_max: bytes as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Elsewhere the child runs without a limit of its own (a Job Object would give one on
/// Windows); it is still a separate process, so its abort does not close the window.
#[cfg(not(unix))]
fn limit_memory(_command: &mut Command, _bytes: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cross_the_pipe_as_they_were() {
        let rows = vec![
            RawRow {
                row_no: 7,
                cells: vec![
                    RawCell::Empty,
                    RawCell::Text("张三".into()),
                    RawCell::Int(-5),
                    RawCell::Float(1.25),
                    RawCell::Bool(true),
                    RawCell::Date(45000.5),
                    RawCell::DateIso("2026-03-01".into()),
                    RawCell::Error("#N/A".into()),
                ],
            },
            RawRow {
                row_no: 8,
                cells: vec![],
            },
        ];
        let mut batch = RowBatch::default();
        for row in &rows {
            batch.push(row.row_no, row.cells.iter().map(CellView::from));
        }
        let buf = batch.take().to_vec();
        let back = decode_rows(&buf).unwrap();
        assert_eq!(format!("{back:?}"), format!("{rows:?}"));
        assert!(decode_rows(&buf[..buf.len() - 1]).is_none());
        let mut longer = buf.clone();
        longer.push(0);
        assert!(decode_rows(&longer).is_none());
    }
}
