//! [`Client`] and its [`ClientBuilder`]: the connection pool, the base URL,
//! the token, timeouts, retries, and how one operation is sent.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Response, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Error};
use crate::model::Token;
use crate::operation::Operation;
use crate::retry::Retry;

/// A client for one MovR deployment's `/api/v1`.
///
/// Cheap to clone (the connection pool and settings are shared), `Send` and
/// `Sync`: clone it into as many tasks as needed. A clone made by
/// [`Client::log_in`] or [`Client::with_token`] carries a bearer token and
/// sends it with every operation that needs one; the others stay
/// anonymous.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    token: Option<Arc<Token>>,
}

/// What every clone of a client shares.
struct Shared {
    http: reqwest::Client,
    /// `…/api/v1`
    base: Url,
    timeout: Duration,
    stream_idle_timeout: Duration,
    retry: Retry,
    observer: Option<Observer>,
}

/// Called after every HTTP exchange (every attempt, retries included).
type Observer = Arc<dyn Fn(&Exchange) + Send + Sync>;

/// One HTTP exchange, as a [`ClientBuilder::observe`] callback sees it: for
/// counting answers and timing requests, e.g. in a load generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    /// The operation.
    pub operation: Operation,
    /// 1 for the first attempt, 2 for the first retry, …
    pub attempt: u32,
    /// The answer's status; `None` when there was none (timeout, broken
    /// connection).
    pub status: Option<u16>,
    /// From sending the request to having read the whole answer (for the
    /// live event stream: to its headers).
    pub elapsed: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.shared.base.as_str())
            .field("token", &self.token)
            .field("timeout", &self.shared.timeout)
            .field("retry", &self.shared.retry)
            .finish_non_exhaustive()
    }
}

/// Settings for a [`Client`]; from [`Client::builder`].
pub struct ClientBuilder {
    base: String,
    connect_timeout: Duration,
    timeout: Duration,
    stream_idle_timeout: Duration,
    retry: Retry,
    observer: Option<Observer>,
    user_agent: String,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base", &self.base)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("retry", &self.retry)
            .field("observer", &self.observer.is_some())
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

impl ClientBuilder {
    /// How long to wait for a connection (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt of an operation may take, from sending it to
    /// having read the whole answer (default 30 s). Waits between retries
    /// come on top. For the live event stream it bounds the wait for the
    /// stream to open, not the stream.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a live event stream may send nothing at all before it is
    /// given up as dead (default 45 s: the server sends a heartbeat every
    /// 15 s).
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = timeout;
        self
    }

    /// When to send a refused request again (default [`Retry::off`]; see
    /// [`Retry`] for which requests may be).
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Calls `observer` after every HTTP exchange, retries included, with
    /// its operation, status and duration.
    pub fn observe(mut self, observer: impl Fn(&Exchange) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The `User-Agent` sent (default `movr-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        let mut base = Url::parse(&self.base)
            .map_err(|error| Error::Config(format!("base URL {:?}: {error}", self.base)))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(Error::Config(format!(
                "base URL {:?}: not an http or https URL",
                self.base
            )));
        }
        base.set_query(None);
        base.set_fragment(None);
        base.path_segments_mut()
            .map_err(|()| Error::Config(format!("base URL {:?}: cannot hold a path", self.base)))?
            .pop_if_empty()
            .extend(["api", "v1"]);
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|error| Error::Config(format!("HTTP client: {error}")))?;
        Ok(Client {
            shared: Arc::new(Shared {
                http,
                base,
                timeout: self.timeout,
                stream_idle_timeout: self.stream_idle_timeout,
                retry: self.retry,
                observer: self.observer,
            }),
            token: None,
        })
    }
}

/// A request body, serialized once (a retry sends the same bytes).
pub(crate) type Body = Option<Vec<u8>>;

/// Serializes a request body.
pub(crate) fn json_body(body: &impl Serialize) -> Body {
    // The client's own bodies are plain structs: they always serialize.
    serde_json::to_vec(body).ok()
}

/// What a successful attempt brought back.
enum Answer {
    /// The whole body.
    Read(u16, Vec<u8>),
    /// The response, its body unread (the live event stream).
    Open(Response),
}

impl Client {
    /// A client with default settings for the MovR server at `base_url`
    /// (e.g. `https://movr.example.com`; the API is under its `/api/v1`).
    pub fn new(base_url: &str) -> Result<Self, Error> {
        Self::builder(base_url).build()
    }

    /// Settings for a client of the MovR server at `base_url`.
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder {
            base: base_url.to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            stream_idle_timeout: Duration::from_secs(45),
            retry: Retry::off(),
            observer: None,
            user_agent: concat!("movr-client/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// A clone that sends `token` (one kept from an earlier
    /// [`Client::log_in`]); it shares this client's connections.
    pub fn with_token(&self, token: Token) -> Self {
        Self {
            shared: self.shared.clone(),
            token: Some(Arc::new(token)),
        }
    }

    /// A clone without a token, sharing this client's connections.
    pub fn anonymous(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            token: None,
        }
    }

    /// The token this client sends, if any.
    pub fn token(&self) -> Option<&Token> {
        self.token.as_deref()
    }

    /// The API's base URL (ending in `/api/v1`).
    pub fn base_url(&self) -> &Url {
        &self.shared.base
    }

    /// Sends `operation` and reads its answer as `T`.
    pub(crate) async fn call<T: DeserializeOwned>(
        &self,
        operation: &Operation,
        params: &[&str],
        query: &[(&str, String)],
        body: Body,
    ) -> Result<T, Error> {
        let (status, bytes) = match self.perform(operation, params, query, body, false).await? {
            Answer::Read(status, bytes) => (status, bytes),
            Answer::Open(response) => (
                response.status().as_u16(),
                response
                    .bytes()
                    .await
                    .map_err(Error::from_reqwest)?
                    .to_vec(),
            ),
        };
        serde_json::from_slice(&bytes).map_err(|source| Error::Decode { status, source })
    }

    /// Sends `operation`, whose answer has no body (`204`).
    pub(crate) async fn call_done(
        &self,
        operation: &Operation,
        params: &[&str],
        body: Body,
    ) -> Result<(), Error> {
        self.perform(operation, params, &[], body, false).await?;
        Ok(())
    }

    /// Opens `operation`'s event stream: the response, its body unread.
    pub(crate) async fn open_stream(
        &self,
        operation: &Operation,
        params: &[&str],
    ) -> Result<Response, Error> {
        match self.perform(operation, params, &[], None, true).await? {
            Answer::Open(response) => Ok(response),
            // `perform` reads a body only when asked to, or to read a refusal.
            Answer::Read(..) => unreachable!("a stream's answer is left unread"),
        }
    }

    /// The stream's idle timeout.
    pub(crate) fn stream_idle_timeout(&self) -> Duration {
        self.shared.stream_idle_timeout
    }

    /// Sends `operation` until it succeeds, fails for good, or the retry
    /// policy gives up; tells the observer about every attempt.
    async fn perform(
        &self,
        operation: &Operation,
        params: &[&str],
        query: &[(&str, String)],
        body: Body,
        stream: bool,
    ) -> Result<Answer, Error> {
        let mut url = self.shared.base.clone();
        url.path_segments_mut()
            .map_err(|()| Error::Config("the base URL cannot hold a path".into()))?
            .extend(operation.segments(params));
        for (name, value) in query {
            url.query_pairs_mut().append_pair(name, value);
        }
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let result = self.attempt(operation, &url, &body, stream).await;
            if let Some(observer) = &self.shared.observer {
                observer(&Exchange {
                    operation: *operation,
                    attempt,
                    status: match &result {
                        Ok(Ok(Answer::Read(status, _))) => Some(*status),
                        Ok(Ok(Answer::Open(response))) => Some(response.status().as_u16()),
                        Ok(Err(refusal)) => Some(refusal.status),
                        Err(_) => None,
                    },
                    elapsed: started.elapsed(),
                });
            }
            let refusal = match result? {
                Ok(answer) => return Ok(answer),
                Err(refusal) => refusal,
            };
            match self.shared.retry.wait(operation, &refusal, attempt - 1) {
                Some(wait) => {
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => return Err(Error::Api(Box::new(refusal))),
            }
        }
    }

    /// One attempt: the answer, MovR's refusal, or no answer.
    async fn attempt(
        &self,
        operation: &Operation,
        url: &Url,
        body: &Body,
        stream: bool,
    ) -> Result<Result<Answer, ApiError>, Error> {
        let method = Method::from_bytes(operation.method.as_bytes())
            .map_err(|error| Error::Config(format!("{}: {error}", operation.id)))?;
        let mut request = self.shared.http.request(method, url.clone());
        if operation.authenticated
            && let Some(token) = &self.token
        {
            request = request.bearer_auth(&token.token);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let timeout = self.shared.timeout;
        if stream {
            let request = request.header(ACCEPT, "text/event-stream").send();
            let response = tokio::time::timeout(timeout, request)
                .await
                .map_err(|_| Error::Timeout(None))?
                .map_err(Error::from_reqwest)?;
            if response.status().is_success() {
                return Ok(Ok(Answer::Open(response)));
            }
            let read = tokio::time::timeout(timeout, read(response));
            return read.await.map_err(|_| Error::Timeout(None))?;
        }
        let response = request
            .timeout(timeout)
            .send()
            .await
            .map_err(Error::from_reqwest)?;
        read(response).await
    }
}

/// Reads a whole answer: its body on success, MovR's refusal otherwise.
async fn read(response: Response) -> Result<Result<Answer, ApiError>, Error> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.map_err(Error::from_reqwest)?;
    if (200..300).contains(&status) {
        Ok(Ok(Answer::Read(status, bytes.to_vec())))
    } else {
        Ok(Err(ApiError::from_answer(status, &headers, &bytes)))
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    #[test]
    fn the_api_is_under_the_base_urls_path() {
        let url = |base: &str| Client::new(base).unwrap().base_url().to_string();
        assert_eq!(url("http://127.0.0.1:8080"), "http://127.0.0.1:8080/api/v1");
        assert_eq!(
            url("https://movr.example.com/"),
            "https://movr.example.com/api/v1"
        );
        assert_eq!(
            url("https://example.com/movr/?x=1#top"),
            "https://example.com/movr/api/v1"
        );
        for bad in [
            "movr.example.com",
            "ftp://example.com",
            "mailto:x@example.com",
        ] {
            assert!(matches!(Client::new(bad), Err(Error::Config(_))), "{bad}");
        }
    }

    #[test]
    fn clones_share_the_pool_but_not_the_token() {
        let client = Client::new("http://127.0.0.1:1").unwrap();
        let token = Token {
            token: "secret".into(),
            expires_at: chrono::Utc::now(),
        };
        let signed_in = client.with_token(token);
        assert!(client.token().is_none());
        assert_eq!(signed_in.token().map(|t| t.token.as_str()), Some("secret"));
        assert!(Arc::ptr_eq(&client.shared, &signed_in.shared));
        assert!(signed_in.anonymous().token().is_none());
        assert!(!format!("{signed_in:?}").contains("secret"));
    }
}
