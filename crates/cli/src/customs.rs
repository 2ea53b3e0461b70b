//! `xinbao orders customs --file FILE [--dry-run] [--rejected OUT.xlsx]` (批量补录报关单号)
//! and `xinbao orders customs-template OUT.xlsx`, over the store's judgement of each row.

use crate::{CliError, Output, CLI_ACTOR};
use serde::Serialize;
use std::path::{Path, PathBuf};
use xinbao_store::customs_bulk::{self, Preview};
use xinbao_store::Store;

/// Judges every row of `file`; without `dry_run` declares the good ones in one
/// transaction. The answer is the verdict of every row; rows rejected make the exit code 3
/// (the answer printed all the same), and `rejected` receives them with their reasons.
pub(crate) fn run_file(
    store: &mut Store,
    output: Output,
    file: &Path,
    dry_run: bool,
    rejected: Option<&PathBuf>,
) -> Result<(), CliError> {
    let rows = xinbao_import::customs::read(file)?;
    let (preview, declared) = if dry_run {
        (customs_bulk::preview(store, &rows)?, None)
    } else {
        let applied = customs_bulk::apply(store, CLI_ACTOR, &rows)?;
        (applied.preview, Some(applied.declared))
    };
    if let Some(out) = rejected {
        xinbao_import::customs::write_rejected(out, &rows, &preview)?;
    }
    #[derive(Serialize)]
    struct Answer<'a> {
        file: &'a Path,
        dry_run: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        declared: Option<usize>,
        #[serde(flatten)]
        preview: &'a Preview,
    }
    output.show(
        &Answer {
            file,
            dry_run,
            declared,
            preview: &preview,
        },
        || {
            for v in &preview.rows {
                let order = v.order_no.as_deref().unwrap_or("-");
                let status = v.status.as_str();
                if v.reason.is_empty() {
                    println!("row {}: {order} {} {status}", v.row_no, v.customs_no);
                } else {
                    println!(
                        "row {}: {order} {} {status}: {}",
                        v.row_no, v.customs_no, v.reason
                    );
                }
            }
            match declared {
                Some(n) => println!(
                    "{n} order(s) declared and queued for the platform; {} row(s) rejected",
                    preview.rejected
                ),
                None => println!(
                    "{} order(s) would be declared; {} row(s) rejected (nothing changed: --dry-run)",
                    preview.will_declare, preview.rejected
                ),
            }
            if let Some(out) = rejected {
                println!("the rejected rows, with why: {}", out.display());
            }
        },
    );
    if preview.rejected > 0 {
        return Err(CliError::RowsRejected {
            rejected: preview.rejected,
            rows: preview.rows.len(),
        });
    }
    Ok(())
}
