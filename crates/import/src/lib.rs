//! Spreadsheets in and out: the template (模板), the import into the staging area, and
//! the exports. Used by the app and by the `xinbao` command line alike.
//!
//! An import reads on one thread (calamine's streaming reader for xlsx, never the whole
//! sheet in memory) and normalises, validates and writes on another, so both cores work.

pub mod cells;
pub mod columns;
mod error;
pub mod export;
pub mod pipeline;
pub mod sniff;
pub mod source;
pub mod template;

pub use error::ImportError;
pub use pipeline::{inspect, stage, FileInfo, ImportOptions, Progress, StageOutcome};
