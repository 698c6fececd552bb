//! A deadline for each request's body: it must arrive within the
//! `BODY_READ_TIMEOUT` of the end of its head, however it trickles in.
//! Past the deadline, reading the body fails with
//! [`io::ErrorKind::TimedOut`], which the form and API readers answer
//! with `408 Request Timeout`.

use std::io;
use std::time::Duration;

use futures_util::StreamExt;
use poem::http::Method;
use poem::{Body, Endpoint, Middleware, Request, Result};
use tokio::time::Instant;

/// The body-deadline middleware.
#[derive(Debug, Clone, Copy)]
pub struct BodyTimeout {
    timeout: Duration,
}

impl BodyTimeout {
    /// Bodies must arrive within `timeout`.
    pub fn new(timeout: Duration) -> Self {
        Self { timeout }
    }
}

impl<E: Endpoint> Middleware<E> for BodyTimeout {
    type Output = BodyTimeoutEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyTimeoutEndpoint {
            inner,
            timeout: self.timeout,
        }
    }
}

/// [`BodyTimeout`] around an endpoint.
#[derive(Debug)]
pub struct BodyTimeoutEndpoint<E> {
    inner: E,
    timeout: Duration,
}

impl<E: Endpoint> Endpoint for BodyTimeoutEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> Result<Self::Output> {
        // Reads carry no body worth waiting for.
        if !matches!(*req.method(), Method::GET | Method::HEAD) {
            let deadline = Instant::now() + self.timeout;
            let body = req.take_body().into_bytes_stream();
            let timed = futures_util::stream::unfold(Some(body), move |body| async move {
                let mut body = body?;
                match tokio::time::timeout_at(deadline, body.next()).await {
                    Ok(Some(chunk)) => Some((chunk, Some(body))),
                    Ok(None) => None,
                    // One error, then the end.
                    Err(_) => Some((
                        Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the request body did not arrive in time",
                        )),
                        None,
                    )),
                }
            });
            req.set_body(Body::from_bytes_stream(timed));
        }
        self.inner.call(req).await
    }
}

/// Whether reading a body failed because it came too slowly.
pub fn timed_out(error: &poem::error::ReadBodyError) -> bool {
    matches!(error, poem::error::ReadBodyError::Io(error) if error.kind() == io::ErrorKind::TimedOut)
}
