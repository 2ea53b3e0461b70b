//! The window's size, position and maximised state, kept across runs
//! (tauri-plugin-window-state), in the data directory beside the profiles, so each data
//! directory (a second install, a test) has its own. The plugin saves when the app exits;
//! here the state is also saved shortly after each move or resize, so a crash or a power
//! cut keeps where the clerk put the window.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tauri::{Manager, Runtime, Window, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// Size, position and maximised; never the visibility (a window kept hidden would be lost).
const FLAGS: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// How long the window must rest before its state is written: a drag is many events.
const SETTLE: Duration = Duration::from_millis(400);

pub fn plugin<R: Runtime>(data_dir: &Path) -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_window_state::Builder::new()
        // An absolute name: the plugin joins it to its config dir, which it then replaces.
        .with_filename(data_dir.join("window-state.json").to_string_lossy())
        .with_state_flags(FLAGS)
        .build()
}

static LAST_CHANGE: AtomicU64 = AtomicU64::new(0);

/// On a move or a resize: saves once the window has rested for [`SETTLE`].
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
        return;
    }
    let change = LAST_CHANGE.fetch_add(1, Ordering::SeqCst) + 1;
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        if LAST_CHANGE.load(Ordering::SeqCst) == change {
            if let Err(e) = app.save_window_state(FLAGS) {
                log::warn!("could not keep the window's place: {e}");
            }
        }
    });
}
