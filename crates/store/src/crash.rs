//! Named moments at which a test may kill the process, to prove that a kill at each leaves
//! a profile whole: `XINBAO_CRASH_AT=<point>` makes the process kill itself (SIGKILL: no
//! destructor, no flush, no unwinding, as a power cut or `kill -9` leaves it) when it reaches
//! that point. Debug builds only: a release binary never reads the variable.
//!
//! The points of a profile's key and file changing together, in the order they happen:
//! - a new key: `key.saved` (in the vault, before its id is beside the database), then the
//!   id file's `write.key-id` (written and synced, before its rename);
//! - an encryption: `encrypt.checked` (the encrypted copy checked and synced), `encrypt.copy_kept`
//!   (the plain file kept as `…​.before-encryption`), `encrypt.swapped` (renamed over the plain
//!   file, before the folder's sync), `open.journal_switched` (the file switched to WAL, before
//!   the migrations), `encrypt.verified` (a later start opened it with the vault's key, before
//!   the plain copy is removed);
//! - a seal: `write.key-sealed`; a move into the keyring: `move.adopted` (the key in the
//!   vault and named, the seal still in place), `move.set_aside` (the seal renamed aside).
//!
//! And of a matching run: `match.written` (every link of the run written, before its commit).

/// The variable naming the point to die at.
pub const CRASH_AT_ENV: &str = "XINBAO_CRASH_AT";

/// Dies here if `XINBAO_CRASH_AT` names this point (debug builds).
pub fn point(name: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os(CRASH_AT_ENV).is_some_and(|at| at == name) {
        die();
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}

#[cfg(all(debug_assertions, unix))]
fn die() {
    // SAFETY: kill(2) on our own pid; it does not return.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
}

#[cfg(all(debug_assertions, not(unix)))]
fn die() {
    std::process::abort();
}
