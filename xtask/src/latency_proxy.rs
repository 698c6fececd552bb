//! A TCP proxy that adds distance between an app instance and its
//! database, in one of two ways ([`Distance`]):
//!
//! - [`Distance::Fixed`]: every chunk of bytes is delivered half a round
//!   trip after it arrived, in each direction, in order. Every exchange (a
//!   statement and its answer, each step of opening a connection) costs at
//!   least the round trip, as a database in another region would.
//! - [`Distance::ByCity`]: a multi-region database whose rows live in their
//!   city's region (CockroachDB's `REGIONAL BY ROW`), reached through a
//!   gateway next to the instance. A message from the app pays the round
//!   trip to the farthest region whose city it names (a city's name is in
//!   the bytes of the statement's parameters); one that names none (opening
//!   a connection, preparing, a health check) is answered nearby. A
//!   transaction's `COMMIT` pays the farthest round trip of the
//!   transaction's statements, as its writes commit there. A city name
//!   split across two chunks is missed; that is rare and only shortens the
//!   simulation.
//!
//! Bandwidth is not limited. `cargo xtask demo --regions --simulate-latency`
//! puts one in front of the database for each instance that is far from
//! (some of) its rows.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// The most chunks in flight in one direction before reading waits.
const CHUNKS_IN_FLIGHT: usize = 256;
/// The largest chunk read at once.
const CHUNK_BYTES: usize = 16 * 1024;

/// How far the database is.
#[derive(Debug, Clone)]
pub(crate) enum Distance {
    /// One database this round trip away.
    Fixed(Duration),
    /// Each city's rows in its region: the round trip from the instance to
    /// the region of each city named (cities not listed are local).
    ByCity(Vec<(&'static str, Duration)>),
}

/// A running proxy; it stops when the runtime that started it shuts down.
#[derive(Debug)]
pub(crate) struct LatencyProxy {
    addr: SocketAddr,
}

impl LatencyProxy {
    /// Listens on a free loopback port and forwards each connection to
    /// `upstream`, `distance` away.
    pub(crate) async fn start(upstream: SocketAddr, distance: Distance) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((client, _)) => {
                        tokio::spawn(forward(client, upstream, distance.clone()));
                    }
                    Err(error) => eprintln!("latency proxy {addr}: accept failed: {error}"),
                }
            }
        });
        Ok(Self { addr })
    }

    /// Where clients connect.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Carries one connection both ways until both sides have finished (or
/// either fails, which closes both).
async fn forward(client: TcpStream, upstream: SocketAddr, distance: Distance) {
    let server = match TcpStream::connect(upstream).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("latency proxy: cannot reach {upstream}: {error}");
            return;
        }
    };
    // Small writes (a statement, an answer) leave at once, as the app's own
    // sockets send them.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let _ = match distance {
        Distance::Fixed(round_trip) => {
            let one_way = round_trip / 2;
            tokio::try_join!(
                delayed_pipe(client_read, server_write, |_| one_way),
                delayed_pipe(server_read, client_write, |_| one_way),
            )
        }
        Distance::ByCity(round_trips) => {
            let mut placement = Placement::new(round_trips);
            tokio::try_join!(
                delayed_pipe(client_read, server_write, |chunk| placement.delay(chunk)),
                delayed_pipe(server_read, client_write, |_| Duration::ZERO),
            )
        }
    };
}

/// What [`Distance::ByCity`] charges the messages of one connection.
struct Placement {
    round_trips: Vec<(&'static str, Duration)>,
    /// The farthest round trip since the open transaction began.
    transaction: Duration,
}

impl Placement {
    fn new(round_trips: Vec<(&'static str, Duration)>) -> Self {
        Self {
            round_trips,
            transaction: Duration::ZERO,
        }
    }

    /// The round trip `chunk` (from the app) costs.
    fn delay(&mut self, chunk: &[u8]) -> Duration {
        if contains(chunk, b"BEGIN") {
            self.transaction = Duration::ZERO;
        }
        let farthest = self
            .round_trips
            .iter()
            .filter(|(city, _)| contains(chunk, city.as_bytes()))
            .map(|(_, round_trip)| *round_trip)
            .max()
            .unwrap_or_default();
        self.transaction = self.transaction.max(farthest);
        if contains(chunk, b"COMMIT") || contains(chunk, b"ROLLBACK") {
            std::mem::take(&mut self.transaction)
        } else {
            farthest
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Copies `from` to `to`, each chunk written `delay(chunk)` after it was
/// read, in order; the end of `from` reaches `to` (as a half-close) after
/// the last chunk.
async fn delayed_pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    mut delay: impl FnMut(&[u8]) -> Duration,
) -> io::Result<()> {
    let (chunks, mut due) = mpsc::channel::<(Instant, Option<Vec<u8>>)>(CHUNKS_IN_FLIGHT);
    let reading = async move {
        loop {
            let mut chunk = vec![0; CHUNK_BYTES];
            let read = from.read(&mut chunk).await?;
            let arrives = Instant::now() + delay(&chunk[..read]);
            let chunk = (read > 0).then(|| {
                chunk.truncate(read);
                chunk
            });
            let end = chunk.is_none();
            if chunks.send((arrives, chunk)).await.is_err() || end {
                return Ok::<(), io::Error>(());
            }
        }
    };
    let writing = async move {
        while let Some((arrives, chunk)) = due.recv().await {
            tokio::time::sleep_until(arrives).await;
            match chunk {
                Some(chunk) => to.write_all(&chunk).await?,
                None => return to.shutdown().await,
            }
        }
        Ok(())
    };
    tokio::try_join!(reading, writing).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A loopback server that echoes each connection until its end.
    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("its address");
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = socket.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                    let _ = write.shutdown().await;
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn a_round_trip_takes_at_least_the_simulated_time() {
        let round_trip = Duration::from_millis(120);
        let proxy = LatencyProxy::start(echo_server().await, Distance::Fixed(round_trip))
            .await
            .expect("the proxy starts");
        let mut socket = TcpStream::connect(proxy.addr()).await.expect("connect");
        for _ in 0..2 {
            let started = std::time::Instant::now();
            socket.write_all(b"SELECT 1").await.expect("send");
            let mut answer = [0; 8];
            socket.read_exact(&mut answer).await.expect("answer");
            let took = started.elapsed();
            assert_eq!(&answer, b"SELECT 1");
            assert!(took >= round_trip, "a round trip took only {took:?}");
        }
    }

    #[tokio::test]
    async fn bytes_arrive_intact_and_in_order_then_the_end() {
        let proxy = LatencyProxy::start(
            echo_server().await,
            Distance::Fixed(Duration::from_millis(20)),
        )
        .await
        .expect("the proxy starts");
        let socket = TcpStream::connect(proxy.addr()).await.expect("connect");
        let (mut read, mut write) = socket.into_split();
        // Many writes of different sizes, larger than one chunk in all.
        let sent: Vec<u8> = (0..300_000_u32).map(|i| (i % 251) as u8).collect();
        let writer = tokio::spawn(async move {
            for piece in sent.chunks(7_919) {
                write.write_all(piece).await.expect("send");
            }
            write.shutdown().await.expect("end the stream");
            sent
        });
        let mut received = Vec::new();
        // Ends only when the end of the stream came back through the proxy.
        read.read_to_end(&mut received)
            .await
            .expect("read to the end");
        let sent = writer.await.expect("the writer finished");
        assert_eq!(received.len(), sent.len());
        assert!(received == sent, "the bytes came back changed or reordered");
    }

    /// The time from sending `message` to its echo coming back.
    async fn echo_time(socket: &mut TcpStream, message: &[u8]) -> Duration {
        let started = std::time::Instant::now();
        socket.write_all(message).await.expect("send");
        let mut answer = vec![0; message.len()];
        socket.read_exact(&mut answer).await.expect("answer");
        assert_eq!(answer, message);
        started.elapsed()
    }

    #[tokio::test]
    async fn by_city_a_message_pays_the_round_trip_to_the_farthest_city_it_names() {
        let far = Duration::from_millis(150);
        let farther = Duration::from_millis(300);
        let proxy = LatencyProxy::start(
            echo_server().await,
            Distance::ByCity(vec![("seattle", far), ("paris", farther)]),
        )
        .await
        .expect("the proxy starts");
        let mut socket = TcpStream::connect(proxy.addr()).await.expect("connect");
        let local = echo_time(&mut socket, b"SELECT 1").await;
        assert!(local < far, "a message naming no city took {local:?}");
        let seattle = echo_time(&mut socket, b"Bind seattle").await;
        assert!(
            seattle >= far && seattle < farther,
            "seattle took {seattle:?}"
        );
        let both = echo_time(&mut socket, b"Bind seattle paris").await;
        assert!(both >= farther, "seattle and paris took {both:?}");
        let boston = echo_time(&mut socket, b"Bind boston").await;
        assert!(boston < far, "a local city took {boston:?}");
    }

    #[test]
    fn by_city_a_commit_pays_for_the_farthest_statement_of_its_transaction() {
        let far = Duration::from_millis(65);
        let mut placement = Placement::new(vec![("seattle", far)]);
        assert_eq!(placement.delay(b"BEGIN"), Duration::ZERO);
        assert_eq!(placement.delay(b"UPDATE .. seattle"), far);
        assert_eq!(placement.delay(b"UPDATE .. boston"), Duration::ZERO);
        assert_eq!(placement.delay(b"COMMIT"), far);
        // The next transaction starts afresh.
        assert_eq!(placement.delay(b"BEGIN"), Duration::ZERO);
        assert_eq!(placement.delay(b"COMMIT"), Duration::ZERO);
    }
}
