//! The SQLSTATE of the server's errors, read off the wire.
//!
//! diesel's `DatabaseErrorInformation` has no accessor for the SQLSTATE
//! (diesel-rs/diesel#4290, #5232) and diesel-async keeps only eight codes
//! as `DatabaseErrorKind`s, so every other failure — a deadlock, a
//! statement timeout, an ambiguous commit, a server shutting down — would
//! be known only by its message, which PostgreSQL and CockroachDB word
//! differently. So each connection's socket is wrapped in a [`Sniffer`]
//! that watches the backend messages go by and keeps the last
//! `ErrorResponse`'s code and message in the connection's
//! [`LastServerError`]. The transaction runner makes that slot the current
//! one while an attempt runs ([`scope`]), and `DbError`'s conversion takes
//! the code from it ([`code_for`]) when the message is the one diesel
//! reports, so a stale entry is never used for another error.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsStream};

/// The longest `ErrorResponse` kept (longer ones are skipped: ours are a
/// few hundred bytes).
const MAX_ERROR_RESPONSE: usize = 64 * 1024;

/// An error the server sent: its SQLSTATE and primary message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The five-character SQLSTATE, e.g. `40001`.
    pub code: String,
    /// The primary message, as diesel reports it.
    pub message: String,
}

impl ServerError {
    /// Parses the body of an `ErrorResponse` (or `NoticeResponse`): fields of
    /// a type byte and a NUL-terminated string, ended by a NUL byte.
    fn parse(body: &[u8]) -> Option<Self> {
        let mut code = None;
        let mut message = None;
        let mut rest = body;
        while let Some((&kind, tail)) = rest.split_first() {
            if kind == 0 {
                break;
            }
            let end = tail.iter().position(|&b| b == 0)?;
            let value = String::from_utf8_lossy(&tail[..end]).into_owned();
            match kind {
                b'C' => code = Some(value),
                b'M' => message = Some(value),
                _ => {}
            }
            rest = &tail[end + 1..];
        }
        Some(Self {
            code: code?,
            message: message.unwrap_or_default(),
        })
    }
}

/// The last error the server sent on one connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct LastServerError(Arc<Mutex<Option<ServerError>>>);

impl LastServerError {
    fn set(&self, error: ServerError) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
    }

    fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }

    /// The code of the last error (for counting failures by class).
    pub(crate) fn code(&self) -> Option<String> {
        let last = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        last.as_ref().map(|error| error.code.clone())
    }

    /// The code of the last error if its message is `message`.
    fn code_if(&self, message: &str) -> Option<String> {
        let last = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        last.as_ref()
            .filter(|error| error.message == message)
            .map(|error| error.code.clone())
    }
}

tokio::task_local! {
    static CURRENT: LastServerError;
}

/// Runs `future` (one attempt on one connection) with that connection's
/// error slot as the current one, cleared first.
pub(crate) async fn scope<F: Future>(slot: &LastServerError, future: F) -> F::Output {
    slot.clear();
    CURRENT.scope(slot.clone(), future).await
}

/// The SQLSTATE the server sent with `message` on the connection of the
/// current attempt, if any (`None` outside [`scope`], or when the
/// connection failed without an `ErrorResponse`).
pub(crate) fn code_for(message: &str) -> Option<String> {
    CURRENT
        .try_with(|slot| slot.code_if(message))
        .ok()
        .flatten()
}

/// Where the reader is in the stream of backend messages.
#[derive(Debug)]
enum ReadState {
    /// The one-byte answer to an `SSLRequest` comes first.
    SslAnswer,
    /// Reading a message's type byte and length.
    Header { bytes: [u8; 5], filled: usize },
    /// Inside a message body; an `ErrorResponse` is kept.
    Body {
        remaining: usize,
        kept: Option<Vec<u8>>,
    },
}

/// A stream that passes everything through and records the server's
/// `ErrorResponse`s in a [`LastServerError`].
#[derive(Debug)]
pub(crate) struct Sniffer<S> {
    inner: S,
    state: ReadState,
    last_error: LastServerError,
}

impl<S> Sniffer<S> {
    /// Watches `inner` from its first byte; `ssl_answer_first` when an
    /// `SSLRequest` will be sent on it (its answer is not a message).
    pub(crate) fn new(inner: S, ssl_answer_first: bool, last_error: LastServerError) -> Self {
        let state = if ssl_answer_first {
            ReadState::SslAnswer
        } else {
            ReadState::Header {
                bytes: [0; 5],
                filled: 0,
            }
        };
        Self {
            inner,
            state,
            last_error,
        }
    }

    /// The stream and the slot, to go on behind TLS.
    pub(crate) fn into_parts(self) -> (S, LastServerError) {
        (self.inner, self.last_error)
    }

    fn observe(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            match &mut self.state {
                ReadState::SslAnswer => {
                    data = &data[1..];
                    self.state = ReadState::Header {
                        bytes: [0; 5],
                        filled: 0,
                    };
                }
                ReadState::Header { bytes, filled } => {
                    let take = (bytes.len() - *filled).min(data.len());
                    bytes[*filled..*filled + take].copy_from_slice(&data[..take]);
                    *filled += take;
                    data = &data[take..];
                    if *filled == bytes.len() {
                        let length = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
                        let remaining = usize::try_from(length)
                            .unwrap_or(usize::MAX)
                            .saturating_sub(4);
                        let kept = (bytes[0] == b'E' && remaining <= MAX_ERROR_RESPONSE)
                            .then(|| Vec::with_capacity(remaining));
                        self.state = ReadState::Body { remaining, kept };
                        self.finish_body_if_done();
                    }
                }
                ReadState::Body { remaining, kept } => {
                    let take = (*remaining).min(data.len());
                    if let Some(kept) = kept {
                        kept.extend_from_slice(&data[..take]);
                    }
                    *remaining -= take;
                    data = &data[take..];
                    self.finish_body_if_done();
                }
            }
        }
    }

    fn finish_body_if_done(&mut self) {
        if let ReadState::Body { remaining: 0, kept } = &mut self.state {
            if let Some(error) = kept.take().as_deref().and_then(ServerError::parse) {
                self.last_error.set(error);
            }
            self.state = ReadState::Header {
                bytes: [0; 5],
                filled: 0,
            };
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Sniffer<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = result {
            let this = &mut *self;
            this.observe(&buf.filled()[before..]);
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Sniffer<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl<S: TlsStream + Unpin> TlsStream for Sniffer<S> {
    fn channel_binding(&self) -> ChannelBinding {
        self.inner.channel_binding()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A backend message: type, length (counting itself), body.
    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![kind];
        let length = u32::try_from(body.len() + 4).expect("a short message");
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    fn error_body(code: &str, message: &str) -> Vec<u8> {
        let mut body = Vec::new();
        for (kind, value) in [
            (b'S', "ERROR"),
            (b'V', "ERROR"),
            (b'C', code),
            (b'M', message),
        ] {
            body.push(kind);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        body
    }

    fn sniffer(ssl_answer_first: bool) -> (Sniffer<()>, LastServerError) {
        let slot = LastServerError::default();
        (Sniffer::new((), ssl_answer_first, slot.clone()), slot)
    }

    #[test]
    fn an_error_response_is_recorded_whatever_the_read_boundaries() {
        let mut wire = message(b'1', b"");
        wire.extend(message(
            b'D',
            b"\x00\x01\x00\x00\x00\x05E\x00\x00\x00\x00", // a data row that looks like an error
        ));
        wire.extend(message(
            b'E',
            &error_body("57014", "query execution canceled due to statement timeout"),
        ));
        wire.extend(message(b'Z', b"I"));
        for chunk in [1, 2, 3, 7, wire.len()] {
            let (mut sniffer, slot) = sniffer(false);
            for piece in wire.chunks(chunk) {
                sniffer.observe(piece);
            }
            assert_eq!(
                slot.code_if("query execution canceled due to statement timeout"),
                Some("57014".to_owned()),
                "chunks of {chunk}"
            );
            assert!(matches!(sniffer.state, ReadState::Header { filled: 0, .. }));
        }
    }

    #[test]
    fn the_answer_to_an_ssl_request_is_not_a_message() {
        let (mut sniffer, slot) = sniffer(true);
        let mut wire = vec![b'N'];
        wire.extend(message(
            b'E',
            &error_body("28P01", "password authentication failed for user \"movr\""),
        ));
        sniffer.observe(&wire);
        assert_eq!(
            slot.code_if("password authentication failed for user \"movr\""),
            Some("28P01".to_owned())
        );
    }

    #[test]
    fn a_code_is_given_only_for_its_own_message() {
        let slot = LastServerError::default();
        slot.set(ServerError {
            code: "23505".to_owned(),
            message: "duplicate key value violates unique constraint \"usernames_pkey\"".to_owned(),
        });
        assert_eq!(slot.code_if("connection closed"), None);
        slot.clear();
        assert_eq!(
            slot.code_if("duplicate key value violates unique constraint \"usernames_pkey\""),
            None
        );
    }

    #[tokio::test]
    async fn the_code_is_found_only_inside_the_attempts_scope() {
        let slot = LastServerError::default();
        let message = "result is ambiguous (error=rpc error: code = Unavailable desc = transport is closing [exhausted])";
        let inside = scope(&slot, async {
            slot.set(ServerError {
                code: "40003".to_owned(),
                message: message.to_owned(),
            });
            code_for(message)
        })
        .await;
        assert_eq!(inside, Some("40003".to_owned()));
        assert_eq!(code_for(message), None);
    }

    #[test]
    fn fields_parse_and_a_response_without_a_code_is_ignored() {
        assert_eq!(
            ServerError::parse(&error_body("40P01", "deadlock detected")),
            Some(ServerError {
                code: "40P01".to_owned(),
                message: "deadlock detected".to_owned()
            })
        );
        assert_eq!(ServerError::parse(b"Mno code\0\0"), None);
        assert_eq!(ServerError::parse(b"Cunterminated"), None);
    }
}
