//! A TCP proxy that adds distance: every chunk of bytes is delivered half a
//! round trip after it arrived, in each direction, in order. Between an app
//! instance and its database it makes every exchange (a statement and its
//! answer, each step of opening a connection) cost at least the round trip,
//! as a database in another region would; bandwidth is not limited.
//!
//! `cargo xtask demo --regions --simulate-latency` puts one in front of the
//! database for each instance whose region is not the database's.

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

/// A running proxy; it stops when the runtime that started it shuts down.
#[derive(Debug)]
pub(crate) struct LatencyProxy {
    addr: SocketAddr,
}

impl LatencyProxy {
    /// Listens on a free loopback port and forwards each connection to
    /// `upstream`, delaying each direction by half of `round_trip`.
    pub(crate) async fn start(upstream: SocketAddr, round_trip: Duration) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let one_way = round_trip / 2;
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((client, _)) => {
                        tokio::spawn(forward(client, upstream, one_way));
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
async fn forward(client: TcpStream, upstream: SocketAddr, one_way: Duration) {
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
    let _ = tokio::try_join!(
        delayed_pipe(client_read, server_write, one_way),
        delayed_pipe(server_read, client_write, one_way),
    );
}

/// Copies `from` to `to`, each chunk written `delay` after it was read;
/// the end of `from` reaches `to` (as a half-close) the same delay later.
async fn delayed_pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    delay: Duration,
) -> io::Result<()> {
    let (chunks, mut due) = mpsc::channel::<(Instant, Option<Vec<u8>>)>(CHUNKS_IN_FLIGHT);
    let reading = async move {
        loop {
            let mut chunk = vec![0; CHUNK_BYTES];
            let read = from.read(&mut chunk).await?;
            let arrives = Instant::now() + delay;
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
        let proxy = LatencyProxy::start(echo_server().await, round_trip)
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
        let proxy = LatencyProxy::start(echo_server().await, Duration::from_millis(20))
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
}
