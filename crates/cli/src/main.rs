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

mod customs;
mod edit;
mod matching;
mod platform;
mod progress;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What `xinbao --help` ends with: the exit codes scripts branch on.
const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  done
  1  failed (the database, a file, something not found)
  2  usage: an unknown command, option or value
  3  invalid input: a field, a value or a spreadsheet the rules refuse
  4  refused by the order's rules (its state, a frozen field, a customs number taken)
  5  authentication: log in again, a wrong password, the keyring
  6  network: the platform cannot be reached or failed; try again later
  7  the platform refused the request

With --json, stdout holds one JSON document: the answer, or {code, message, fields}.";

#[derive(Parser)]
#[command(
    name = "xinbao",
    version,
    about = "Xinbao Desk (信保订单登记) from the command line",
    after_help = EXIT_CODES_HELP
)]
struct Cli {
    /// Data directory (default: the OS app-data directory).
    #[arg(long, global = true, value_name = "DIR", env = "XINBAO_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Answer in JSON on stdout (errors too: {code, message, fields}).
    #[arg(long, global = true)]
    json: bool,
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
    /// Put back the plain copy kept from before the profile's encryption, when the encrypted
    /// file's key cannot be read (store.key_lost_copy_kept); the unreadable file is kept aside.
    RestoreCopy,
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
    Sync,
    /// Pending operations, last sync, rejections.
    Status,
    /// The profile database's health: integrity, schema version, the queue, sizes, the
    /// file's permissions. Exits 1 when something is wrong.
    Doctor,
    /// Shell completions on stdout: `xinbao completions bash > /etc/bash_completion.d/xinbao`.
    Completions { shell: clap_complete::Shell },
    /// The manual page (roff) on stdout: `xinbao man > xinbao.1`.
    Man,
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
        /// Only orders in this state.
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        /// Only orders in this sync state.
        #[arg(long, value_enum)]
        sync_state: Option<SyncStateArg>,
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
    Show { id: i64 },
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
    },
    /// 关联商户订单: link a line to a merchant order sent to this company (cached by sync).
    Link {
        #[arg(long)]
        line: i64,
        #[arg(long)]
        merchant_order: String,
    },
    /// 自动匹配: proposes links from the order's unlinked lines to the cached merchant
    /// orders of the same merchant and month, counted by class (exact, ambiguous,
    /// suggestion, none with why). Changes nothing without --apply.
    Match {
        id: i64,
        /// 全部关联: link the unique exact proposals, as one run (undone with `unmatch`).
        #[arg(long)]
        apply: bool,
    },
    /// 撤销本次匹配: removes the links of one run (of `match --apply` or `link-group`)
    /// and nothing else.
    Unmatch {
        id: i64,
        #[arg(long)]
        run: i64,
    },
    /// 关联商户订单 for a merchant-month group: every line of the group to every merchant
    /// order given, in one run. The group is --merchant (procurement number, else mobile)
    /// with --month, or the lines given by id.
    #[command(group(clap::ArgGroup::new("group").required(true).args(["lines", "merchant"])))]
    LinkGroup {
        id: i64,
        /// A line by id (repeatable).
        #[arg(long = "line", conflicts_with_all = ["merchant", "month"])]
        lines: Vec<i64>,
        /// The group's merchant: its procurement number, else its mobile.
        #[arg(long, requires = "month")]
        merchant: Option<String>,
        /// The group's month, e.g. 2026-10 or 2026年10月.
        #[arg(long, requires = "merchant")]
        month: Option<String>,
        /// A merchant order to link (repeatable).
        #[arg(long = "merchant-order", required = true)]
        merchant_orders: Vec<String>,
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
    /// With --file, 批量补录报关单号: every row of the broker's file (订单编号 + 报关单号, or
    /// buyer + passport + total) judged, then the good rows declared in one transaction;
    /// exit code 3 when any row was rejected (the answer lists each with why).
    Customs {
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        id: Option<i64>,
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        number: Option<String>,
        /// The broker's file (.xlsx, .xls, .ods, .csv; `orders customs-template` writes one).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Judge every row and change nothing.
        #[arg(long, requires = "file")]
        dry_run: bool,
        /// Write the rejected rows, with why, to this .xlsx.
        #[arg(long, requires = "file")]
        rejected: Option<PathBuf>,
    },
    /// The template of the customs file (批量补录报关单号) to OUT.xlsx.
    CustomsTemplate { out: PathBuf },
    /// 重新打开: an order whose confirmation the platform refused (and does not hold) goes
    /// back to a draft, to be fixed and confirmed again.
    Reopen { id: i64 },
    /// 显示: the order's whole passport number (lists and `show` mask it); the look is
    /// written to the order's audit log.
    Reveal { id: i64 },
}

/// An order's state, as `--state` takes it.
#[derive(Clone, Copy, clap::ValueEnum)]
enum StateArg {
    Draft,
    Confirmed,
    Declared,
}

impl From<StateArg> for OrderState {
    fn from(s: StateArg) -> OrderState {
        match s {
            StateArg::Draft => OrderState::Draft,
            StateArg::Confirmed => OrderState::Confirmed,
            StateArg::Declared => OrderState::Declared,
        }
    }
}

/// An order's sync state, as `--sync-state` takes it.
#[derive(Clone, Copy, clap::ValueEnum)]
enum SyncStateArg {
    Local,
    Pending,
    Synced,
    Rejected,
}

impl From<SyncStateArg> for SyncState {
    fn from(s: SyncStateArg) -> SyncState {
        match s {
            SyncStateArg::Local => SyncState::Local,
            SyncStateArg::Pending => SyncState::Pending,
            SyncStateArg::Synced => SyncState::Synced,
            SyncStateArg::Rejected => SyncState::Rejected,
        }
    }
}

/// `text` in a column `width` terminal cells wide: Chinese characters take two cells, so
/// names like 义乌市小商品经营部 keep the columns after them in line. Longer text is cut
/// with an ellipsis.
fn column(text: &str, width: usize, right: bool) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut shown = String::new();
    let mut used = 0;
    let full = unicode_width::UnicodeWidthStr::width(text);
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if full > width && used + w > width - 1 {
            shown.push('…');
            used += 1;
            break;
        }
        shown.push(c);
        used += w;
    }
    let pad = " ".repeat(width.saturating_sub(used));
    if right {
        format!("{pad}{shown}")
    } else {
        format!("{shown}{pad}")
    }
}

/// Where a command's answer goes: one JSON document with --json, else lines of text.
#[derive(Clone, Copy)]
pub(crate) struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `value` as JSON, or the text `words` makes.
    pub fn answer(&self, value: &impl Serialize, words: impl FnOnce() -> String) {
        self.show(value, || println!("{}", words()));
    }

    /// Prints `value` as JSON, or lets `text` print it as lines of text.
    pub fn show(&self, value: &impl Serialize, text: impl FnOnce()) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).expect("serialisable")
            );
        } else {
            text();
        }
    }
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
    let json = cli.json;
    match run(cli, edits) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A doctor's report on stdout is the whole answer: one JSON document.
            if json
                && !matches!(
                    e,
                    CliError::Unhealthy | CliError::Reported(_) | CliError::RowsRejected { .. }
                )
            {
                let err = JsonError {
                    code: e.code(),
                    message: e.to_string(),
                    fields: e.field_errors(),
                };
                println!("{}", serde_json::to_string(&err).expect("serialisable"));
            }
            eprintln!("xinbao: {e} [{}]", e.code());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Any failure of a command: the store's or the importer's, each with its stable code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
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
    /// Rows of a customs file were rejected; the answer (already printed) says why.
    #[error("{rejected} of {rows} row(s) were rejected (see each row's reason)")]
    RowsRejected { rejected: usize, rows: usize },
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
            CliError::RowsRejected { .. } => "customs_bulk.rows_rejected".into(),
        }
    }

    /// The exit code of the failure's kind (see [`EXIT_CODES_HELP`]).
    fn exit_code(&self) -> u8 {
        use xinbao_sync::SyncError as S;
        const FAILED: u8 = 1;
        const INVALID: u8 = 3;
        const REFUSED: u8 = 4;
        const AUTH: u8 = 5;
        const NETWORK: u8 = 6;
        const PLATFORM: u8 = 7;
        let store = |e: &StoreError| match e {
            StoreError::Invalid(_) => INVALID,
            StoreError::State(_)
            | StoreError::ConfirmBlocked(_)
            | StoreError::CustomsNoTaken { .. }
            | StoreError::Refused { .. }
            | StoreError::NotReopenable(_)
            | StoreError::LinkOtherMerchant { .. }
            | StoreError::MerchantOrderTaken { .. }
            | StoreError::RunUndone(_)
            | StoreError::ImportDecided(_)
            | StoreError::NoPlainCopy { .. } => REFUSED,
            StoreError::KeyMissing { .. }
            | StoreError::KeyWrong { .. }
            | StoreError::KeyLostCopyKept { .. }
            | StoreError::KeyVault(_)
            | StoreError::SealedProfile { .. }
            | StoreError::SealedOtherPassword
            | StoreError::SealedDamaged { .. } => AUTH,
            _ => FAILED,
        };
        match self {
            CliError::Store(e)
            | CliError::Import(ImportError::Store(e))
            | CliError::Sync(S::Store(e)) => store(e),
            CliError::Import(ImportError::Io { .. } | ImportError::Write { .. }) => FAILED,
            CliError::Import(ImportError::Cancelled | ImportError::ExportCancelled) => FAILED,
            CliError::Import(_) => INVALID,
            CliError::Sync(S::Network(_) | S::Server { .. }) => NETWORK,
            CliError::Sync(
                S::AuthRequired(_)
                | S::Keyring(_)
                | S::OfflineWrongPassword { .. }
                | S::OfflineLocked { .. }
                | S::OfflineUnavailable
                | S::OtherCompany { .. },
            ) => AUTH,
            CliError::Sync(S::Api { error, .. }) if error.code.starts_with("auth.") => AUTH,
            CliError::Sync(S::Api { .. }) => PLATFORM,
            CliError::Sync(S::Config(_) | S::Contract(_)) => FAILED,
            CliError::NoLine { .. } => 2,
            CliError::RowsRejected { .. } => INVALID,
            CliError::Stdin(_)
            | CliError::Write { .. }
            | CliError::Unhealthy
            | CliError::Reported(_) => FAILED,
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
            | CliError::Reported(_)
            | CliError::RowsRejected { .. } => &[],
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
    let reading = progress::bar("reading");
    let staged = xinbao_import::stage(
        store,
        file,
        order_id,
        &options,
        &|p| progress::tell(&reading, p.rows_done, p.estimated_total),
        &AtomicBool::new(false),
    );
    reading.finish_and_clear();
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
        let adding = progress::bar("accepting");
        let summary = imports::accept_with(
            store,
            CLI_ACTOR,
            staged.summary.id,
            &|p| progress::tell(&adding, p.done as u64, Some(p.total as u64)),
            &AtomicBool::new(false),
        )?;
        adding.finish_and_clear();
        imports::clear_decided(store)?;
        summary
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
            | Command::Sync
            | Command::Status
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
fn doctor_without_key(path: &std::path::Path, error: &StoreError, output: Output) {
    let report = xinbao_store::doctor::key_missing(path, error);
    output.show(&report, || {
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
        if let Some(copy) = &report.plain_copy {
            println!(
                "plain copy from before the encryption: {copy} (xinbao restore-copy puts it back)"
            );
        }
    });
}

fn run(cli: Cli, edits: edit::LineEdits) -> Result<(), CliError> {
    let output = Output { json: cli.json };
    match &cli.command {
        Command::Template { out } => {
            xinbao_import::template::write(out)?;
            output.answer(&serde_json::json!({ "path": out }), || {
                out.display().to_string()
            });
            return Ok(());
        }
        Command::Completions { shell } => {
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "xinbao",
                &mut std::io::stdout(),
            );
            return Ok(());
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|source| CliError::Write {
                    path: "stdout".into(),
                    source,
                })?;
            return Ok(());
        }
        _ => {}
    }
    let data_dir = cli.data_dir.unwrap_or_else(paths::default_data_dir);
    if let Command::RestoreCopy = cli.command {
        let aside = xinbao_store::restore_plain_copy(&data_dir, &cli.profile)?;
        output.answer(&serde_json::json!({ "unreadable_kept_in": aside }), || {
            format!(
                "the plain copy is back; the unreadable encrypted file is kept in {}",
                aside.display()
            )
        });
        return Ok(());
    }
    let vault = xinbao_sync::OsKeyring::database_keys(paths::APP_IDENTIFIER);
    let mut store = match Store::open_profile(&data_dir, &cli.profile, &vault) {
        Ok(store) => store,
        Err(
            e @ (StoreError::KeyMissing { .. }
            | StoreError::KeyWrong { .. }
            | StoreError::KeyLostCopyKept { .. }),
        ) => {
            if let Command::Doctor = cli.command {
                doctor_without_key(
                    &paths::profile_db_path(&data_dir, &cli.profile)?,
                    &e,
                    output,
                );
                return Err(CliError::Reported(e));
            }
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    };
    if is_platform_command(&cli.command) {
        return platform::run(store, &cli.profile, cli.command, output);
    }
    match cli.command {
        Command::Template { .. }
        | Command::Completions { .. }
        | Command::Man
        | Command::RestoreCopy => {
            unreachable!("handled above")
        }
        Command::Doctor => {
            let report = xinbao_store::doctor::examine(&store)?;
            output.show(&report, || {
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
            });
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
        } => {
            let mapping = imports::remembered_mapping(&store)?;
            let options = ImportOptions {
                sheet,
                max_rows,
                mapping,
                ..Default::default()
            };
            let report = import(&mut store, &file, order, accept, options)?;
            output.show(&report, || {
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
            });
        }
        Command::Export { what } => {
            let writing = progress::bar("exporting");
            let tell = |rows: u64| progress::tell(&writing, rows, None);
            let never = AtomicBool::new(false);
            let quiet = xinbao_import::export::Job {
                progress: &tell,
                cancel: &never,
            };
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
            writing.finish_and_clear();
            output.answer(&serde_json::json!({ "rows": n, "path": out }), || {
                format!("{n} rows written to {}", out.display())
            });
        }
        Command::Platform { .. }
        | Command::Captcha { .. }
        | Command::Login { .. }
        | Command::Unlock
        | Command::Logout { .. }
        | Command::Sync
        | Command::Status => unreachable!("handled by platform::run"),
        Command::Orders { command } => match command {
            OrdersCommand::List {
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
                        state: state.map(Into::into),
                        sync_state: sync_state.map(Into::into),
                        country,
                        search,
                        limit: Some(limit),
                        offset: Some(offset),
                        ..Default::default()
                    },
                )?;
                output.show(&page, || {
                    let row = |cells: [&str; 7]| {
                        let widths = [6, 10, 8, 24, 12, 16, 5];
                        let right = [true, false, false, false, false, true, true];
                        let cells: Vec<String> = (0..7)
                            .map(|i| column(cells[i], widths[i], right[i]))
                            .collect();
                        println!("{}", cells.join(" ").trim_end());
                    };
                    row([
                        "ID",
                        "STATE",
                        "SYNC",
                        "BUYER",
                        "PASSPORT",
                        "TOTAL USD",
                        "LINES",
                    ]);
                    for o in &page.orders {
                        let total = o
                            .total_cents
                            .map(|c| Cents(c).to_string())
                            .unwrap_or_else(|| "-".into());
                        row([
                            &o.id.to_string(),
                            o.state.as_str(),
                            o.sync_state.as_str(),
                            o.buyer_name.as_deref().unwrap_or("-"),
                            o.passport_masked.as_deref().unwrap_or("-"),
                            &total,
                            &o.line_count.to_string(),
                        ]);
                    }
                    println!("{} order(s)", page.total);
                });
            }
            OrdersCommand::Link {
                line,
                merchant_order,
            } => {
                let added =
                    xinbao_store::links::link(&mut store, CLI_ACTOR, line, &merchant_order)?;
                output.answer(
                    &serde_json::json!({ "line": line, "merchant_order": merchant_order, "changed": added }),
                    || {
                        format!(
                            "line {line} {} merchant order {merchant_order}",
                            if added { "linked to" } else { "was already linked to" }
                        )
                    },
                );
            }
            OrdersCommand::Match { id, apply } => {
                matching::run_match(&mut store, output, id, apply)?
            }
            OrdersCommand::Unmatch { id, run } => {
                matching::run_unmatch(&mut store, output, id, run)?
            }
            OrdersCommand::LinkGroup {
                id,
                lines,
                merchant,
                month,
                merchant_orders,
            } => matching::run_link_group(
                &mut store,
                output,
                id,
                lines,
                merchant.zip(month),
                &merchant_orders,
            )?,
            OrdersCommand::Unlink {
                line,
                merchant_order,
            } => {
                let removed =
                    xinbao_store::links::unlink(&mut store, CLI_ACTOR, line, &merchant_order)?;
                output.answer(
                    &serde_json::json!({ "line": line, "merchant_order": merchant_order, "changed": removed }),
                    || {
                        format!(
                            "line {line} {} merchant order {merchant_order}",
                            if removed { "unlinked from" } else { "was not linked to" }
                        )
                    },
                );
            }
            OrdersCommand::New { buyer, lines } => {
                let id =
                    orders::create_draft(&mut store, CLI_ACTOR, &edit::new_form(&buyer, &lines))?;
                output.answer(&serde_json::json!({ "id": id }), || id.to_string());
            }
            OrdersCommand::Edit { id, buyer, .. } => {
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
                output.show(&outcome, || {
                    println!("order {id} saved: {}", describe(&outcome, order.state));
                });
            }
            OrdersCommand::Confirm { id } => {
                orders::confirm(&mut store, CLI_ACTOR, id)?;
                output.answer(
                    &serde_json::json!({ "id": id, "state": "confirmed" }),
                    || format!("order {id} confirmed; queued for the platform"),
                );
            }
            OrdersCommand::Customs {
                file: Some(file),
                dry_run,
                rejected,
                ..
            } => customs::run_file(&mut store, output, &file, dry_run, rejected.as_ref())?,
            OrdersCommand::CustomsTemplate { out } => {
                xinbao_import::customs::write_template(&out)?;
                output.answer(&serde_json::json!({ "path": out }), || {
                    out.display().to_string()
                });
            }
            OrdersCommand::Customs { id, number, .. } => {
                let (Some(id), Some(number)) = (id, number) else {
                    unreachable!("clap requires both without --file")
                };
                let no = orders::attach_customs_no(&mut store, CLI_ACTOR, id, &number)?;
                output.answer(
                    &serde_json::json!({ "id": id, "state": "declared", "customs_no": no }),
                    || {
                        format!(
                            "order {id} declared with customs number {no}; queued for the platform"
                        )
                    },
                );
            }
            OrdersCommand::Reveal { id } => {
                let passport = xinbao_store::reveal::order_passport(&mut store, CLI_ACTOR, id)?;
                output.answer(
                    &serde_json::json!({ "id": id, "passport_no": passport }),
                    || passport.clone().unwrap_or_default(),
                );
            }
            OrdersCommand::Reopen { id } => {
                xinbao_store::order_book::reopen(&mut store, CLI_ACTOR, id)?;
                output.answer(&serde_json::json!({ "id": id, "state": "draft" }), || {
                    format!("order {id} is a draft again: fix it and confirm it again")
                });
            }
            OrdersCommand::Show { id } => {
                let order = orders::get(&store, id)?;
                output.show(&order, || {
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
                });
            }
        },
    }
    Ok(())
}
