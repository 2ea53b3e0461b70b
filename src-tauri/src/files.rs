//! Spreadsheets in and out of the app. The page never sees a path: native dialogs run here,
//! a chosen file becomes a token, and Rust reads and writes the files.

use crate::{AppState, UiError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use xinbao_import::export::Job;
use xinbao_import::{FileInfo, ImportError, ImportOptions, StageOutcome};
use xinbao_store::imports::{self, BatchSummary, StagedRow};

/// A file the clerk chose, known to the page only by its token and name.
pub struct PickedFile {
    path: PathBuf,
    cancel: Arc<AtomicBool>,
}

#[derive(Serialize)]
pub struct Picked {
    token: u64,
    file_name: String,
}

impl From<ImportError> for UiError {
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(s) => s.into(),
            other => UiError {
                params: other.params().map(Box::new),
                ..UiError::new(other.code(), other.to_string())
            },
        }
    }
}

pub(crate) fn words(state: &AppState, key: &str) -> String {
    let lang = state
        .with_store(|s| xinbao_store::settings::get(s, "language"))
        .ok()
        .flatten()
        .unwrap_or_else(|| xinbao_i18n::DEFAULT_LANGUAGE.to_string());
    xinbao_i18n::text(&lang, key).unwrap_or(key).to_string()
}

/// A worker thread that did not finish (it panicked or was cancelled by the runtime).
fn worker_failed(e: tauri::Error) -> UiError {
    UiError::new("import.io", e.to_string())
}

const SPREADSHEETS: &[&str] = &["xlsx", "xlsm", "xls", "ods", "csv"];

/// Opens the native file dialog (awaited: no runtime worker waits on it); the chosen file
/// is kept here under a new token.
async fn pick(
    app: &AppHandle,
    state: &AppState,
    title_key: &str,
    filter_key: &str,
    extensions: &[&str],
) -> Option<(u64, String, PathBuf)> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(words(state, title_key))
        .add_filter(words(state, filter_key), extensions)
        .pick_file(move |p| {
            let _ = tx.send(p.and_then(|p| p.into_path().ok()));
        });
    let path = rx.await.ok().flatten()?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let token = remember_file(state, path.clone());
    Some((token, file_name, path))
}

/// A file the page may use by a token (never by its path).
fn remember_file(state: &AppState, path: PathBuf) -> u64 {
    let mut files = state.picked.lock().unwrap_or_else(|p| p.into_inner());
    // Random, so a script in the page cannot guess another file's token.
    let mut token = new_token();
    while files.contains_key(&token) {
        token = new_token();
    }
    files.insert(
        token,
        PickedFile {
            path,
            cancel: Arc::new(AtomicBool::new(false)),
        },
    );
    token
}

/// A file of the app's own (a pasted block, a dropped spreadsheet) handed to the page as a
/// chosen file is: a token and a name.
fn hand_over(state: &AppState, path: PathBuf) -> Picked {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let token = remember_file(state, path);
    Picked { token, file_name }
}

/// A random 53-bit token (JavaScript numbers hold it exactly), from the OS's random source.
pub(crate) fn new_token() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) & ((1 << 53) - 1)
}

/// Takes a chosen file's path and forgets its token: a token is good for one use.
pub fn take_path(state: &AppState, token: u64) -> Result<PathBuf, UiError> {
    state
        .picked
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&token)
        .map(|f| f.path)
        .ok_or_else(|| UiError::new("import.no_file", format!("no chosen file {token}")))
}

/// The native dialog; the page gets the chosen file's token and name, never its path.
async fn pick_for_page(
    app: &AppHandle,
    state: &AppState,
    title_key: &str,
    filter_key: &str,
    extensions: &[&str],
) -> Option<Picked> {
    pick(app, state, title_key, filter_key, extensions)
        .await
        .map(|(token, file_name, _)| Picked { token, file_name })
}

/// Asks the clerk for the PEM file of a CA to trust (the platform settings).
#[tauri::command]
pub async fn pick_ca_file(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<Picked>, UiError> {
    let ca = &["pem", "crt", "cer"];
    Ok(pick_for_page(
        &app,
        &state,
        "settings.pick_ca_title",
        "settings.ca_filter",
        ca,
    )
    .await)
}

/// Asks the clerk for a spreadsheet to import.
/// The native dialog for a spreadsheet (the import's formats), titled by `title_key`.
pub(crate) async fn pick_spreadsheet(
    app: &AppHandle,
    state: &AppState,
    title_key: &str,
) -> Option<Picked> {
    pick_for_page(app, state, title_key, "import.filter_name", SPREADSHEETS).await
}

#[tauri::command]
pub async fn import_pick_file(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<Picked>, UiError> {
    let (title, filter) = ("import.pick_title", "import.filter_name");
    Ok(pick_for_page(&app, &state, title, filter, SPREADSHEETS).await)
}

/// A photo for real-name verification: its token, and a preview (a data URL) for the page.
#[derive(Serialize)]
pub struct PickedPhoto {
    token: u64,
    file_name: String,
    preview: String,
}

/// A photo file as the platform will take it: JPEG or PNG by content, at most 5 MiB.
fn read_photo(path: &std::path::Path) -> Result<(Vec<u8>, &'static str), UiError> {
    let name = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|e| UiError::new("import.io", format!("{name}: {e}")))?
        .len();
    if size > xinbao_wire::MAX_PHOTO_BYTES as u64 {
        return Err(UiError::new(
            "upload.too_large",
            format!("{name} has {size} bytes; a photo may have 5 MiB"),
        ));
    }
    let bytes =
        std::fs::read(path).map_err(|e| UiError::new("import.io", format!("{name}: {e}")))?;
    let kind = xinbao_wire::sniff_image(&bytes).ok_or_else(|| {
        UiError::new(
            "upload.not_image",
            format!("{name} is not a JPEG or PNG image"),
        )
    })?;
    Ok((bytes, kind))
}

/// Asks the clerk for a photo (证件照片) and checks it at once, so a wrong file is named
/// before anything is sent.
#[tauri::command]
pub async fn pick_photo(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<PickedPhoto>, UiError> {
    let Some((token, file_name, path)) = pick(
        &app,
        &state,
        "realname.pick_title",
        "realname.filter_name",
        &["jpg", "jpeg", "png"],
    )
    .await
    else {
        return Ok(None);
    };
    let (bytes, kind) = read_photo(&path)?;
    use base64::Engine;
    let preview = format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    );
    Ok(Some(PickedPhoto {
        token,
        file_name,
        preview,
    }))
}

/// The photos of a real-name submission, read again (they may have changed since they
/// were picked): exactly the parts the nationality asks for, each checked.
pub fn take_photos(
    state: &AppState,
    nationality: xinbao_wire::Nationality,
    photos: &std::collections::HashMap<String, u64>,
) -> Result<Vec<(String, String, Vec<u8>)>, UiError> {
    let mut parts = vec!["holding_id"];
    parts.extend(nationality.photo_parts());
    let mut out = Vec::new();
    for part in parts {
        let token = photos.get(part).ok_or_else(|| UiError {
            field: Some(part.to_string()),
            ..UiError::new("upload.missing", format!("the photo {part} is missing"))
        })?;
        let path = take_path(state, *token)?;
        let (bytes, _) = read_photo(&path).map_err(|e| UiError {
            field: Some(part.to_string()),
            ..e
        })?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("{part}.jpg"));
        out.push((part.to_string(), file_name, bytes));
    }
    Ok(out)
}

fn picked(state: &AppState, token: u64) -> Result<(PathBuf, Arc<AtomicBool>), UiError> {
    let files = state.picked.lock().unwrap_or_else(|p| p.into_inner());
    let f = files
        .get(&token)
        .ok_or_else(|| UiError::new("import.no_file", format!("no chosen file {token}")))?;
    Ok((f.path.clone(), f.cancel.clone()))
}

/// The clerk's choices for a file: sheet, header row, column mapping.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Choices {
    sheet: Option<String>,
    header_row: Option<u32>,
    mapping: BTreeMap<String, String>,
}

fn options(state: &AppState, choices: Choices) -> Result<ImportOptions, UiError> {
    let mut mapping = state.as_clerk(|s, _| imports::remembered_mapping(s))?;
    mapping.extend(choices.mapping);
    Ok(ImportOptions {
        sheet: choices.sheet,
        header_row: choices.header_row,
        mapping,
        ..Default::default()
    })
}

#[tauri::command]
pub async fn import_inspect(
    state: State<'_, AppState>,
    token: u64,
    choices: Choices,
) -> Result<FileInfo, UiError> {
    let (path, _) = picked(&state, token)?;
    let options = options(&state, choices)?;
    tauri::async_runtime::spawn_blocking(move || xinbao_import::inspect(&path, &options))
        .await
        .map_err(worker_failed)?
        .map_err(UiError::from)
}

/// Reads the file into the staging area of `order_id` on a worker thread, reporting
/// `import-progress` events; the mapping the clerk confirmed is remembered.
#[tauri::command]
pub async fn import_stage(
    app: AppHandle,
    token: u64,
    order_id: i64,
    choices: Choices,
) -> Result<StageOutcome, UiError> {
    let state = app.state::<AppState>();
    let (path, cancel) = picked(&state, token)?;
    cancel.store(false, Ordering::Relaxed);
    let confirmed = choices.mapping.clone();
    let options = options(&state, choices)?;
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let progress = |p: xinbao_import::Progress| {
            let _ = handle.emit("import-progress", p);
        };
        let outcome = state.as_clerk_job(|store, _| {
            xinbao_import::stage(store, &path, order_id, &options, &progress, &cancel)
        });
        // Staged or cancelled: the file's token is spent, and a pasted or dropped file (the
        // clerk's rows, outside the encrypted store) goes at once. After any other error the
        // page may ask again (another sheet, another mapping), so the file stays until then
        // or until the app starts again.
        let spent = match &outcome {
            Ok(_) => true,
            Err(e) => e.code == "import.cancelled",
        };
        if spent {
            if let Ok(taken) = take_path(&state, token) {
                if taken.starts_with(pasted_dir(&state.data_dir)) {
                    if let Some(folder) = taken.parent() {
                        xinbao_import::paste::clear(folder);
                    }
                }
            }
        }
        let outcome = outcome?;
        if !confirmed.is_empty() {
            state.as_clerk(|s, _| imports::remember_mapping(s, &confirmed))?;
        }
        Ok(outcome)
    })
    .await
    .map_err(worker_failed)?
}

/// Where pasted blocks wait to be staged (cleared when the app starts).
pub fn pasted_dir(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join("pasted")
}

/// A block pasted into the grid that is more than the grid takes: written as a file with
/// the template's headers (from the column pasted at) and handed to the page like a file
/// the clerk chose, so the import's steps take it (check, preview, accept).
#[tauri::command(async)]
pub fn import_paste(
    state: State<'_, AppState>,
    text: String,
    first_field: String,
) -> Result<Picked, UiError> {
    let name = words(&state, "import.pasted_name");
    let path = xinbao_import::paste::write_block(
        &pasted_dir(&state.data_dir),
        &name,
        &first_field,
        &text,
    )?;
    Ok(hand_over(&state, path))
}

/// A spreadsheet dropped onto the window: the page sends its bytes (a raw body) and its
/// name (`x-file-name`, URI-encoded), never a path (the window's drop gives it none); it is
/// written as a file of the app's own and handed back as a token, like a chosen file.
#[tauri::command(async)]
pub fn import_drop(
    state: State<'_, AppState>,
    request: tauri::ipc::Request<'_>,
) -> Result<Picked, UiError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(UiError::new(
            "import.no_file",
            "a drop sends the file's bytes",
        ));
    };
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default();
    let path = xinbao_import::paste::write_dropped(&pasted_dir(&state.data_dir), &name, bytes)?;
    Ok(hand_over(&state, path))
}

#[tauri::command(async)]
pub fn import_cancel(state: State<'_, AppState>, token: u64) -> Result<(), UiError> {
    picked(&state, token)?.1.store(true, Ordering::Relaxed);
    Ok(())
}

#[tauri::command(async)]
pub fn import_summary(state: State<'_, AppState>, batch_id: i64) -> Result<BatchSummary, UiError> {
    state.as_clerk(|s, _| imports::summary(s, batch_id))
}

#[tauri::command(async)]
pub fn import_rows(
    state: State<'_, AppState>,
    batch_id: i64,
    only_errors: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<StagedRow>, UiError> {
    state.as_clerk(|s, _| imports::rows(s, batch_id, only_errors, offset, limit))
}

#[tauri::command(async)]
pub fn import_fix_cell(
    state: State<'_, AppState>,
    batch_id: i64,
    row_no: i64,
    field: String,
    text: String,
) -> Result<StagedRow, UiError> {
    state.as_clerk(|s, _| imports::fix_cell(s, batch_id, row_no, &field, &text))
}

/// Accepts the valid rows on a worker thread with a connection of its own, reporting
/// `accept-progress` events; [`import_accept_cancel`] stops it and nothing is kept.
#[tauri::command]
pub async fn import_accept(app: AppHandle, batch_id: i64) -> Result<BatchSummary, UiError> {
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let cancel = Arc::new(AtomicBool::new(false));
        {
            // One accept of a batch at a time: a second would replace the first's cancel
            // flag, and the clerk's cancel would no longer reach the accept under way.
            let mut accepting = state.accepting.lock().unwrap_or_else(|p| p.into_inner());
            if accepting.contains_key(&batch_id) {
                return Err(UiError::new(
                    "import.accepting",
                    "this import is being accepted already",
                ));
            }
            accepting.insert(batch_id, cancel.clone());
        }
        let progress = |p: imports::AcceptProgress| {
            let _ = handle.emit("accept-progress", p);
        };
        let result = state
            .as_clerk_job(|s, actor| imports::accept_with(s, actor, batch_id, &progress, &cancel));
        state
            .accepting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&batch_id);
        if result.is_ok() {
            // The dead staging rows go after the answer, on a connection of their own.
            let handle = handle.clone();
            std::thread::spawn(move || {
                let state = handle.state::<AppState>();
                if let Err(e) = state.as_clerk_job(|s, _| imports::clear_decided(s)) {
                    log::warn!("clearing accepted staging rows: {}", e.code);
                }
            });
        }
        result
    })
    .await
    .map_err(worker_failed)?
}

/// Stops an accept under way (a no-op when none is).
#[tauri::command(async)]
pub fn import_accept_cancel(state: State<'_, AppState>, batch_id: i64) -> Result<(), UiError> {
    if let Some(cancel) = state
        .accepting
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&batch_id)
    {
        cancel.store(true, Ordering::Relaxed);
    }
    Ok(())
}

#[tauri::command(async)]
pub fn import_reject(state: State<'_, AppState>, batch_id: i64) -> Result<BatchSummary, UiError> {
    state.as_clerk(|s, _| imports::reject(s, batch_id))
}

/// Asks where to save; `None` when the clerk cancels. Awaited: no runtime worker waits on
/// the dialog.
async fn ask_save_path(
    app: &AppHandle,
    state: &AppState,
    title_key: &str,
    file_name: &str,
) -> Option<PathBuf> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(words(state, title_key))
        .set_file_name(file_name)
        .add_filter("Excel", &["xlsx"])
        .save_file(move |p| {
            let _ = tx.send(p.and_then(|p| p.into_path().ok()));
        });
    rx.await.ok().flatten()
}

/// What a save wrote: the file name (never the full path) and how many rows.
#[derive(Serialize)]
pub struct Saved {
    file_name: String,
    rows: u64,
    /// For 【打开】 and 【在文件夹中显示】: the page names the file by this, never by its path.
    token: u64,
}

fn saved(state: &AppState, path: &std::path::Path, rows: u64) -> Option<Saved> {
    let mut files = state.saved.lock().unwrap_or_else(|p| p.into_inner());
    let mut token = new_token();
    while files.contains_key(&token) {
        token = new_token();
    }
    files.insert(token, path.to_path_buf());
    Some(Saved {
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        rows,
        token,
    })
}

/// A file this run saved, by its token.
fn saved_path(state: &AppState, token: u64) -> Result<PathBuf, UiError> {
    state
        .saved
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&token)
        .cloned()
        .ok_or_else(|| UiError::new("files.not_saved", format!("no saved file {token}")))
}

fn opener_failed(e: tauri_plugin_opener::Error) -> UiError {
    UiError::new("files.open_failed", e.to_string())
}

/// 【打开】 after an export: the file in the program the desktop opens .xlsx with.
#[tauri::command(async)]
pub fn open_saved(app: AppHandle, state: State<'_, AppState>, token: u64) -> Result<(), UiError> {
    let path = saved_path(&state, token)?;
    app.opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(opener_failed)
}

/// 【在文件夹中显示】: the file selected in the desktop's file manager; where none answers
/// on D-Bus (a minimal desktop), its folder is opened instead.
#[tauri::command(async)]
pub fn show_saved(app: AppHandle, state: State<'_, AppState>, token: u64) -> Result<(), UiError> {
    let path = saved_path(&state, token)?;
    app.opener().reveal_item_in_dir(&path).or_else(|e| {
        log::info!("no file manager showed the file ({e}); opening its folder");
        let folder = path.parent().unwrap_or(&path);
        app.opener()
            .open_path(folder.to_string_lossy(), None::<&str>)
            .map_err(opener_failed)
    })
}

/// The help desk's 【打开日志文件夹】: the app's log folder, for the clerk to send.
#[tauri::command(async)]
pub fn open_log_folder(app: AppHandle) -> Result<(), UiError> {
    let dir = app
        .path()
        .app_log_dir()
        .map_err(|e| UiError::new("files.open_failed", e.to_string()))?;
    std::fs::create_dir_all(&dir).map_err(|e| UiError::new("files.open_failed", e.to_string()))?;
    app.opener()
        .open_path(dir.to_string_lossy(), None::<&str>)
        .map_err(opener_failed)
}

/// Asks where to save, then writes there on a worker thread with a connection of its own,
/// reporting `export-progress` events (rows written); [`export_cancel`] stops it and the
/// file is not written. `None` when the clerk cancels the dialog.
pub(crate) async fn save_as(
    app: &AppHandle,
    state: &AppState,
    title_key: &str,
    file_name: &str,
    write: impl FnOnce(&mut xinbao_store::Store, &std::path::Path, &Job) -> Result<u64, ImportError>
        + Send
        + 'static,
) -> Result<Option<Saved>, UiError> {
    let Some(path) = ask_save_path(app, state, title_key, file_name).await else {
        return Ok(None);
    };
    let handle = app.clone();
    let target = path.clone();
    let rows = tauri::async_runtime::spawn_blocking(move || {
        let state = handle.state::<AppState>();
        let cancel = Arc::new(AtomicBool::new(false));
        *state.exporting.lock().unwrap_or_else(|p| p.into_inner()) = Some(cancel.clone());
        let progress = |rows: u64| {
            let _ = handle.emit("export-progress", rows);
        };
        let job = Job {
            progress: &progress,
            cancel: &cancel,
        };
        let result = state.as_clerk_job(|s, _| write(s, &target, &job));
        *state.exporting.lock().unwrap_or_else(|p| p.into_inner()) = None;
        result
    })
    .await
    .map_err(worker_failed)??;
    Ok(saved(state, &path, rows))
}

/// Stops the export under way (a no-op when none is).
#[tauri::command(async)]
pub fn export_cancel(state: State<'_, AppState>) -> Result<(), UiError> {
    if let Some(cancel) = state
        .exporting
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        cancel.store(true, Ordering::Relaxed);
    }
    Ok(())
}

#[tauri::command]
pub async fn save_template(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<Saved>, UiError> {
    let name = words(&state, "files.template_file");
    save_as(&app, &state, "files.save_template", &name, |_, path, _| {
        xinbao_import::template::write(path).map(|()| 0)
    })
    .await
}

#[tauri::command]
pub async fn export_error_rows(
    app: AppHandle,
    state: State<'_, AppState>,
    batch_id: i64,
) -> Result<Option<Saved>, UiError> {
    let name = words(&state, "files.errors_file");
    save_as(
        &app,
        &state,
        "files.save_errors",
        &name,
        move |s, path, job| xinbao_import::export::error_rows(s, batch_id, path, job),
    )
    .await
}

#[tauri::command]
pub async fn export_order(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> Result<Option<Saved>, UiError> {
    let name = format!("{}-{id}.xlsx", words(&state, "files.order_file"));
    save_as(
        &app,
        &state,
        "files.save_export",
        &name,
        move |s, path, job| xinbao_import::export::order(s, id, path, job),
    )
    .await
}

#[tauri::command]
pub async fn export_orders(
    app: AppHandle,
    state: State<'_, AppState>,
    query: xinbao_store::orders::ListQuery,
) -> Result<Option<Saved>, UiError> {
    let name = words(&state, "files.orders_file");
    save_as(
        &app,
        &state,
        "files.save_export",
        &name,
        move |s, path, job| xinbao_import::export::orders(s, &query, path, job),
    )
    .await
}
