//! How many connections the server holds, and for how long a silent one may stay.
//!
//! Without a cap, connections that never finish their request used every file descriptor
//! and the server stopped answering anyone. A connection over a cap is closed at once, before
//! TLS or HTTP; the slot is given back when the connection closes.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum_server::accept::Accept;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// How long a client has to send a request's headers (and, on a new connection, to start).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default for [`ConnectionLimits::total`].
pub const MAX_CONNECTIONS: usize = 4_096;
/// Default for [`ConnectionLimits::per_address`]: far more than the laptops of one office
/// behind one address hold at once (each holds one while it syncs).
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 64;

/// The caps on open connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open at once, in all.
    pub total: usize,
    /// Connections open at once from one address (`None`: no such cap, for a server behind a
    /// proxy, from which every connection comes).
    pub per_address: Option<usize>,
    /// How long a client has to send a request's headers.
    pub header_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            total: MAX_CONNECTIONS,
            per_address: Some(MAX_CONNECTIONS_PER_ADDRESS),
            header_timeout: HEADER_TIMEOUT,
        }
    }
}

#[derive(Debug, Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// Takes a slot for each accepted connection, or closes it when none is free.
#[derive(Debug, Clone)]
pub(crate) struct LimitAcceptor {
    limits: ConnectionLimits,
    open: Arc<Mutex<Open>>,
}

impl LimitAcceptor {
    pub(crate) fn new(limits: ConnectionLimits) -> Self {
        LimitAcceptor {
            limits,
            open: Arc::default(),
        }
    }

    fn take(&self, address: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.limits.total {
            return None;
        }
        let from_address = open.by_address.get(&address).copied().unwrap_or(0);
        if self
            .limits
            .per_address
            .is_some_and(|cap| from_address >= cap)
        {
            return None;
        }
        open.total += 1;
        open.by_address.insert(address, from_address + 1);
        Some(Slot {
            address,
            open: self.open.clone(),
        })
    }
}

/// A connection's place in the count, given back when the connection is dropped.
#[derive(Debug)]
struct Slot {
    address: IpAddr,
    open: Arc<Mutex<Open>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

impl<S> Accept<TcpStream, S> for LimitAcceptor {
    type Stream = Counted;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Counted, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let slot = stream
            .peer_addr()
            .ok()
            .and_then(|peer| self.take(peer.ip()));
        std::future::ready(match slot {
            Some(slot) => Ok((
                Counted {
                    stream,
                    _slot: slot,
                },
                service,
            )),
            // Dropping the stream closes the connection; nothing is logged per connection,
            // which a flood would turn into a flood of lines.
            None => Err(io::Error::other("too many connections")),
        })
    }
}

/// An accepted connection holding its slot.
#[derive(Debug)]
pub(crate) struct Counted {
    stream: TcpStream,
    _slot: Slot,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
