//! Slow and idle clients: stalled or trickled request heads are cut off,
//! slow bodies get 408, idle keep-alive connections are closed, and past
//! the connection cap a new connection gets 503 at once; meanwhile
//! everyone else is served.

use std::time::{Duration, Instant};

use movr_tests::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

/// A raw connection to `server`.
async fn connect(server: &TestServer) -> TcpStream {
    TcpStream::connect(server.addr()).await.expect("connect")
}

/// Everything the server sends until it closes the connection (at most
/// `within`); `None` if it is still open then.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buf = [0_u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&received).into_owned())
}

/// A server with short timeouts, for tests that wait for them.
async fn impatient_server(extra: &[(&str, &str)]) -> TestServer {
    let mut settings = vec![
        ("HEADER_READ_TIMEOUT", "1s"),
        ("BODY_READ_TIMEOUT", "1s"),
        ("IDLE_TIMEOUT", "1s"),
    ];
    settings.extend_from_slice(extra);
    TestServer::start_with(&settings).await
}

#[tokio::test(flavor = "multi_thread")]
async fn hundreds_of_stalled_requests_do_not_stop_others() {
    let server = impatient_server(&[]).await;
    let (browser, _) = rider(&server, "ada", "new york").await;
    let mut stalled = Vec::new();
    for _ in 0..300 {
        let mut stream = connect(&server).await;
        stream
            .write_all(b"GET /vehicles HTTP/1.1\r\nHost: movr\r\nCookie: ")
            .await
            .expect("half a request");
        stalled.push(stream);
    }
    // The others are served at once.
    let started = Instant::now();
    browser.get("/healthz").await.assert_status(200);
    browser
        .get("/vehicles")
        .await
        .assert_status(200)
        .assert_shows("Vehicles in New York");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    // The stalled ones are cut off, without an answer, once the head
    // deadline passes.
    for stream in &mut stalled {
        let answer = until_closed(stream, Duration::from_secs(10)).await;
        assert_eq!(
            answer.as_deref(),
            Some(""),
            "a stalled head is closed silently"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn trickling_a_head_does_not_keep_a_connection() {
    let server = impatient_server(&[]).await;
    let mut stream = connect(&server).await;
    let started = Instant::now();
    // A byte every 100 ms: each read is quick, the head never ends.
    let head = b"GET /healthz HTTP/1.1\r\nHost: movr\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for byte in head {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(answer.as_deref(), Some(""));
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(head.len() as u64 / 10),
        "cut off after {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_body_is_a_408_on_pages_and_api() {
    let server = impatient_server(&[]).await;
    // The body never ends, so nothing in it (the CSRF token included) is
    // ever looked at.
    for (path, content_type, expected) in [
        (
            "/login",
            "application/x-www-form-urlencoded",
            "The request took too long to arrive; nothing was changed.",
        ),
        (
            "/api/v1/tokens",
            "application/json",
            "\"code\":\"request_timeout\"",
        ),
    ] {
        let mut stream = connect(&server).await;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: movr\r\nContent-Type: {content_type}\r\n\
             Content-Length: 1000\r\n\r\nusername=ada"
        );
        stream.write_all(head.as_bytes()).await.expect("write");
        let answer = until_closed(&mut stream, Duration::from_secs(5))
            .await
            .expect("an answer within the body deadline");
        assert!(answer.starts_with("HTTP/1.1 408 "), "{path}: {answer}");
        assert!(answer.contains(expected), "{path}: {answer}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alive_connections_serve_requests_then_close_when_idle() {
    let server = impatient_server(&[("IDLE_TIMEOUT", "2s")]).await;
    let mut stream = connect(&server).await;
    for _ in 0..2 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: movr\r\n\r\n")
            .await
            .expect("write");
        let mut buf = [0_u8; 1024];
        let n = stream.read(&mut buf).await.expect("an answer");
        assert!(buf[..n].starts_with(b"HTTP/1.1 200 "));
        // Idle between requests longer than the head deadline: that
        // deadline starts only with the next request's first byte.
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    let answer = until_closed(&mut stream, Duration::from_secs(5)).await;
    assert_eq!(answer.as_deref(), Some(""), "closed once idle for 2 s");
}

#[tokio::test(flavor = "multi_thread")]
async fn past_the_connection_cap_a_new_connection_gets_503() {
    let server = impatient_server(&[("MAX_CONNECTIONS", "20")]).await;
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut stream = connect(&server).await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .expect("write");
        held.push(stream);
    }
    // Give the server a moment to accept all twenty.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = connect(&server).await;
    let answer = until_closed(&mut extra, Duration::from_secs(1))
        .await
        .expect("refused at once");
    assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
    assert!(answer.contains("\r\nRetry-After: 1\r\n"), "{answer}");
    assert!(answer.ends_with("MovR has too many open connections; retry in a moment.\r\n"));
    // Once the stalled ones are cut off, there is room again.
    for stream in &mut held {
        until_closed(stream, Duration::from_secs(10)).await;
    }
    Browser::new(&server)
        .get("/healthz")
        .await
        .assert_status(200);
}
