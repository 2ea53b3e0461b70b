//! `xinbao`: the command-line face of Xinbao Desk. It opens the same profile database as
//! the app, through the same crates, so anything the app stores can be read here.

use clap::{Parser, Subcommand};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use xinbao_domain::{Cents, OrderState};
use xinbao_store::orders::{self, ListQuery};
use xinbao_store::{paths, Store, StoreError};

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
    /// Export orders (信保订单).
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
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
}

fn parse_state(s: &str) -> Result<OrderState, String> {
    OrderState::parse(s).ok_or_else(|| format!("'{s}' is not a state (draft, confirmed, declared)"))
}

/// An error as the CLI prints it with --json: the same stable code the app's UI gets.
#[derive(Serialize)]
struct JsonError<'a> {
    code: &'a str,
    message: String,
    fields: &'a [xinbao_domain::FieldError],
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = matches!(
        &cli.command,
        Command::Orders {
            command: OrdersCommand::List { json: true, .. }
                | OrdersCommand::Show { json: true, .. }
        }
    );
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json {
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

fn run(cli: Cli) -> Result<(), StoreError> {
    let data_dir = cli.data_dir.unwrap_or_else(paths::default_data_dir);
    let store = Store::open_profile(&data_dir, &cli.profile)?;
    match cli.command {
        Command::Orders { command } => match command {
            OrdersCommand::List {
                json,
                state,
                limit,
                offset,
            } => {
                let page = orders::list(
                    &store,
                    &ListQuery {
                        state,
                        limit: Some(limit),
                        offset: Some(offset),
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
                            o.sync_state,
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
