//! Running the API: plain HTTP or TLS (rustls with ring), until a shutdown signal.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use crate::connections::{ConnectionLimits, LimitAcceptor};
use crate::parse_errors::JsonParseErrors;
use crate::{ServerError, ServerState, app};

/// A PEM certificate chain and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How long requests in flight may take to finish once shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight
/// finish (at most 30 s). With `tls`, only HTTPS is served. Connections are capped and timed
/// as [`ConnectionLimits::default`] says.
pub async fn serve(
    listener: std::net::TcpListener,
    state: ServerState,
    tls: Option<TlsFiles>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    serve_with(listener, state, tls, ConnectionLimits::default(), shutdown).await
}

/// As [`serve`], with caps of one's own on connections.
pub async fn serve_with(
    listener: std::net::TcpListener,
    state: ServerState,
    tls: Option<TlsFiles>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    listener.set_nonblocking(true)?;
    // The peer's address feeds enrolment's rate limit.
    let service = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(DRAIN));
    });
    let mut server = axum_server::from_tcp(listener)?
        .handle(handle)
        // A client that never finishes its headers is dropped instead of kept forever: the
        // first request (which also bounds HTTP/2 detection) and every later one.
        .first_request_timeout(limits.header_timeout);
    server
        .http_builder()
        .http1()
        .header_read_timeout(limits.header_timeout);
    let acceptor = LimitAcceptor::new(limits);
    match tls {
        None => {
            server
                .acceptor(JsonParseErrors(acceptor))
                .serve(service)
                .await?;
        }
        Some(files) => {
            // One TLS stack: rustls with ring (no C toolchain beyond cc, no cmake).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .map_err(|e| ServerError::Tls(e.to_string()))?;
            // The TLS handshake is bounded too (before any HTTP).
            let tls = axum_server::tls_rustls::RustlsAcceptor::new(config)
                .handshake_timeout(limits.header_timeout)
                .acceptor(acceptor);
            server.acceptor(JsonParseErrors(tls)).serve(service).await?;
        }
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
