//! Spreadsheets in and out: the template (模板), the import into the staging area, and
//! the exports. Used by the app and by the `xinbao` command line alike.
//!
//! An import reads in a child process with a memory limit (calamine's streaming reader for
//! xlsx, never the whole sheet in memory; see [`child`]) and normalises, validates and
//! writes in the caller's, so both cores work and no file can take the caller down.

pub mod cells;
pub mod child;
pub mod columns;
pub mod customs;
mod error;
pub mod export;
pub mod paste;
pub mod pipeline;
pub mod sniff;
pub mod source;
pub mod template;

pub use error::ImportError;
pub use pipeline::{inspect, stage, FileInfo, ImportOptions, Progress, StageOutcome};
