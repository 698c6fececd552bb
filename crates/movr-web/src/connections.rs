//! What one TCP connection may hold: a cap on open connections (past it, a
//! new one is answered `503` with `Retry-After` and closed at once), and a
//! deadline for each request's head (request line and headers), so a
//! client that sends half a request and stalls, or trickles it a byte at
//! a time, is cut off instead of holding a connection forever. Idle
//! keep-alive connections are closed by poem's idle timeout, and slow
//! bodies by [`crate::middleware::BodyTimeout`].
//!
//! The head deadline works on the bytes: it starts when a connection opens
//! or when the first byte of its next request arrives, and ends at the
//! blank line that closes the head. hyper itself has such a timeout, but
//! only with a timer installed, which poem does not do.
//!
//! It also tells a never-ending response (a live event stream) that its
//! client has gone ([`OpenConnections::departure`]): hyper sees the
//! client's end of the connection, but poem then awaits the finished
//! connection again, and it ends only when the response next writes, so a
//! quiet stream would hold its place (and its city's watcher) until then.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use poem::http::uri::Scheme;
use poem::listener::Acceptor;
use poem::web::{LocalAddr, RemoteAddr};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

/// What a connection over the cap is told before it is closed.
const OVER_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
    Content-Type: text/plain; charset=utf-8\r\n\
    Retry-After: 1\r\n\
    Connection: close\r\n\
    Content-Length: 56\r\n\r\n\
    MovR has too many open connections; retry in a moment.\r\n";
/// How long a refused connection gets to take its 503.
const REFUSAL_WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// An acceptor that caps open connections and puts a deadline on each
/// request head.
#[derive(Debug)]
pub struct GuardedAcceptor<A> {
    inner: A,
    permits: Arc<Semaphore>,
    head_timeout: Duration,
    open: Arc<OpenConnections>,
}

impl<A> GuardedAcceptor<A> {
    /// At most `max_connections` open at once; each request's head must
    /// arrive within `head_timeout`; the connections are listed in `open`.
    pub fn new(
        inner: A,
        max_connections: usize,
        head_timeout: Duration,
        open: Arc<OpenConnections>,
    ) -> Self {
        Self {
            inner,
            permits: Arc::new(Semaphore::new(max_connections)),
            head_timeout,
            open,
        }
    }
}

/// The open connections by their peer's address, each with a signal that
/// its client has closed it.
#[derive(Debug, Default)]
pub struct OpenConnections {
    by_peer: Mutex<HashMap<SocketAddr, (u64, CancellationToken)>>,
    next_id: AtomicU64,
}

impl OpenConnections {
    /// Resolves when the client at `peer` has closed its connection (at
    /// once when no such connection is open).
    pub fn departure(&self, peer: Option<&SocketAddr>) -> WaitForCancellationFutureOwned {
        let token = peer
            .and_then(|peer| self.lock().get(peer).map(|(_, token)| token.clone()))
            .unwrap_or_else(|| {
                let gone = CancellationToken::new();
                gone.cancel();
                gone
            });
        token.cancelled_owned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddr, (u64, CancellationToken)>> {
        self.by_peer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lists a new connection from `peer`.
    fn opened(self: &Arc<Self>, peer: SocketAddr) -> Listed {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let token = CancellationToken::new();
        self.lock().insert(peer, (id, token.clone()));
        Listed {
            open: self.clone(),
            peer,
            id,
            token,
        }
    }
}

/// A connection's place in [`OpenConnections`], until it is dropped.
#[derive(Debug)]
struct Listed {
    open: Arc<OpenConnections>,
    peer: SocketAddr,
    id: u64,
    token: CancellationToken,
}

impl Drop for Listed {
    fn drop(&mut self) {
        self.token.cancel();
        let mut by_peer = self.open.lock();
        // A new connection from the same address may have taken the place.
        if by_peer
            .get(&self.peer)
            .is_some_and(|(id, _)| *id == self.id)
        {
            by_peer.remove(&self.peer);
        }
    }
}

impl<A> Acceptor for GuardedAcceptor<A>
where
    A: Acceptor,
    A::Io: Unpin,
{
    type Io = GuardedIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        loop {
            let (io, local, remote, scheme) = self.inner.accept().await?;
            match self.permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    let listed = remote.as_socket_addr().map(|peer| self.open.opened(*peer));
                    let io = GuardedIo::new(io, permit, self.head_timeout, listed);
                    return Ok((io, local, remote, scheme));
                }
                Err(_) => {
                    tracing::warn!(%remote, "connection refused: too many open connections");
                    tokio::spawn(refuse(io));
                }
            }
        }
    }
}

/// Tells a connection over the cap to come back, and closes it.
async fn refuse<Io: AsyncWrite + Unpin>(mut io: Io) {
    let _ = tokio::time::timeout(REFUSAL_WRITE_TIMEOUT, async {
        io.write_all(OVER_CAPACITY).await?;
        io.shutdown().await
    })
    .await;
}

/// Where a connection is in its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Reading a request head, against the deadline; `matched` bytes of
    /// the closing `\r\n\r\n` seen so far.
    Head { matched: usize },
    /// Past the head: the body and the response take their own time.
    Request,
    /// Between requests (keep-alive): no deadline until a byte arrives.
    Idle,
}

/// A connection that holds one of the cap's places while open and is cut
/// off when a request head takes too long.
#[derive(Debug)]
pub struct GuardedIo<Io> {
    inner: Io,
    _permit: OwnedSemaphorePermit,
    head_timeout: Duration,
    phase: Phase,
    deadline: Pin<Box<Sleep>>,
    listed: Option<Listed>,
}

impl<Io> GuardedIo<Io> {
    fn new(
        inner: Io,
        permit: OwnedSemaphorePermit,
        head_timeout: Duration,
        listed: Option<Listed>,
    ) -> Self {
        Self {
            inner,
            _permit: permit,
            head_timeout,
            phase: Phase::Head { matched: 0 },
            deadline: Box::pin(tokio::time::sleep(head_timeout)),
            listed,
        }
    }

    /// The client closed its end (or it broke): what it still waits for
    /// cannot reach it.
    fn client_left(&self) {
        if let Some(listed) = &self.listed {
            listed.token.cancel();
        }
    }

    /// Follows the request through the bytes just read.
    fn saw(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.phase == Phase::Idle {
            self.phase = Phase::Head { matched: 0 };
            let deadline = Instant::now() + self.head_timeout;
            self.deadline.as_mut().reset(deadline);
        }
        if let Phase::Head { matched } = self.phase {
            self.phase = match end_of_head(matched, bytes) {
                Ok(()) => Phase::Request,
                Err(matched) => Phase::Head { matched },
            };
        }
    }
}

/// Scans `bytes` for the `\r\n\r\n` that ends a request head, `matched`
/// bytes of it having been seen already: `Ok` when it ends here, else how
/// much of it the bytes end with.
fn end_of_head(mut matched: usize, bytes: &[u8]) -> Result<(), usize> {
    const END: &[u8] = b"\r\n\r\n";
    for &byte in bytes {
        matched = if byte == END[matched] {
            matched + 1
        } else if byte == END[0] {
            1
        } else {
            0
        };
        if matched == END.len() {
            return Ok(());
        }
    }
    Err(matched)
}

impl<Io: AsyncRead + Unpin> AsyncRead for GuardedIo<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let (before, room) = (buf.filled().len(), buf.remaining() > 0);
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if read.is_empty() && room {
                    this.client_left();
                }
                this.saw(read);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => {
                this.client_left();
                Poll::Ready(Err(error))
            }
            Poll::Pending => {
                if matches!(this.phase, Phase::Head { .. }) {
                    ready!(this.deadline.as_mut().poll(cx));
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the request head did not arrive in time",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for GuardedIo<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // The response has begun: the next request's head waits for its
        // first byte before its deadline starts.
        if self.phase == Phase::Request {
            self.phase = Phase::Idle;
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_ends_at_the_blank_line_even_split_across_reads() {
        assert_eq!(end_of_head(0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Ok(()));
        assert_eq!(end_of_head(0, b"GET / HTTP/1.1\r\nHost: x\r\n"), Err(2));
        assert_eq!(end_of_head(2, b"\r"), Err(3));
        assert_eq!(end_of_head(3, b"\n"), Ok(()));
        assert_eq!(end_of_head(0, b"\r\n\r\r\n\r\n"), Ok(()));
        assert_eq!(end_of_head(3, b"x"), Err(0));
        assert_eq!(end_of_head(0, b""), Err(0));
    }

    #[test]
    fn the_refusal_is_a_complete_response() {
        let text = std::str::from_utf8(OVER_CAPACITY).expect("ASCII");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("Content-Length: "))
            .and_then(|n| n.parse().ok())
            .expect("a length");
        assert_eq!(body.len(), length);
        assert!(head.starts_with("HTTP/1.1 503 "));
    }
}
