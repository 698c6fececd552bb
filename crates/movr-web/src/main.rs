//! `movr`: serve the web app (the default), migrate the database, seed
//! demo data, or create promo codes. Settings come from the environment (see `movr_web::config`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use movr_core::Promotion;
use movr_db::{Dialect, Layout, SurvivalGoal};
use movr_service::{Conflict, MovR, ServiceError};
use movr_web::promo_cli::PromoArgs;
use movr_web::seed::{SeedSize, seed};
use movr_web::server::database;
use movr_web::{Settings, build_state, serve};
use poem::listener::{Listener, TcpListener};

// Page rendering allocates many small strings across worker threads, where
// mimalloc is markedly faster than glibc's allocator and returns memory to
// the system more readily.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// MovR: a multi-region vehicle-sharing web app.
#[derive(Debug, Parser)]
#[command(name = "movr", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web app on PORT (the default command).
    Serve,
    /// Apply the database migrations that have not run yet (the engine is
    /// detected: PostgreSQL, or CockroachDB with the chosen layout). Run it
    /// once per release, from one job — never from every replica at start.
    Migrate {
        /// CockroachDB only: `multi-region` (REGIONAL BY ROW, the default) or
        /// `geo-partitioned` (the original's partitions and zone configs).
        /// A database keeps the layout it was first migrated with.
        #[arg(long, default_value = "multi-region", value_parser = ["multi-region", "geo-partitioned"])]
        layout: String,
        /// CockroachDB multi-region only: survive the loss of a `zone` (a new
        /// database's goal) or of a whole `region` (writes wait for another
        /// region). Set only when it differs; omitted, the current goal stays.
        #[arg(long, value_parser = ["zone", "region"])]
        survive: Option<String>,
    },
    /// Print the JSON API's OpenAPI document (what `/api/openapi.json`
    /// serves; `cargo xtask openapi` commits it).
    Openapi,
    /// Exit 0 when the server on this machine answers `/healthz` (for
    /// container health checks: the image has no shell or curl).
    Healthcheck,
    /// Create demo users, vehicles and rides in every city.
    Seed {
        /// Riders per city.
        #[arg(long, default_value_t = 3)]
        users_per_city: usize,
        /// Vehicles per city.
        #[arg(long, default_value_t = 8)]
        vehicles_per_city: usize,
        /// Finished rides per city.
        #[arg(long, default_value_t = 6)]
        rides_per_city: usize,
    },
    /// Promo codes, for operators.
    Promo {
        #[command(subcommand)]
        command: PromoCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PromoCommand {
    /// Create a promo code: a percentage with a cap (`--percent 10 --cap
    /// 5.00`) or a fixed amount in one currency (`--amount 3 --currency
    /// USD`), valid from `--valid-from` (default: now) until `--until`, for
    /// at most `--limit` riders. Exit status 2: the options do not make a
    /// code (nothing was written); 1: the database refused (e.g. the code
    /// exists) or is unreachable.
    Create {
        /// The code riders type: 3–32 letters and digits (stored upper case).
        code: String,
        /// Percent off (1–100); with --cap.
        #[arg(long)]
        percent: Option<i64>,
        /// The most a percentage takes off, in the ride's currency (e.g. 5.00).
        #[arg(long)]
        cap: Option<String>,
        /// A fixed amount off (e.g. 3.00); with --currency.
        #[arg(long)]
        amount: Option<String>,
        /// The fixed amount's currency (USD or EUR): it applies to rides in it only.
        #[arg(long)]
        currency: Option<String>,
        /// When it can first be applied: 2026-12-01 (midnight UTC) or RFC 3339.
        #[arg(long)]
        valid_from: Option<String>,
        /// When it can no longer be applied: 2026-12-31 or RFC 3339.
        #[arg(long)]
        until: String,
        /// How many riders in all may apply it.
        #[arg(long)]
        limit: i64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::Healthcheck => return healthcheck(),
        Command::Openapi => {
            println!("{}", movr_web::api::spec());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let settings = Settings::from_env().and_then(|settings| {
        // Only serving needs the cookie key; migrating and seeding do not.
        if matches!(command, Command::Serve) {
            settings.secret_key()?;
        }
        Ok(settings)
    });
    let settings = match settings {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("movr: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    // A promo code is checked before anything connects.
    let command = match command {
        Command::Promo {
            command:
                PromoCommand::Create {
                    code,
                    percent,
                    cap,
                    amount,
                    currency,
                    valid_from,
                    until,
                    limit,
                },
        } => match (PromoArgs {
            code,
            percent,
            cap,
            amount,
            currency,
            valid_from,
            until,
            limit,
        })
        .promotion(chrono::Utc::now())
        {
            Ok(promotion) => Run::CreatePromo(promotion),
            Err(error) => {
                eprintln!("movr: {error}");
                return ExitCode::from(2);
            }
        },
        other => Run::Command(other),
    };
    movr_web::logging::init(settings.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("movr: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(command, settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("movr: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What `run` does: a command, or creating a checked promo code.
enum Run {
    Command(Command),
    CreatePromo(Promotion),
}

async fn run(run: Run, settings: Settings) -> anyhow::Result<()> {
    let db = database(&settings);
    let command = match run {
        Run::Command(command) => command,
        Run::CreatePromo(promotion) => {
            match MovR::new(db).create_promotion(&promotion).await {
                Ok(()) => {}
                Err(ServiceError::Conflict(Conflict::PromoCodeTaken)) => {
                    anyhow::bail!("promo code {} exists already", promotion.code)
                }
                Err(error) => return Err(error.into()),
            }
            println!(
                "created promo code {}: {}, valid {} until {}, for at most {} rider(s)",
                promotion.code,
                movr_web::views::discount_text(&promotion.discount),
                promotion.valid_from.to_rfc3339(),
                promotion.valid_until.to_rfc3339(),
                promotion.limit
            );
            return Ok(());
        }
    };
    match command {
        Command::Promo { .. } => {}
        // Answered in `main`, before the settings are read.
        Command::Healthcheck | Command::Openapi => {}
        Command::Migrate { layout, survive } => {
            let layout = Layout::parse(&layout).unwrap_or_default();
            let survive = survive.as_deref().and_then(SurvivalGoal::parse);
            let report = movr_db::migrate(&db, layout, survive).await?;
            match report.layout {
                Some(layout) => println!("{:?}, {layout} layout", report.dialect),
                None => println!("{:?}", report.dialect),
            }
            if report.layout == Some(Layout::MultiRegion) && report.region_changes.is_empty() {
                println!("regions and survival goal: unchanged");
            }
            for statement in &report.region_changes {
                println!("ran: {statement}");
            }
            println!("applied {} migration(s)", report.applied.len());
            for name in report.applied {
                println!("  {name}");
            }
        }
        Command::Seed {
            users_per_city,
            vehicles_per_city,
            rides_per_city,
        } => {
            // Demo accounts share a published password: never on a real
            // database.
            anyhow::ensure!(
                settings.debug,
                "movr seed creates accounts with the published demo password; \
                 it runs only in debug mode (DEBUG=true), on a demo database"
            );
            let report = seed(
                &MovR::new(db).with_caps(settings.limits.caps()),
                SeedSize {
                    users_per_city,
                    vehicles_per_city,
                    rides_per_city,
                },
            )
            .await?;
            println!(
                "seeded {} user(s), {} vehicle(s), {} ride(s)",
                report.users, report.vehicles, report.rides
            );
        }
        Command::Serve => {
            let follower_reads = settings.follower_reads
                && match Dialect::detect(&db).await {
                    Ok(Dialect::CockroachDb) => true,
                    Ok(Dialect::Postgres) => {
                        tracing::warn!(
                            "FOLLOWER_READS is for CockroachDB; PostgreSQL reads the latest data"
                        );
                        false
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot tell the database engine yet; follower reads stay off");
                        false
                    }
                };
            let movr = MovR::new(db).with_follower_reads(follower_reads);
            let state = build_state(&settings, movr)?;
            let acceptor = TcpListener::bind((settings.host.as_str(), settings.port))
                .into_acceptor()
                .await
                .map_err(|error| {
                    anyhow::anyhow!("cannot listen on port {}: {error}", settings.port)
                })?;
            let operator = match settings.metrics_addr {
                Some(addr) => Some(TcpListener::bind(addr).into_acceptor().await.map_err(
                    |error| anyhow::anyhow!("cannot listen on METRICS_ADDR {addr}: {error}"),
                )?),
                None => None,
            };
            serve(&settings, state, acceptor, operator, shutdown_signal()).await?;
            tracing::info!("stopped");
        }
    }
    Ok(())
}

/// `GET /healthz` on 127.0.0.1:`PORT` (default 8000), with a 2 s budget.
fn healthcheck() -> ExitCode {
    use std::io::{Read, Write};
    use std::time::Duration;

    let port = std::env::var("PORT")
        .ok()
        .and_then(|port| port.trim().parse::<u16>().ok())
        .unwrap_or(8000);
    let answer = (|| -> std::io::Result<String> {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let mut stream = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut response = String::new();
        stream.take(4096).read_to_string(&mut response)?;
        Ok(response)
    })();
    match answer {
        Ok(response)
            if response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200") =>
        {
            ExitCode::SUCCESS
        }
        Ok(response) => {
            eprintln!(
                "movr: unhealthy: {}",
                response.lines().next().unwrap_or("no answer")
            );
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("movr: unhealthy: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what Kubernetes sends before killing).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
