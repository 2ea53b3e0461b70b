//! 批量补录报关单号 in the window. The broker's file is chosen in the native dialog, read and
//! judged by Rust (`xinbao_store::customs_bulk`); its rows stay here under a random token, so
//! the page never names a path, and the apply and the rejected rows' export take that token.
//! The apply judges the rows again inside its transaction: a preview left open for an hour
//! never declares what changed meanwhile.

use crate::error::UiError;
use crate::files::{self, Picked, Saved};
use crate::AppState;
use serde::Serialize;
use std::sync::Arc;
use tauri::{AppHandle, State};
use xinbao_store::customs_bulk::{self, Applied, CustomsRow, Preview};

type Res<T> = Result<T, UiError>;

/// A broker's file read this run: its rows, held by the token the page holds.
pub type HeldRows = Arc<Vec<CustomsRow>>;

/// The files held at once (a clerk previews one, maybe two): the oldest goes first.
const MOST_HELD: usize = 4;

/// What the page gets for a chosen file: its token and every row's verdict.
#[derive(Serialize)]
pub struct CustomsFile {
    file: u64,
    preview: Preview,
}

/// The native dialog for the broker's file.
#[tauri::command]
pub async fn customs_pick_file(app: AppHandle, state: State<'_, AppState>) -> Res<Option<Picked>> {
    Ok(files::pick_spreadsheet(&app, &state, "customs_bulk.pick_title").await)
}

/// Reads the chosen file (by its one-use token) and judges every row; changes nothing.
#[tauri::command(async)]
pub fn customs_preview(state: State<'_, AppState>, token: u64) -> Res<CustomsFile> {
    let path = files::take_path(&state, token)?;
    let rows = xinbao_import::customs::read(&path)?;
    let preview = state.as_clerk_job(|s, _| customs_bulk::preview(s, &rows))?;
    let file = files::new_token();
    let mut held = state
        .customs_files
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if held.len() >= MOST_HELD {
        held.remove(0);
    }
    held.push((file, Arc::new(rows)));
    Ok(CustomsFile { file, preview })
}

fn held_rows(state: &AppState, file: u64) -> Res<HeldRows> {
    state
        .customs_files
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(t, _)| *t == file)
        .map(|(_, rows)| rows.clone())
        .ok_or_else(|| UiError::new("import.no_file", format!("no customs file {file}")))
}

/// 确认补录: the good rows declared in one transaction, each queued for the platform.
#[tauri::command(async)]
pub fn customs_apply(state: State<'_, AppState>, file: u64) -> Res<Applied> {
    let rows = held_rows(&state, file)?;
    state
        .as_clerk_job(|s, actor| customs_bulk::apply(s, actor, &rows))
        .inspect(|_| state.platform.poke())
}

/// 导出未通过的行: the rows rejected now, as the file gave them, with why.
#[tauri::command]
pub async fn customs_export_rejected(
    app: AppHandle,
    state: State<'_, AppState>,
    file: u64,
) -> Res<Option<Saved>> {
    let rows = held_rows(&state, file)?;
    let name = files::words(&state, "customs_bulk.rejected_file");
    files::save_as(
        &app,
        &state,
        "customs_bulk.save_rejected",
        &name,
        move |s, path, _| {
            let preview = customs_bulk::preview(s, &rows)?;
            xinbao_import::customs::write_rejected(path, &rows, &preview)
        },
    )
    .await
}

/// 下载模板 of the broker's file.
#[tauri::command]
pub async fn customs_save_template(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Res<Option<Saved>> {
    let name = files::words(&state, "customs_bulk.template_file");
    files::save_as(
        &app,
        &state,
        "customs_bulk.save_template",
        &name,
        |_, path, _| xinbao_import::customs::write_template(path).map(|()| 0),
    )
    .await
}
