//! The client against a scripted HTTP server on a loopback port: what it
//! does with answers the real server gives only under load or failure
//! (`503` with `Retry-After`, no answer at all). The journeys against the
//! real server are in the `tests` crate (`tests/tests/api/client.rs`).

#![allow(clippy::unwrap_used, reason = "a panic is how a test fails")]
#![allow(missing_docs, reason = "test binary")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use movr_client::{Client, ErrorCode, Exchange, Retry};
use movr_core::{City, VehicleId};

/// A canned answer: status line and headers, then the body.
#[derive(Clone, Copy)]
struct Canned {
    head: &'static str,
    body: &'static str,
}

const UNAVAILABLE: Canned = Canned {
    head: "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json",
    body: r#"{"code":"unavailable","message":"MovR is temporarily unavailable; retry shortly","field":null,"errors":[]}"#,
};

const REGIONS: Canned = Canned {
    head: "HTTP/1.1 200 OK\r\nContent-Type: application/json",
    body: r#"[{"region":"gcp-us-east1","cities":["new york","boston","washington dc"]}]"#,
};

/// Answers each connection with the next canned answer (the last one
/// again when they run out, `None`: never answers); records each request
/// line.
struct Scripted {
    base: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    fn start(answers: Vec<Option<Canned>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        thread::spawn(move || {
            let mut silent = Vec::new();
            for (count, connection) in listener.incoming().enumerate() {
                let Ok(connection) = connection else { return };
                log.lock().unwrap().push(request_line(&connection));
                match answers.get(count).or(answers.last()).copied().flatten() {
                    Some(canned) => answer_with(connection, &canned),
                    // Keep it open, unanswered, until the test ends.
                    None => silent.push(connection),
                }
            }
        });
        Self { base, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads a request's head and body; returns its request line.
fn request_line(connection: &TcpStream) -> String {
    let mut reader = BufReader::new(connection);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    line.trim().to_owned()
}

fn answer_with(mut connection: TcpStream, canned: &Canned) {
    let answer = format!(
        "{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        canned.head,
        canned.body.len(),
        canned.body
    );
    connection.write_all(answer.as_bytes()).unwrap();
}

fn observed() -> (Arc<Mutex<Vec<Exchange>>>, impl Fn(&Exchange) + Send + Sync) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    (seen, move |exchange: &Exchange| {
        log.lock().unwrap().push(*exchange)
    })
}

#[tokio::test]
async fn a_read_answered_503_is_sent_again_after_retry_after() {
    let server = Scripted::start(vec![Some(UNAVAILABLE), Some(REGIONS)]);
    let (seen, observer) = observed();
    let client = Client::builder(&server.base)
        .retry(Retry::times(2))
        .observe(observer)
        .build()
        .unwrap();
    let started = Instant::now();
    let regions = client.list_regions().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(regions[0].cities[1], City::Boston);
    assert_eq!(server.requests(), ["GET /api/v1/regions HTTP/1.1"; 2]);
    let seen = seen.lock().unwrap();
    let attempts: Vec<_> = seen
        .iter()
        .map(|e| (e.operation.id, e.attempt, e.status))
        .collect();
    assert_eq!(
        attempts,
        [
            ("list_regions", 1, Some(503)),
            ("list_regions", 2, Some(200))
        ]
    );
}

#[tokio::test]
async fn without_retries_the_503_is_the_answer() {
    let server = Scripted::start(vec![Some(UNAVAILABLE), Some(REGIONS)]);
    let client = Client::new(&server.base).unwrap();
    let error = client.list_regions().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unavailable));
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn retries_stop_after_their_count() {
    let server = Scripted::start(vec![Some(UNAVAILABLE)]);
    let client = Client::builder(&server.base)
        .retry(Retry::times(1))
        .build()
        .unwrap();
    let error = client.list_regions().await.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unavailable));
    assert_eq!(server.requests().len(), 2, "the first try and one retry");
}

#[tokio::test]
async fn a_write_answered_503_unavailable_is_not_sent_twice() {
    // The ride may have started before the database failed: a second
    // request could start another.
    let server = Scripted::start(vec![Some(UNAVAILABLE), Some(REGIONS)]);
    let client = Client::builder(&server.base)
        .retry(Retry::times(3))
        .build()
        .unwrap();
    let error = client
        .start_ride(City::Boston, VehicleId::new())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unavailable));
    assert_eq!(server.requests(), ["POST /api/v1/rides HTTP/1.1"]);
}

#[tokio::test]
async fn a_server_that_does_not_answer_times_out() {
    let server = Scripted::start(vec![None]);
    let (seen, observer) = observed();
    let client = Client::builder(&server.base)
        .timeout(Duration::from_millis(300))
        .retry(Retry::times(3))
        .observe(observer)
        .build()
        .unwrap();
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(5), client.list_regions())
        .await
        .expect("the client's own timeout ends the call")
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        (Duration::from_millis(300)..Duration::from_secs(3)).contains(&elapsed),
        "{elapsed:?}"
    );
    assert_eq!(seen.lock().unwrap()[0].status, None, "no answer");
    assert_eq!(server.requests().len(), 1, "a timeout is not retried");
    // The live stream's opening is bounded by the same timeout.
    let opening = tokio::time::timeout(Duration::from_secs(5), client.vehicle_events(City::Boston))
        .await
        .expect("the client's own timeout ends the call")
        .unwrap_err();
    assert!(opening.is_timeout(), "{opening:?}");
}

#[tokio::test]
async fn an_answer_of_the_wrong_shape_is_a_decode_error() {
    let server = Scripted::start(vec![Some(Canned {
        head: "HTTP/1.1 200 OK\r\nContent-Type: text/html",
        body: "<h1>Welcome to nginx!</h1>",
    })]);
    let client = Client::new(&server.base).unwrap();
    let error = client.list_cities().await.unwrap_err();
    assert!(
        matches!(error, movr_client::Error::Decode { status: 200, .. }),
        "{error:?}"
    );
}
