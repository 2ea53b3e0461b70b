//! Progress on stderr for the long commands (import, accept, export, the order book's
//! first pull), only when stderr is a terminal: a script or a pipe gets no bars.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A bar for `what`, hidden when stderr is not a terminal.
pub fn bar(what: &str) -> ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{prefix} {wide_bar} {human_pos}/{human_len} {per_sec} {eta}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}

/// Tells `bar` how far: `done` of `total` (an estimate, or unknown).
pub fn tell(bar: &ProgressBar, done: u64, total: Option<u64>) {
    if let Some(total) = total {
        bar.set_length(total.max(done));
    }
    bar.set_position(done);
}
