//! `EventReader`: reads a `text/event-stream` response block by block, as
//! an `EventSource` would (fields `event`, `data`, `id`, `retry`; comment
//! lines), with a deadline on every wait so a test fails rather than hangs.

use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;

/// How long a test waits for the next block before failing.
pub const EVENT_DEADLINE: Duration = Duration::from_secs(15);

/// One block of a stream (the lines up to a blank line).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block {
    /// The `event` field.
    pub event: Option<String>,
    /// The `data` field (several `data` lines joined by `\n`).
    pub data: Option<String>,
    /// The `id` field.
    pub id: Option<String>,
    /// The `retry` field, in ms.
    pub retry: Option<u64>,
    /// How many comment lines (`:…`) the block had.
    pub comments: usize,
}

impl Block {
    /// The data as JSON (panics when there is none or it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        let data = self
            .data
            .as_deref()
            .unwrap_or_else(|| panic!("no data: {self:?}"));
        serde_json::from_str(data).unwrap_or_else(|e| panic!("data is not JSON ({e}): {data}"))
    }
}

/// What ended a wait for a block.
#[derive(Debug)]
pub enum Ending {
    /// The response ended cleanly.
    End,
    /// Reading the body failed (e.g. the connection was cut).
    Failed(String),
    /// Nothing came within the deadline.
    TimedOut,
}

/// Reads the blocks of an event stream.
pub struct EventReader {
    body: BoxStream<'static, reqwest::Result<Vec<u8>>>,
    buffer: Vec<u8>,
}

impl std::fmt::Debug for EventReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventReader").finish_non_exhaustive()
    }
}

impl EventReader {
    /// Reads `response`'s body (which must be an event stream).
    pub fn new(response: reqwest::Response) -> Self {
        Self {
            body: response
                .bytes_stream()
                .map(|chunk| chunk.map(|bytes| bytes.to_vec()))
                .boxed(),
            buffer: Vec::new(),
        }
    }

    /// The next block, or what ended the stream, waiting at most `within`.
    pub async fn next_block_within(&mut self, within: Duration) -> Result<Block, Ending> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = find(&self.buffer, b"\n\n") {
                let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
                return Ok(parse(&String::from_utf8_lossy(&block)));
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return Err(Ending::TimedOut),
                Ok(None) => return Err(Ending::End),
                Ok(Some(Err(error))) => return Err(Ending::Failed(error.to_string())),
                Ok(Some(Ok(bytes))) => self.buffer.extend_from_slice(&bytes),
            }
        }
    }

    /// The next block, within [`EVENT_DEADLINE`] (panics otherwise).
    pub async fn next_block(&mut self) -> Block {
        match self.next_block_within(EVENT_DEADLINE).await {
            Ok(block) => block,
            Err(ending) => panic!("no next block: {ending:?}"),
        }
    }

    /// The next block that is an event (`event` or `data`), skipping
    /// keep-alive comments and `retry` fields, within [`EVENT_DEADLINE`].
    pub async fn next_event(&mut self) -> Block {
        loop {
            let block = self.next_block().await;
            if block.event.is_some() || block.data.is_some() {
                return block;
            }
        }
    }

    /// Reads on until the stream ends, within `within`: how it ended.
    pub async fn until_end(&mut self, within: Duration) -> Ending {
        loop {
            if let Err(ending) = self.next_block_within(within).await {
                return ending;
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn parse(text: &str) -> Block {
    let mut block = Block::default();
    for line in text.lines().filter(|line| !line.is_empty()) {
        if line.starts_with(':') {
            block.comments += 1;
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value).to_owned();
        match field {
            "event" => block.event = Some(value),
            "id" => block.id = Some(value),
            "retry" => block.retry = value.parse().ok(),
            "data" => {
                block.data = Some(match block.data.take() {
                    Some(data) => format!("{data}\n{value}"),
                    None => value,
                });
            }
            _ => {}
        }
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_comments() {
        let block = parse("id: 3\nevent: change\ndata: {\"a\":\ndata: 1}\n\n");
        assert_eq!(block.id.as_deref(), Some("3"));
        assert_eq!(block.event.as_deref(), Some("change"));
        assert_eq!(block.data.as_deref(), Some("{\"a\":\n1}"));
        assert_eq!(parse("retry: 2500\n\n").retry, Some(2500));
        assert_eq!(parse(":\n\n").comments, 1);
    }
}
