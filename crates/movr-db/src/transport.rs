//! Opening one connection: the socket to the first host that answers, TLS
//! as the URL asks, and a [`Sniffer`] on the plaintext side so the
//! server's SQLSTATEs are known (see `sqlstate`).
//!
//! tokio-postgres's own `connect` hands diesel-async a socket that cannot
//! be wrapped, so the hosts are tried here as tokio-postgres and libpq try
//! them — each `host` (or `hostaddr`) in order, every address a name
//! resolves to, `connect_timeout` per address, TCP keepalives and
//! `tcp_user_timeout` — and the session is started over the wrapped stream
//! with `connect_raw`.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use rand::seq::SliceRandom;
use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_postgres::config::{Host, LoadBalanceHosts, SslNegotiation, TargetSessionAttrs};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::dialect::Dialect;
use crate::sqlstate::{LastServerError, Sniffer};

/// A TCP or Unix-domain socket.
#[derive(Debug)]
pub(crate) enum Socket {
    /// TCP.
    Tcp(TcpStream),
    /// A Unix-domain socket (`host=/var/run/postgresql`).
    Unix(UnixStream),
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(socket) => Pin::new(socket).poll_read(cx, buf),
            Self::Unix(socket) => Pin::new(socket).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Tcp(socket) => Pin::new(socket).poll_write(cx, buf),
            Self::Unix(socket) => Pin::new(socket).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(socket) => Pin::new(socket).poll_flush(cx),
            Self::Unix(socket) => Pin::new(socket).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Tcp(socket) => Pin::new(socket).poll_shutdown(cx),
            Self::Unix(socket) => Pin::new(socket).poll_shutdown(cx),
        }
    }
}

/// TLS over the sniffed socket: the handshake runs on the bare socket and
/// the sniffer moves to the decrypted side.
struct SniffedTls<T>(T);

impl<T> TlsConnect<Sniffer<Socket>> for SniffedTls<T>
where
    T: TlsConnect<Socket> + Send + 'static,
    T::Future: Send + 'static,
{
    type Stream = Sniffer<T::Stream>;
    type Error = T::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Stream, T::Error>> + Send>>;

    fn connect(self, stream: Sniffer<Socket>) -> Self::Future {
        let (socket, last_error) = stream.into_parts();
        let handshake = self.0.connect(socket);
        Box::pin(async move { Ok(Sniffer::new(handshake.await?, false, last_error)) })
    }
}

fn failed(context: impl std::fmt::Display, error: impl std::fmt::Display) -> ConnectionError {
    ConnectionError::BadConnection(format!("{context}: {error}"))
}

/// Connects to the first of `config`'s hosts that answers, with TLS from
/// `tls` (`None`: `sslmode=disable`; otherwise `config`'s `sslmode` says
/// whether TLS is preferred or required), and returns the connection and its
/// server-error slot.
pub(crate) async fn open(
    config: &tokio_postgres::Config,
    mut tls: Option<MakeRustlsConnect>,
) -> Result<(AsyncPgConnection, LastServerError, Dialect), ConnectionError> {
    if config.get_target_session_attrs() != TargetSessionAttrs::Any {
        return Err(ConnectionError::InvalidConnectionUrl(
            "target_session_attrs is not supported".to_owned(),
        ));
    }
    let (hosts, hostaddrs, ports) = (
        config.get_hosts(),
        config.get_hostaddrs(),
        config.get_ports(),
    );
    let count = hosts.len().max(hostaddrs.len());
    if count == 0 {
        return Err(ConnectionError::InvalidConnectionUrl(
            "the URL names no host".to_owned(),
        ));
    }
    let mut order: Vec<usize> = (0..count).collect();
    if config.get_load_balance_hosts() == LoadBalanceHosts::Random {
        order.shuffle(&mut rand::rng());
    }
    let mut last = None;
    for i in order {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        // The name checks the certificate; the address, when given, is
        // where to connect.
        let name = match hosts.get(i) {
            Some(Host::Tcp(name)) => Some(name.as_str()),
            _ => None,
        };
        let socket = match (hostaddrs.get(i), hosts.get(i)) {
            (Some(address), _) => tcp(config, &[SocketAddr::new(*address, port)]).await,
            (None, Some(Host::Tcp(name))) => {
                match tokio::net::lookup_host((name.as_str(), port)).await {
                    Ok(addresses) => tcp(config, &addresses.collect::<Vec<_>>()).await,
                    Err(error) => Err(failed(format_args!("cannot resolve {name}"), error)),
                }
            }
            (None, Some(Host::Unix(dir))) => {
                let path = dir.join(format!(".s.PGSQL.{port}"));
                within(config.get_connect_timeout(), UnixStream::connect(&path))
                    .await
                    .map(Socket::Unix)
                    .map_err(|error| {
                        failed(format_args!("cannot connect to {}", path.display()), error)
                    })
            }
            (None, None) => continue,
        };
        let result = match socket {
            Ok(socket) => start(config, socket, name, tls.as_mut()).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(connected) => return Ok(connected),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| failed("no host answered", "none tried")))
}

/// The first of `addresses` that accepts a TCP connection, set up as
/// tokio-postgres sets up its sockets.
async fn tcp(
    config: &tokio_postgres::Config,
    addresses: &[SocketAddr],
) -> Result<Socket, ConnectionError> {
    let mut last = None;
    for address in addresses {
        match within(config.get_connect_timeout(), TcpStream::connect(address)).await {
            Ok(stream) => {
                let set_up = || -> io::Result<()> {
                    stream.set_nodelay(true)?;
                    let socket = SockRef::from(&stream);
                    if let Some(timeout) = config.get_tcp_user_timeout() {
                        socket.set_tcp_user_timeout(Some(*timeout))?;
                    }
                    if config.get_keepalives() {
                        let mut keepalive =
                            TcpKeepalive::new().with_time(config.get_keepalives_idle());
                        if let Some(interval) = config.get_keepalives_interval() {
                            keepalive = keepalive.with_interval(interval);
                        }
                        if let Some(retries) = config.get_keepalives_retries() {
                            keepalive = keepalive.with_retries(retries);
                        }
                        socket.set_tcp_keepalive(&keepalive)?;
                    }
                    Ok(())
                };
                set_up().map_err(|error| failed(format_args!("cannot set up {address}"), error))?;
                return Ok(Socket::Tcp(stream));
            }
            Err(error) => last = Some(failed(format_args!("cannot connect to {address}"), error)),
        }
    }
    Err(last.unwrap_or_else(|| failed("cannot connect", "the host name resolved to no address")))
}

async fn within<T>(
    timeout: Option<&Duration>,
    connect: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match timeout {
        Some(timeout) => tokio::time::timeout(*timeout, connect)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connection timed out"))?,
        None => connect.await,
    }
}

/// Starts the session on `socket`: TLS when asked for, then startup and
/// authentication; the connection's I/O runs on a task of its own.
async fn start(
    config: &tokio_postgres::Config,
    socket: Socket,
    name: Option<&str>,
    tls: Option<&mut MakeRustlsConnect>,
) -> Result<(AsyncPgConnection, LastServerError, Dialect), ConnectionError> {
    let last_error = LastServerError::default();
    let (client, dialect) = match tls {
        Some(tls) => {
            let Ok(connector) = <MakeRustlsConnect as MakeTlsConnect<Socket>>::make_tls_connect(
                tls,
                name.unwrap_or(""),
            );
            // tokio-postgres asks for TLS with an SSLRequest, whose one-byte
            // answer precedes the messages (unless TLS starts directly).
            let ssl_request = config.get_ssl_negotiation() == SslNegotiation::Postgres;
            let stream = Sniffer::new(socket, ssl_request, last_error.clone());
            let (client, connection) = config
                .connect_raw(stream, SniffedTls(connector))
                .await
                .map_err(|error| failed("cannot start the session", chain(&error)))?;
            let dialect = engine(&connection);
            spawn(connection);
            (client, dialect)
        }
        _ => {
            let stream = Sniffer::new(socket, false, last_error.clone());
            let (client, connection) = config
                .connect_raw(stream, tokio_postgres::NoTls)
                .await
                .map_err(|error| failed("cannot start the session", chain(&error)))?;
            let dialect = engine(&connection);
            spawn(connection);
            (client, dialect)
        }
    };
    Ok((
        AsyncPgConnection::try_from(client).await?,
        last_error,
        dialect,
    ))
}

/// The engine, from the parameters the server reported at startup:
/// CockroachDB reports `crdb_version`, PostgreSQL does not.
fn engine<S, T>(connection: &tokio_postgres::Connection<S, T>) -> Dialect
where
    S: AsyncRead + AsyncWrite + Unpin,
    T: AsyncRead + AsyncWrite + Unpin,
{
    match connection.parameter("crdb_version") {
        Some(_) => Dialect::CockroachDb,
        None => Dialect::Postgres,
    }
}

fn spawn<F>(connection: F)
where
    F: Future<Output = Result<(), tokio_postgres::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::debug!(error = %chain(&error), "database connection ended");
        }
    });
}

/// An error and its causes, in one line.
pub(crate) fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
