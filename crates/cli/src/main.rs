//! `xinbao`: the command-line face of Xinbao Desk. It opens the same profile database as
//! the app, through the same crates, so anything the app stores can be read here.

use clap::{CommandFactory, Parser, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use xinbao_domain::{Cents, OrderState};
use xinbao_import::{ImportError, ImportOptions};
use xinbao_store::orders::{self, ListQuery, SyncState};
use xinbao_store::{imports, paths, Store, StoreError};

mod edit;
mod platform;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "xinbao",
    version,
    about = "Xinbao Desk (信保订单登记) from the command line"
)]
struct Cli {
    /// Data directory (default: $XINBAO_DATA_DIR, else the OS app-data directory).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Account profile whose database to open.
    #[arg(long, global = true, default_value = paths::DEFAULT_PROFILE)]
    profile: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The orders (信保订单): list, show, new, edit, link, confirm, customs number.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Write the import template (模板) to OUT.xlsx.
    Template { out: PathBuf },
    /// Import a spreadsheet's lines into an order (staged; --accept adds the valid rows).
    Import {
        file: PathBuf,
        /// The order to add the lines to.
        #[arg(
            long,
            conflicts_with = "new_order",
            required_unless_present = "new_order"
        )]
        order: Option<i64>,
        /// Create a new draft for the lines.
        #[arg(long)]
        new_order: bool,
        /// Accept the valid rows into the order right away.
        #[arg(long)]
        accept: bool,
        /// The sheet to read (default: the first with a header row).
        #[arg(long)]
        sheet: Option<String>,
        /// Refuse files with more data rows than this.
        #[arg(long, default_value_t = 1_048_576)]
        max_rows: u64,
        #[arg(long)]
        json: bool,
    },
    /// Export to .xlsx.
    Export {
        #[command(subcommand)]
        what: ExportCommand,
    },
    /// Where the platform is: its URL and an extra CA file to trust.
    Platform {
        #[arg(long)]
        url: String,
        /// PEM file of a CA to trust (the reference platform prints its path).
        #[arg(long)]
        ca: Option<String>,
    },
    /// Fetch a login captcha: writes the image to OUT.png and prints the captcha id.
    Captcha { out: PathBuf },
    /// Log in to the platform; the password is read from stdin (never an argument).
    Login {
        /// USCC or procurement number (or the bound mobile with --mobile).
        #[arg(long)]
        account: String,
        /// Log in with the bound mobile instead of the account.
        #[arg(long)]
        mobile: bool,
        #[arg(long)]
        captcha_id: String,
        #[arg(long)]
        captcha: String,
    },
    /// Check the password against this computer's offline verifier (read from stdin).
    Unlock,
    /// End the session; --forget also removes the offline unlock from this computer.
    Logout {
        #[arg(long)]
        forget: bool,
    },
    /// Push queued operations and pull merchants, merchant orders and authorizations.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// Pending operations, last sync, rejections.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// The profile database's health: integrity, schema version, the queue, sizes, the
    /// file's permissions. Exits 1 when something is wrong.
    Doctor {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// The order list.
    Orders { out: PathBuf },
    /// One order's lines, with the template's headers (re-imports cleanly).
    Order { id: i64, out: PathBuf },
    /// The rows of an import that have problems, with an error column.
    Errors { import_id: i64, out: PathBuf },
}

#[derive(Subcommand)]
enum OrdersCommand {
    /// Every order, newest change first; passport numbers masked.
    List {
        #[arg(long)]
        json: bool,
        /// Only orders in this state: draft, confirmed or declared.
        #[arg(long, value_parser = parse_state)]
        state: Option<OrderState>,
        /// Only orders in this sync state: local, pending, synced or rejected.
        #[arg(long, value_parser = parse_sync_state)]
        sync_state: Option<SyncState>,
        /// Only orders to this country (ISO 3166 alpha-2, e.g. NG).
        #[arg(long)]
        country: Option<String>,
        /// Part of a buyer name, passport or customs number, merchant name or procurement number.
        #[arg(long)]
        search: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        #[arg(long, default_value_t = 0)]
        offset: u32,
    },
    /// One order with its lines and links.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// 暂存 of a new order: creates a draft and prints its id.
    ///
    /// Incomplete is fine; whatever is filled in must be valid.
    ///
    /// Line fields: procurement_no, merchant_name, mobile, order_month, product_name,
    /// quantity, packages, amount, note. A comma starts the next field only before NAME=
    /// (so amount=1,500.00 is one amount); write \, for a comma a value needs anyway.
    New {
        #[command(flatten)]
        buyer: edit::BuyerArgs,
        /// A line of the transaction list (交易清单), e.g.
        /// merchant_name=张三,mobile=13800138000,amount=1000; repeat for more lines.
        #[arg(long = "line", value_name = "FIELD=VALUE,...", value_parser = edit::parse_line_spec)]
        lines: Vec<edit::LineSpec>,
        /// Print {"id": N}.
        #[arg(long)]
        json: bool,
    },
    /// Changes an order's buyer fields and lines, as the editor's save does.
    ///
    /// A confirmed order keeps its buyer fields (its line changes are queued for the
    /// platform); a declared one changes no more.
    ///
    /// POSITION counts the order's lines as stored before the edit, from 1. Changed lines
    /// keep their place, removed lines go, added lines come last. Line fields as for `new`;
    /// an empty VALUE clears a field.
    #[command(
        override_usage = "xinbao orders edit <ID> [--buyer-name TEXT] [--passport NUMBER] [--country COUNTRY] [--total USD]\n       \
                          [--add-line FIELD=VALUE,...]... [--set-line POSITION FIELD=VALUE,...]... [--remove-line POSITION]... [--json]",
        group(clap::ArgGroup::new("change")
            .required(true)
            .multiple(true)
            .args(["buyer_name", "passport", "country", "total", "add_lines", "set_lines", "remove_lines"]))
    )]
    Edit {
        id: i64,
        #[command(flatten)]
        buyer: edit::BuyerArgs,
        /// Add a line at the end (repeatable).
        #[arg(long = "add-line", value_name = "FIELD=VALUE,...", value_parser = edit::parse_line_spec)]
        add_lines: Vec<edit::LineSpec>,
        /// Change the named fields of line POSITION (repeatable).
        #[arg(long = "set-line", num_args = 2, value_names = ["POSITION", "FIELD=VALUE,..."])]
        set_lines: Vec<String>,
        /// Remove line POSITION (repeatable).
        #[arg(long = "remove-line", value_name = "POSITION", value_parser = edit::parse_position)]
        remove_lines: Vec<usize>,
        /// Print what changed (buyer_changed, lines_added, lines_updated, lines_removed).
        #[arg(long)]
        json: bool,
    },
    /// 关联商户订单: link a line to a merchant order sent to this company (cached by sync).
    Link {
        #[arg(long)]
        line: i64,
        #[arg(long)]
        merchant_order: String,
    },
    /// Remove a line's link (before declaration).
    Unlink {
        #[arg(long)]
        line: i64,
        #[arg(long)]
        merchant_order: String,
    },
    /// 订单确认: freezes the buyer and queues the whole order for the platform.
    Confirm { id: i64 },
    /// 报关单号补录: attaches the customs declaration number; the order is then final.
    Customs { id: i64, number: String },
    /// 重新打开: an order whose confirmation the platform refused (and does not hold) goes
    /// back to a draft, to be fixed and confirmed again.
    Reopen { id: i64 },
    /// 显示: the order's whole passport number (lists and `show` mask it); the look is
    /// written to the order's audit log.
    Reveal { id: i64 },
}

fn parse_state(s: &str) -> Result<OrderState, String> {
    OrderState::parse(s).ok_or_else(|| format!("'{s}' is not a state (draft, confirmed, declared)"))
}

fn parse_sync_state(s: &str) -> Result<SyncState, String> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .map_err(|_| format!("'{s}' is not a sync state (local, pending, synced, rejected)"))
}

/// An error as the CLI prints it with --json: the same stable code the app's UI gets.
#[derive(Serialize)]
struct JsonError<'a> {
    code: String,
    message: String,
    fields: &'a [xinbao_domain::FieldError],
}

fn main() -> ExitCode {
    // Started again as the parser of an untrusted spreadsheet: parse, answer, exit.
    xinbao_import::child::serve_if_asked();
    let cli = Cli::parse();
    let edits = line_edits(&cli);
    let json = matches!(
        &cli.command,
        Command::Orders {
            command: OrdersCommand::List { json: true, .. }
                | OrdersCommand::Show { json: true, .. }
                | OrdersCommand::New { json: true, .. }
                | OrdersCommand::Edit { json: true, .. }
        } | Command::Import { json: true, .. }
            | Command::Sync { json: true }
            | Command::Status { json: true }
            | Command::Doctor { json: true }
    );
    match run(cli, edits) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A doctor's report on stdout is the whole answer: one JSON document.
            if json && !matches!(e, CliError::Unhealthy | CliError::Reported(_)) {
                let err = JsonError {
                    code: e.code(),
                    message: e.to_string(),
                    fields: e.field_errors(),
                };
                println!("{}", serde_json::to_string(&err).expect("serialisable"));
            }
            eprintln!("xinbao: {e} [{}]", e.code());
            ExitCode::FAILURE
        }
    }
}

/// Any failure of a command: the store's or the importer's, each with its stable code.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Sync(#[from] xinbao_sync::SyncError),
    #[error("reading stdin: {0}")]
    Stdin(std::io::Error),
    #[error("{}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("order {order} has no line {position} (it has {lines} line{})", if *.lines == 1 { "" } else { "s" })]
    NoLine {
        order: i64,
        position: usize,
        lines: usize,
    },
    #[error("the profile database is not healthy (see above)")]
    Unhealthy,
    /// A store error the doctor's report has already shown (with its code).
    #[error(transparent)]
    Reported(StoreError),
}

impl CliError {
    fn code(&self) -> String {
        match self {
            CliError::Store(e) => e.code().into(),
            CliError::Import(e) => e.code().into(),
            CliError::Sync(e) => e.code(),
            CliError::Stdin(_) => "cli.stdin".into(),
            CliError::Write { .. } => "cli.write".into(),
            CliError::NoLine { .. } => "line.not_found".into(),
            CliError::Unhealthy => "store.unhealthy".into(),
            CliError::Reported(e) => e.code().into(),
        }
    }

    fn field_errors(&self) -> &[xinbao_domain::FieldError] {
        match self {
            CliError::Store(e) => e.field_errors(),
            CliError::Import(ImportError::Store(e)) => e.field_errors(),
            CliError::Import(_)
            | CliError::Sync(_)
            | CliError::Stdin(_)
            | CliError::Write { .. }
            | CliError::NoLine { .. }
            | CliError::Unhealthy
            | CliError::Reported(_) => &[],
        }
    }
}

/// What `import --json` prints.
#[derive(Serialize)]
struct ImportReport {
    import_id: i64,
    order_id: i64,
    rows_read: i64,
    rows_valid: i64,
    rows_invalid: i64,
    rows_duplicate: i64,
    rows_skipped: u64,
    ignored_columns: Vec<String>,
    /// Columns taken by a near name (`货品名称` as `product_name`): said, to be checked.
    guessed_columns: Vec<GuessedColumn>,
    already_imported: bool,
    errors: Vec<ReportError>,
    accepted: bool,
    lines_added: Option<i64>,
    seconds: f64,
}

#[derive(Serialize)]
struct GuessedColumn {
    header: String,
    field: String,
}

#[derive(Serialize)]
struct ReportError {
    row: i64,
    column: String,
    field: String,
    code: String,
    message: String,
    message_en: String,
}

fn import(
    store: &mut Store,
    file: &std::path::Path,
    order: Option<i64>,
    accept: bool,
    options: ImportOptions,
) -> Result<ImportReport, CliError> {
    let (order_id, created) = match order {
        Some(id) => (id, false),
        None => {
            // Hostile or unreadable files are refused before a new draft is made for them
            // (with --order, stage refuses them itself, so the file is read once).
            xinbao_import::inspect(file, &options)?;
            (
                orders::create_draft(store, CLI_ACTOR, &xinbao_domain::OrderForm::default())?,
                true,
            )
        }
    };
    let staged = xinbao_import::stage(
        store,
        file,
        order_id,
        &options,
        &|_| {},
        &AtomicBool::new(false),
    );
    let staged = match staged {
        Ok(s) => s,
        Err(e) => {
            if created {
                orders::delete_draft(store, CLI_ACTOR, order_id)?;
            }
            return Err(e.into());
        }
    };
    let mut errors = Vec::new();
    imports::for_each_invalid_row(store, staged.summary.id, |row| {
        for e in row.errors {
            if errors.len() < 100 {
                errors.push(ReportError {
                    row: row.row_no,
                    column: e.header,
                    field: e.field,
                    code: e.code,
                    message: e.message_zh,
                    message_en: e.message_en,
                });
            }
        }
        Ok::<(), StoreError>(())
    })?;
    let summary = if accept {
        imports::accept(store, CLI_ACTOR, staged.summary.id)?
    } else {
        staged.summary
    };
    Ok(ImportReport {
        import_id: summary.id,
        order_id,
        rows_read: summary.rows_read,
        rows_valid: summary.rows_valid,
        rows_invalid: summary.rows_invalid,
        rows_duplicate: summary.rows_duplicate,
        rows_skipped: staged.rows_skipped,
        guessed_columns: staged
            .info
            .columns
            .iter()
            .filter(|c| c.matched_by.as_deref() == Some("guess"))
            .filter_map(|c| {
                Some(GuessedColumn {
                    header: c.header.clone(),
                    field: c.field.clone()?,
                })
            })
            .collect(),
        ignored_columns: staged.info.ignored,
        already_imported: staged.previous_import.is_some(),
        errors,
        accepted: summary.state == "accepted",
        lines_added: summary.lines_added,
        seconds: staged.seconds,
    })
}

/// `buyer changed, 1 line added, 2 lines updated; queued for the platform`.
fn describe(o: &orders::SaveOutcome, state: OrderState) -> String {
    let lines = |n: usize, what: &str| match n {
        0 => None,
        1 => Some(format!("1 line {what}")),
        n => Some(format!("{n} lines {what}")),
    };
    let parts: Vec<String> = [
        o.buyer_changed.then(|| "buyer changed".to_string()),
        lines(o.lines_added, "added"),
        lines(o.lines_updated, "updated"),
        lines(o.lines_removed, "removed"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        return "nothing changed".into();
    }
    let queued =
        state == OrderState::Confirmed && o.lines_added + o.lines_updated + o.lines_removed > 0;
    format!(
        "{}{}",
        parts.join(", "),
        if queued {
            "; queued for the platform"
        } else {
            ""
        }
    )
}

/// Who the audit log names for changes made from the command line.
const CLI_ACTOR: &str = "cli";

fn is_platform_command(c: &Command) -> bool {
    matches!(
        c,
        Command::Platform { .. }
            | Command::Captcha { .. }
            | Command::Login { .. }
            | Command::Unlock
            | Command::Logout { .. }
            | Command::Sync { .. }
            | Command::Status { .. }
    )
}

/// The line edits of `orders edit`, checked before anything is opened. `--set-line` takes two
/// values of different kinds, so clap hands them over as text: a bad one is a usage error
/// like any other clap finds (exit code 2).
fn line_edits(cli: &Cli) -> edit::LineEdits {
    let Command::Orders {
        command:
            OrdersCommand::Edit {
                add_lines,
                set_lines,
                remove_lines,
                ..
            },
    } = &cli.command
    else {
        return edit::LineEdits::default();
    };
    let edits = edit::parse_set_lines(set_lines).and_then(|set| {
        let edits = edit::LineEdits {
            add: add_lines.clone(),
            set,
            remove: remove_lines.clone(),
        };
        edits.check().map(|()| edits)
    });
    edits.unwrap_or_else(|message| {
        let mut cmd = Cli::command();
        cmd.build();
        let edit = cmd
            .find_subcommand_mut("orders")
            .and_then(|c| c.find_subcommand_mut("edit"))
            .expect("orders edit exists");
        edit.error(
            clap::error::ErrorKind::ValueValidation,
            format!("invalid value for '--set-line <POSITION> <FIELD=VALUE,...>': {message}"),
        )
        .exit()
    })
}

/// `xinbao doctor` on a profile whose key is missing: what can be said without opening it.
fn doctor_without_key(path: &std::path::Path, error: &StoreError, json: bool) {
    let report = xinbao_store::doctor::key_missing(path, error);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("serialisable")
        );
    } else {
        println!("database:   {}", report.path);
        println!(
            "encryption: {}, key NOT in the keyring (key-id file {})",
            if report.encrypted { "on" } else { "?" },
            if report.key_id_file {
                "present"
            } else {
                "missing"
            }
        );
    }
}

fn run(cli: Cli, edits: edit::LineEdits) -> Result<(), CliError> {
    if let Command::Template { out } = &cli.command {
        xinbao_import::template::write(out)?;
        println!("{}", out.display());
        return Ok(());
    }
    let data_dir = cli.data_dir.unwrap_or_else(paths::default_data_dir);
    let vault = xinbao_sync::OsKeyring::database_keys(paths::APP_IDENTIFIER);
    let mut store = match Store::open_profile(&data_dir, &cli.profile, &vault) {
        Ok(store) => store,
        Err(e @ (StoreError::KeyMissing { .. } | StoreError::KeyWrong { .. })) => {
            if let Command::Doctor { json } = cli.command {
                doctor_without_key(&paths::profile_db_path(&data_dir, &cli.profile)?, &e, json);
                return Err(CliError::Reported(e));
            }
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    if is_platform_command(&cli.command) {
        return platform::run(store, &cli.profile, cli.command);
    }
    match cli.command {
        Command::Template { .. } => unreachable!("handled above"),
        Command::Doctor { json } => {
            let report = xinbao_store::doctor::examine(&store)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("serialisable")
                );
            } else {
                println!("database:   {}", report.path);
                println!(
                    "encryption: {} (SQLCipher {}), key in the keyring",
                    if report.encrypted { "on" } else { "OFF" },
                    report.cipher_version
                );
                println!("integrity:  {}", report.integrity.join("; "));
                println!(
                    "foreign keys: {} violation(s)",
                    report.foreign_key_violations
                );
                println!(
                    "schema:     {} (this version knows {})",
                    report.schema_version, report.supported_schema_version
                );
                println!(
                    "size:       {} bytes (+ {} in the write-ahead log), mode {}",
                    report.database_bytes,
                    report.wal_bytes,
                    report.file_mode.as_deref().unwrap_or("?")
                );
                println!(
                    "orders:     {} draft, {} confirmed, {} declared, {} lines",
                    report.orders.draft,
                    report.orders.confirmed,
                    report.orders.declared,
                    report.orders.lines
                );
                println!(
                    "queue:      {} waiting (oldest {}), {} refused, {} acknowledged ({} not yet redacted)",
                    report.queue.pending,
                    report.queue.oldest_pending_at.as_deref().unwrap_or("-"),
                    report.queue.rejected,
                    report.queue.acknowledged,
                    report.queue.unredacted
                );
            }
            if !report.healthy() {
                return Err(CliError::Unhealthy);
            }
        }
        Command::Import {
            file,
            order,
            new_order: _,
            accept,
            sheet,
            max_rows,
            json,
        } => {
            let mapping = imports::remembered_mapping(&store)?;
            let options = ImportOptions {
                sheet,
                max_rows,
                mapping,
                ..Default::default()
            };
            let report = import(&mut store, &file, order, accept, options)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("serialisable")
                );
            } else {
                println!(
                    "import {} into order {}: {} rows read, {} valid, {} with problems, {} duplicates ({:.2} s)",
                    report.import_id, report.order_id, report.rows_read, report.rows_valid, report.rows_invalid,
                    report.rows_duplicate, report.seconds
                );
                for g in &report.guessed_columns {
                    println!(
                        "note: column '{}' was taken as {} from its similar name: check it",
                        g.header, g.field
                    );
                }
                if report.already_imported {
                    println!("note: the same file was imported into this order before");
                }
                for e in &report.errors {
                    println!(
                        "  row {} {}: {} [{}]",
                        e.row, e.column, e.message_en, e.code
                    );
                }
                match report.lines_added {
                    Some(n) => println!("accepted: {n} lines added to order {}", report.order_id),
                    None => println!("staged; accept it in the app or with --accept"),
                }
            }
        }
        Command::Export { what } => {
            let quiet = xinbao_import::export::Job::quiet();
            let (n, out) = match what {
                ExportCommand::Orders { out } => (
                    xinbao_import::export::orders(&store, &ListQuery::default(), &out, &quiet)?,
                    out,
                ),
                ExportCommand::Order { id, out } => {
                    (xinbao_import::export::order(&store, id, &out, &quiet)?, out)
                }
                ExportCommand::Errors { import_id, out } => (
                    xinbao_import::export::error_rows(&store, import_id, &out, &quiet)?,
                    out,
                ),
            };
            println!("{n} rows written to {}", out.display());
        }
        Command::Platform { .. }
        | Command::Captcha { .. }
        | Command::Login { .. }
        | Command::Unlock
        | Command::Logout { .. }
        | Command::Sync { .. }
        | Command::Status { .. } => unreachable!("handled by platform::run"),
        Command::Orders { command } => match command {
            OrdersCommand::List {
                json,
                state,
                sync_state,
                country,
                search,
                limit,
                offset,
            } => {
                let page = orders::list(
                    &store,
                    &ListQuery {
                        state,
                        sync_state,
                        country,
                        search,
                        limit: Some(limit),
                        offset: Some(offset),
                        ..Default::default()
                    },
                )?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&page).expect("serialisable")
                    );
                } else {
                    println!(
                        "{:>6}  {:<10} {:<8} {:<24} {:<12} {:>16}  {:>5}",
                        "ID", "STATE", "SYNC", "BUYER", "PASSPORT", "TOTAL USD", "LINES"
                    );
                    for o in &page.orders {
                        println!(
                            "{:>6}  {:<10} {:<8} {:<24} {:<12} {:>16}  {:>5}",
                            o.id,
                            o.state.as_str(),
                            o.sync_state.as_str(),
                            o.buyer_name.as_deref().unwrap_or("-"),
                            o.passport_masked.as_deref().unwrap_or("-"),
                            o.total_cents
                                .map(|c| Cents(c).to_string())
                                .unwrap_or_else(|| "-".into()),
                            o.line_count,
                        );
                    }
                    println!("{} order(s)", page.total);
                }
            }
            OrdersCommand::Link {
                line,
                merchant_order,
            } => {
                let added =
                    xinbao_store::links::link(&mut store, CLI_ACTOR, line, &merchant_order)?;
                println!(
                    "line {line} {} merchant order {merchant_order}",
                    if added {
                        "linked to"
                    } else {
                        "was already linked to"
                    }
                );
            }
            OrdersCommand::Unlink {
                line,
                merchant_order,
            } => {
                let removed =
                    xinbao_store::links::unlink(&mut store, CLI_ACTOR, line, &merchant_order)?;
                println!(
                    "line {line} {} merchant order {merchant_order}",
                    if removed {
                        "unlinked from"
                    } else {
                        "was not linked to"
                    }
                );
            }
            OrdersCommand::New { buyer, lines, json } => {
                let id =
                    orders::create_draft(&mut store, CLI_ACTOR, &edit::new_form(&buyer, &lines))?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&serde_json::json!({ "id": id }))
                            .expect("serialisable")
                    );
                } else {
                    println!("{id}");
                }
            }
            OrdersCommand::Edit {
                id, buyer, json, ..
            } => {
                let order = orders::get(&store, id)?;
                let mut form = edit::form_of(&order);
                edits
                    .apply(&buyer, &mut form)
                    .map_err(|e| CliError::NoLine {
                        order: id,
                        position: e.position,
                        lines: e.lines,
                    })?;
                let outcome = orders::save(&mut store, CLI_ACTOR, id, &form)?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&outcome).expect("serialisable")
                    );
                } else {
                    println!("order {id} saved: {}", describe(&outcome, order.state));
                }
            }
            OrdersCommand::Confirm { id } => {
                orders::confirm(&mut store, CLI_ACTOR, id)?;
                println!("order {id} confirmed; queued for the platform");
            }
            OrdersCommand::Customs { id, number } => {
                let no = orders::attach_customs_no(&mut store, CLI_ACTOR, id, &number)?;
                println!("order {id} declared with customs number {no}; queued for the platform");
            }
            OrdersCommand::Reveal { id } => {
                let passport = xinbao_store::reveal::order_passport(&mut store, CLI_ACTOR, id)?;
                println!("{}", passport.unwrap_or_default());
            }
            OrdersCommand::Reopen { id } => {
                xinbao_store::order_book::reopen(&mut store, CLI_ACTOR, id)?;
                println!("order {id} is a draft again: fix it and confirm it again");
            }
            OrdersCommand::Show { id, json } => {
                let order = orders::get(&store, id)?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&order).expect("serialisable")
                    );
                } else {
                    println!(
                        "order {} ({}), {}",
                        order.id,
                        order.uuid,
                        order.state.as_str()
                    );
                    println!("  buyer     {}", order.buyer_name.as_deref().unwrap_or("-"));
                    println!(
                        "  passport  {}",
                        order
                            .passport_no
                            .as_deref()
                            .map(xinbao_domain::mask::passport)
                            .unwrap_or_else(|| "-".into())
                    );
                    println!("  country   {}", order.country.as_deref().unwrap_or("-"));
                    println!(
                        "  total     {} USD",
                        order
                            .total_cents
                            .map(|c| Cents(c).to_string())
                            .unwrap_or_else(|| "-".into())
                    );
                    if let Some(c) = &order.customs_no {
                        println!("  customs   {c}");
                    }
                    for l in &order.lines {
                        println!(
                            "  line {}: {} {} {} x{} ({} pkgs) {} USD, links: {}",
                            l.position + 1,
                            l.line.merchant_name.as_deref().unwrap_or("-"),
                            l.line.order_month.as_deref().unwrap_or("-"),
                            l.line.product_name.as_deref().unwrap_or("-"),
                            l.line.quantity.unwrap_or_default(),
                            l.line.packages.unwrap_or_default(),
                            l.line
                                .amount_cents
                                .map(|c| c.to_string())
                                .unwrap_or_else(|| "-".into()),
                            l.merchant_order_ids.join(", "),
                        );
                    }
                }
            }
        },
    }
    Ok(())
}
