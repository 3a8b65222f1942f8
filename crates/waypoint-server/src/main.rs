//! `waypoint-server`: the HQ sync server and its administration commands.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use waypoint_server::store::DeviceState;
use waypoint_server::{AppState, TlsFiles, admin, store, wall_clock_ms};

#[derive(Debug, Parser)]
#[command(name = "waypoint-server", version, about = "Waypoint's HQ sync server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct Database {
    /// sqlite:PATH (embedded, small offices) or postgres://USER@HOST/DB
    #[arg(long, env = "WAYPOINT_DATABASE")]
    database: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the sync API.
    Serve {
        #[command(flatten)]
        db: Database,
        /// Address to listen on, e.g. 0.0.0.0:8443
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// PEM certificate chain; with --tls-key, serve HTTPS only
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Sites and devices.
    Admin {
        #[command(subcommand)]
        command: Admin,
    },
}

#[derive(Debug, Subcommand)]
enum Admin {
    /// Sites.
    Site {
        #[command(subcommand)]
        command: SiteCmd,
    },
    /// Devices.
    Device {
        #[command(subcommand)]
        command: DeviceCmd,
    },
}

#[derive(Debug, Subcommand)]
enum SiteCmd {
    /// Add a site: CODE is what cases carry in their site field.
    Add {
        code: String,
        name: String,
        #[command(flatten)]
        db: Database,
    },
    /// List sites: code and name, one per line.
    List {
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCmd {
    /// Register a device and print its one-time enrolment code (valid 24 hours).
    Enrol {
        #[arg(long)]
        site: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: Database,
    },
    /// List devices.
    List {
        #[command(flatten)]
        db: Database,
    },
    /// Revoke a device: its next request is refused.
    Revoke {
        name: String,
        #[command(flatten)]
        db: Database,
    },
}

fn when(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| ms.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let now = wall_clock_ms();
    match cli.command {
        Command::Serve {
            db,
            listen,
            tls_cert,
            tls_key,
        } => {
            tracing_subscriber::fmt()
                .with_target(false)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(std::io::stderr)
                .init();
            let store = store::open(&db.database)
                .await
                .context("opening the database")?;
            let listener = std::net::TcpListener::bind(&listen)
                .with_context(|| format!("listening on {listen}"))?;
            let tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| TlsFiles { cert, key });
            tracing::info!(
                "serving on {}{}",
                listener.local_addr()?,
                if tls.is_some() { " (TLS)" } else { "" }
            );
            waypoint_server::serve(
                listener,
                AppState::new(store),
                tls,
                waypoint_server::shutdown_signal(),
            )
            .await?;
        }
        Command::Admin { command } => match command {
            Admin::Site {
                command: SiteCmd::Add { code, name, db },
            } => {
                let store = store::open(&db.database).await?;
                let code = admin::add_site(store.as_ref(), &code, &name, now).await?;
                println!("Added site {code} ({}).", name.trim());
            }
            Admin::Site {
                command: SiteCmd::List { db },
            } => {
                let store = store::open(&db.database).await?;
                for (code, name) in store.sites().await? {
                    println!("{code}\t{name}");
                }
            }
            Admin::Device { command } => match command {
                DeviceCmd::Enrol { site, name, db } => {
                    let store = store::open(&db.database).await?;
                    let e = admin::enrol_device(store.as_ref(), &site, &name, now).await?;
                    println!("Device {} of site {} is registered.", e.name, e.site);
                    println!(
                        "Enrolment code (one use, valid until {}):",
                        when(e.expires_ms)
                    );
                    println!();
                    println!("    {}", e.code);
                    println!();
                    println!(
                        "Type it into Waypoint on the laptop. It is not stored and cannot be shown again."
                    );
                }
                DeviceCmd::List { db } => {
                    let store = store::open(&db.database).await?;
                    let devices = store.devices().await?;
                    if devices.is_empty() {
                        println!(
                            "No devices yet: add one with `waypoint-server admin device enrol`."
                        );
                    }
                    for d in devices {
                        let state = match d.state {
                            DeviceState::Active => "active".to_string(),
                            DeviceState::Revoked => "revoked".to_string(),
                            DeviceState::Pending { expires_ms } if expires_ms < now => {
                                "code expired".to_string()
                            }
                            DeviceState::Pending { expires_ms } => {
                                format!("waiting for enrolment until {}", when(expires_ms))
                            }
                        };
                        println!(
                            "{}\t{}\t{}\t{}\tsynced up to change {}",
                            d.name,
                            d.id,
                            d.sites.join(","),
                            state,
                            d.last_client_seq
                        );
                    }
                }
                DeviceCmd::Revoke { name, db } => {
                    let store = store::open(&db.database).await?;
                    store.revoke_device(&name, now).await?;
                    println!("Revoked {name}: its next request will be refused.");
                }
            },
        },
    }
    Ok(())
}
