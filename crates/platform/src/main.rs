//! `xinbao-platform`: the reference platform server, and its administrator's commands.

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use xinbao_platform::{admin, demo, realname, Config, Platform};

#[derive(Parser)]
#[command(
    name = "xinbao-platform",
    version,
    about = "The reference platform server of Xinbao Desk (HTTPS, own SQLite)."
)]
struct Cli {
    /// Where the database, the TLS files and the development sink live.
    #[arg(long)]
    data_dir: PathBuf,
    /// Address to listen on (port 0: any free port; the chosen one is printed).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Seed the demo registry, company, merchants, merchant orders and authorizations (and
    /// write captcha answers and SMS codes to the development sink).
    #[arg(long)]
    demo: bool,
    /// Write captcha answers and SMS codes to dev-sink.jsonl without the demo data.
    #[arg(long)]
    dev_sink: bool,
    /// Requests a second allowed from one client address.
    #[arg(long, default_value_t = xinbao_platform::limits::PER_ADDRESS_RATE)]
    rate_per_address: f64,
    /// Session lifetime in seconds.
    #[arg(long, default_value_t = 12 * 3600)]
    session_ttl: i64,
    #[command(subcommand)]
    admin: Option<Admin>,
}

#[derive(Subcommand)]
enum Admin {
    /// Administrator's commands on the database (the server may be running).
    #[command(subcommand)]
    Admin(AdminCmd),
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Approve a company's pending real-name verification.
    RealnameApprove {
        #[arg(long)]
        uscc: String,
    },
    /// Reject it, with the reason the company will see.
    RealnameReject {
        #[arg(long)]
        uscc: String,
        #[arg(long)]
        reason: String,
    },
    /// Add a company to the registry registration is checked against.
    AddRegistry {
        #[arg(long)]
        uscc: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        legal_rep: String,
        #[arg(long)]
        legal_rep_id: String,
    },
    /// Add or update a merchant of the directory.
    AddMerchant {
        #[arg(long)]
        procurement_no: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        mobile: String,
    },
    /// A merchant order sent by a merchant to a company.
    AddMerchantOrder {
        #[arg(long)]
        company: String,
        #[arg(long)]
        merchant: String,
        #[arg(long)]
        month: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        buyer: Option<String>,
        #[arg(long)]
        product: Option<String>,
        #[arg(long)]
        quantity: Option<i64>,
        #[arg(long)]
        packages: Option<i64>,
    },
    /// Many merchant orders sent to one company at once, from a CSV file whose header row
    /// names its columns: procurement_no, month, amount (required), id, buyer_name,
    /// product_name, quantity, packages. All of them or, on the first bad row, none.
    AddMerchantOrders {
        #[arg(long)]
        company: String,
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Lock a settlement amount of a merchant order for a company.
    AddAuthorization {
        #[arg(long)]
        company: String,
        #[arg(long)]
        merchant_order: String,
        #[arg(long)]
        amount: String,
    },
    /// Publish a release of the desktop app to the update feed: its package and the
    /// minisign signature the bundler wrote beside it (`.sig`).
    PublishRelease {
        #[arg(long)]
        target: String,
        #[arg(long)]
        arch: String,
        #[arg(long)]
        version: String,
        #[arg(long)]
        package: std::path::PathBuf,
        #[arg(long)]
        signature: std::path::PathBuf,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Print the last code the development sink holds for a captcha id or a mobile.
    SinkCode {
        #[arg(long)]
        kind: String,
        #[arg(long)]
        to: String,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("XINBAO_PLATFORM_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.admin {
        Some(Admin::Admin(cmd)) => run_admin(&cli.data_dir, cmd),
        None => serve(Config {
            data_dir: cli.data_dir,
            listen: cli.listen,
            demo: cli.demo,
            session_ttl_s: cli.session_ttl,
            dev_sink: cli.demo || cli.dev_sink,
            rate_per_address: cli.rate_per_address,
        }),
    }
}

fn serve(config: Config) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("xinbao-platform: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        let demo = config.demo;
        match xinbao_platform::start(config).await {
            Ok(running) => {
                // One line a supervisor (or a test) can parse, then the details.
                println!("listening on https://{}", running.addr);
                println!("trust this CA: {}", running.ca_path.display());
                if demo {
                    println!(
                        "demo account: {} (or {}), password {}",
                        demo::COMPANY_USCC,
                        demo::MOBILE,
                        demo::PASSWORD
                    );
                }
                use std::io::Write;
                let _ = std::io::stdout().flush();
                let _ = tokio::signal::ctrl_c().await;
                running
                    .handle
                    .graceful_shutdown(Some(std::time::Duration::from_secs(5)));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("xinbao-platform: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

fn run_admin(data_dir: &std::path::Path, cmd: AdminCmd) -> ExitCode {
    let platform = match Platform::open(data_dir, 0) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("xinbao-platform: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut conn = platform.connection();
    let result: Result<String, xinbao_platform::ApiErr> = match cmd {
        AdminCmd::RealnameApprove { uscc } => {
            realname::decide(&mut conn, &uscc, true, None).map(|s| format!("{:?}", s.status))
        }
        AdminCmd::RealnameReject { uscc, reason } => {
            realname::decide(&mut conn, &uscc, false, Some(&reason))
                .map(|s| format!("{:?}", s.status))
        }
        AdminCmd::AddRegistry {
            uscc,
            name,
            legal_rep,
            legal_rep_id,
        } => admin::add_registry(&conn, &uscc, &name, &legal_rep, &legal_rep_id)
            .map(|_| "added".into()),
        AdminCmd::AddMerchant {
            procurement_no,
            name,
            mobile,
        } => {
            admin::add_merchant(&mut conn, &procurement_no, &name, &mobile).map(|_| "added".into())
        }
        AdminCmd::AddMerchantOrder {
            company,
            merchant,
            month,
            amount,
            id,
            buyer,
            product,
            quantity,
            packages,
        } => admin::add_merchant_order(
            &mut conn,
            &admin::NewMerchantOrder {
                id: id.as_deref(),
                company_uscc: &company,
                procurement_no: &merchant,
                month: &month,
                amount: &amount,
                buyer_name: buyer.as_deref(),
                product_name: product.as_deref(),
                quantity,
                packages,
            },
        ),
        AdminCmd::AddMerchantOrders { company, file } => {
            // Every error names the file (and the row and column, as the admin module says).
            let name = file.display().to_string();
            std::fs::File::open(&file)
                .map_err(|e| {
                    xinbao_platform::ApiErr::unprocessable(
                        "merchant_orders.file",
                        format!("cannot read it: {e}"),
                    )
                })
                .and_then(|f| {
                    admin::add_merchant_orders(&mut conn, &company, std::io::BufReader::new(f))
                })
                .map(|n| format!("{n} merchant orders added"))
                .map_err(|mut e| {
                    e.body.message = format!("{name}: {}", e.body.message);
                    e
                })
        }
        AdminCmd::AddAuthorization {
            company,
            merchant_order,
            amount,
        } => admin::add_authorization(&mut conn, &company, &merchant_order, &amount),
        AdminCmd::PublishRelease {
            target,
            arch,
            version,
            package,
            signature,
            notes,
        } => {
            let read = |p: &std::path::Path| {
                std::fs::read(p).map_err(|e| {
                    xinbao_platform::ApiErr::unprocessable(
                        "update.package",
                        format!("{}: {e}", p.display()),
                    )
                })
            };
            read(&package).and_then(|bytes| {
                let sig = String::from_utf8_lossy(&read(&signature)?).into_owned();
                xinbao_platform::updates::publish(
                    &mut conn, &target, &arch, &version, &notes, &sig, &bytes,
                )
                .map(|id| format!("release {version} for {target}/{arch} published as {id}"))
            })
        }
        AdminCmd::SinkCode { kind, to } => {
            xinbao_platform::sink::last_code(&data_dir.join("dev-sink.jsonl"), &kind, &to)
                .ok_or_else(|| {
                    xinbao_platform::ApiErr::new(
                        axum::http::StatusCode::NOT_FOUND,
                        "sink.none",
                        "nothing delivered",
                    )
                })
        }
    };
    match result {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("xinbao-platform: {}: {}", e.body.code, e.body.message);
            ExitCode::FAILURE
        }
    }
}
