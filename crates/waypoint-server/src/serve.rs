//! Running the API: plain HTTP or TLS (rustls with ring), until a shutdown signal.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use crate::{AppState, ServerError, app};

/// A PEM certificate chain and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How long requests in flight may take to finish once shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight
/// finish (at most 30 s). With `tls`, only HTTPS is served.
pub async fn serve(
    listener: std::net::TcpListener,
    state: AppState,
    tls: Option<TlsFiles>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    listener.set_nonblocking(true)?;
    let router = app(state);
    match tls {
        None => {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            // The peer's address feeds enrolment's rate limit.
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown)
            .await?;
        }
        Some(files) => {
            // One TLS stack: rustls with ring (no C toolchain beyond cc, no cmake).
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config =
                axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                    .await
                    .map_err(|e| ServerError::Tls(e.to_string()))?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(DRAIN));
            });
            axum_server::from_tcp_rustls(listener, config)?
                .handle(handle)
                .serve(router.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await?;
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
