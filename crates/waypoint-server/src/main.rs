//! `waypoint-server`: the HQ sync server and its administration commands.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use waypoint_protocol::RevokeReason;
use waypoint_server::store::DeviceState;
use waypoint_server::{ServerState, TlsFiles, admin, store, wall_clock_ms};

mod admin_print;

use admin_print::{list_held, print_given, when};

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
        /// Serve plain HTTP on an address other than loopback, because a proxy in front
        /// terminates TLS (without it, such an address needs --tls-cert and --tls-key)
        #[arg(long, conflicts_with = "tls_cert")]
        insecure_behind_proxy: bool,
        /// Connections open at once, in all
        #[arg(long, value_name = "N", default_value_t = waypoint_server::MAX_CONNECTIONS)]
        max_connections: usize,
        /// Connections open at once from one address (not applied behind a proxy)
        #[arg(long, value_name = "N", default_value_t = waypoint_server::MAX_CONNECTIONS_PER_ADDRESS)]
        max_connections_per_address: usize,
        /// Seconds a client has to send a request's headers before it is disconnected
        #[arg(long, value_name = "SECONDS", default_value_t = waypoint_server::HEADER_TIMEOUT.as_secs())]
        header_timeout: u64,
        /// The server key that wraps devices' recovery secrets in the database: a file readable
        /// by its owner only, kept apart from database backups (made at the first start)
        #[arg(long, env = "WAYPOINT_SERVER_KEY_FILE")]
        secret_key_file: PathBuf,
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
    /// Staff accounts: who may sign in on the devices of a site, in which role.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// The devices' audit logs, as synced to this server.
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// Changes held for HQ: sent by a site about a case number another site holds. Without a
    /// command, lists them by case number and site (and what HQ did with earlier ones).
    #[command(args_conflicts_with_subcommands = true)]
    Held {
        #[command(subcommand)]
        command: Option<HeldCmd>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
        /// sqlite:PATH (embedded, small offices) or postgres://USER@HOST/DB
        #[arg(long, env = "WAYPOINT_DATABASE")]
        database: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum HeldCmd {
    /// The case number belongs to SITE: the case moves there (the devices of its old site
    /// remove it at their next sync) and SITE's held changes of it are applied
    Give {
        case_no: String,
        #[arg(long)]
        site: String,
        #[command(flatten)]
        db: Database,
    },
    /// Discard SITE's held changes of the case number
    Drop {
        case_no: String,
        #[arg(long)]
        site: String,
        #[command(flatten)]
        db: Database,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCmd {
    /// Check every device's audit log held here (each entry's hash and link); exit code 1 when
    /// any is broken. Names the device and the entry, never a value.
    Verify {
        #[command(flatten)]
        db: Database,
    },
}

/// The environment variable that holds a new staff member's PIN (never a flag: flags show in
/// process lists and shell histories).
const NEW_PIN_ENV: &str = "WAYPOINT_NEW_PIN";

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Add a staff account; the PIN (at least 6 characters) is read from WAYPOINT_NEW_PIN
    Add {
        /// The site whose devices they may sign in on
        #[arg(long)]
        site: String,
        /// field_assistant, poe_associate, data_processing, supervisor or administrator
        #[arg(long)]
        role: String,
        name: String,
        #[command(flatten)]
        db: Database,
    },
    /// Disable an account: every device refuses it after its next sync
    Disable {
        name: String,
        #[command(flatten)]
        db: Database,
    },
    /// List accounts: name, site, role, state
    List {
        #[command(flatten)]
        db: Database,
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
    /// Make a site the port of entry of an airport: its devices also receive the travellers
    /// booked to arrive there (IATA code, e.g. YYZ), until 72 hours after they land. Without
    /// IATA, lists every site's airport.
    Airport {
        code: Option<String>,
        iata: Option<String>,
        #[command(flatten)]
        db: Database,
    },
    /// Show or change a site's policy: offline lease (days) and idle lock (minutes)
    Policy {
        code: String,
        /// Days a device may go without syncing before it locks until it syncs (default 14)
        #[arg(long, value_name = "N")]
        lease_days: Option<u32>,
        /// Idle minutes before the app locks (default 5)
        #[arg(long, value_name = "M")]
        idle_minutes: Option<u32>,
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
    /// Revoke a device, saying why: what it does at its next contact depends on the reason.
    Revoke {
        name: String,
        /// lost: it is refused and wipes itself at once (its unsent changes are lost);
        /// retired: it sends its pending changes first, then wipes itself
        #[arg(long, value_enum)]
        reason: Reason,
        #[command(flatten)]
        db: Database,
    },
}

/// Why a device is revoked (`--reason`).
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Reason {
    /// Lost or stolen: refused at once, wipes itself at its next contact
    Lost,
    /// Taken out of service: sends its pending changes, then wipes itself
    Retired,
}

impl From<Reason> for RevokeReason {
    fn from(r: Reason) -> Self {
        match r {
            Reason::Lost => RevokeReason::Lost,
            Reason::Retired => RevokeReason::Retired,
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // No core dumps, and panics that say where but not what (they may hold personal data).
    waypoint_keys::guard_crash_output("waypoint-server");
    let cli = Cli::parse();
    let now = wall_clock_ms();
    match cli.command {
        Command::Serve {
            db,
            listen,
            tls_cert,
            tls_key,
            insecure_behind_proxy,
            max_connections,
            max_connections_per_address,
            header_timeout,
            secret_key_file,
        } => {
            tracing_subscriber::fmt()
                .with_target(false)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_writer(std::io::stderr)
                .init();
            let store = store::open(&db.database)
                .await
                .context("opening the database")?;
            let server_key =
                waypoint_server::server_key::open_for(store.as_ref(), &secret_key_file)
                    .await
                    .context("opening the server key")?;
            let listener = std::net::TcpListener::bind(&listen)
                .with_context(|| format!("listening on {listen}"))?;
            let tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| TlsFiles { cert, key });
            let address = listener.local_addr()?;
            // Tokens and refugees' records must not cross a network in clear text.
            if tls.is_none() && !address.ip().is_loopback() {
                if !insecure_behind_proxy {
                    anyhow::bail!(
                        "refusing to serve plain HTTP on {address}, which is not a loopback \
                         address: give --tls-cert and --tls-key, or, only when a proxy in front \
                         of this server terminates TLS, --insecure-behind-proxy"
                    );
                }
                tracing::warn!(
                    "SERVING PLAIN HTTP on {address} (--insecure-behind-proxy): only a \
                     TLS-terminating proxy may reach this address; anyone else on the network \
                     can read device tokens and records"
                );
            }
            let limits = waypoint_server::ConnectionLimits {
                total: max_connections.max(1),
                // Behind a proxy every connection comes from the proxy's address.
                per_address: (!insecure_behind_proxy).then_some(max_connections_per_address.max(1)),
                header_timeout: std::time::Duration::from_secs(header_timeout.max(1)),
            };
            tracing::info!(
                "serving on {}{}",
                listener.local_addr()?,
                if tls.is_some() { " (TLS)" } else { "" }
            );
            waypoint_server::serve_with(
                listener,
                ServerState::with_key(store, server_key),
                tls,
                limits,
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
            Admin::Site {
                command: SiteCmd::Airport { code, iata, db },
            } => {
                let store = store::open(&db.database).await?;
                match (code, iata) {
                    (Some(code), Some(iata)) => {
                        let (site, airport) =
                            admin::set_site_airport(store.as_ref(), &code, &iata, now).await?;
                        println!(
                            "Site {site} is the port of entry of {airport}: its devices receive \
                             the travellers booked to arrive there."
                        );
                    }
                    (code, _) => {
                        let only = code.map(|c| admin::canonical_site(&c, now)).transpose()?;
                        for (site, airport) in store.site_airports().await? {
                            if only.as_ref().is_none_or(|o| *o == site) {
                                println!("{site}\t{airport}");
                            }
                        }
                    }
                }
            }
            Admin::Site {
                command:
                    SiteCmd::Policy {
                        code,
                        lease_days,
                        idle_minutes,
                        db,
                    },
            } => {
                let store = store::open(&db.database).await?;
                let policy =
                    admin::set_site_policy(store.as_ref(), &code, lease_days, idle_minutes, now)
                        .await?;
                println!(
                    "Site {}: devices lock after {} day(s) without a sync, and after {} idle minute(s).",
                    admin::canonical_site(&code, now)?,
                    policy.lease_days,
                    policy.idle_minutes
                );
            }
            Admin::User { command } => match command {
                UserCmd::Add {
                    site,
                    role,
                    name,
                    db,
                } => {
                    let pin = zeroize::Zeroizing::new(std::env::var(NEW_PIN_ENV).map_err(|_| {
                        anyhow::anyhow!(
                            "no PIN: give the new staff member's PIN in the environment variable {NEW_PIN_ENV}"
                        )
                    })?);
                    let store = store::open(&db.database).await?;
                    let added =
                        admin::add_staff(store.as_ref(), &site, &role, &name, &pin, now).await?;
                    println!(
                        "Added {} ({}) at site {}: they sign in once on a device of the site with the network, then also offline.",
                        added.name, added.role, added.site
                    );
                }
                UserCmd::Disable { name, db } => {
                    let store = store::open(&db.database).await?;
                    admin::disable_staff(store.as_ref(), &name, now).await?;
                    println!(
                        "Disabled {}: each device refuses them from its next sync on.",
                        name.trim()
                    );
                }
                UserCmd::List { db } => {
                    let store = store::open(&db.database).await?;
                    let staff = store.staff().await?;
                    if staff.is_empty() {
                        println!(
                            "No staff accounts yet: add one with `waypoint-server admin user add`."
                        );
                    }
                    for a in staff {
                        println!(
                            "{}\t{}\t{}\t{}",
                            a.name,
                            a.site,
                            a.role,
                            if a.disabled { "disabled" } else { "active" }
                        );
                    }
                }
            },
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
                            DeviceState::Revoked(reason) => format!("revoked ({reason})"),
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
                DeviceCmd::Revoke { name, reason, db } => {
                    let store = store::open(&db.database).await?;
                    let reason = RevokeReason::from(reason);
                    store.revoke_device(&name, reason, now).await?;
                    match reason {
                        RevokeReason::Lost => println!(
                            "Revoked {name} as lost: it is refused from now on, and it erases its \
                             data at its next contact with this server."
                        ),
                        RevokeReason::Retired => println!(
                            "Revoked {name} as retired: at its next sync it sends its pending \
                             changes, then erases its data; it receives nothing more."
                        ),
                    }
                }
            },
            Admin::Held {
                command,
                json,
                database,
            } => match command {
                None => {
                    let database =
                        database.context("--database is needed (or WAYPOINT_DATABASE)")?;
                    let store = store::open(&database).await?;
                    list_held(store.as_ref(), json).await?;
                }
                Some(HeldCmd::Give { case_no, site, db }) => {
                    let store = store::open(&db.database).await?;
                    let s = admin::give_held(store.as_ref(), &case_no, &site, now).await?;
                    print_given(&s);
                }
                Some(HeldCmd::Drop { case_no, site, db }) => {
                    let store = store::open(&db.database).await?;
                    let s = admin::drop_held(store.as_ref(), &case_no, &site, now).await?;
                    println!(
                        "Dropped {} held change(s) of case {} from site {}.",
                        s.changes, s.case_no, s.site
                    );
                }
            },
            Admin::Audit {
                command: AuditCmd::Verify { db },
            } => {
                let store = store::open(&db.database).await?;
                let names: std::collections::HashMap<_, _> = store
                    .devices()
                    .await?
                    .into_iter()
                    .map(|d| (d.id, d.name))
                    .collect();
                let mut broken = 0;
                let devices = store.audited_devices().await?;
                if devices.is_empty() {
                    println!("No audit entries yet: devices send theirs when they sync.");
                }
                for id in devices {
                    let name = names.get(&id).map_or("(unknown device)", String::as_str);
                    let (entries, problems) =
                        waypoint_server::audit::verify_device(store.as_ref(), id).await?;
                    if problems.is_empty() {
                        println!("{name}: audit log intact: {entries} entries");
                    } else {
                        broken += 1;
                        println!("{name}: audit log BROKEN ({entries} entries):");
                        for p in problems {
                            println!("  entry {}: {}", p.seq, p.message);
                        }
                    }
                }
                if broken > 0 {
                    std::process::exit(1);
                }
            }
        },
    }
    Ok(())
}
