//! Cross-cutting HTTP concerns, one middleware a file, applied in
//! [`crate::app()`] only.

pub mod client_addr;
pub mod security_headers;

pub use client_addr::{ClientAddr, ClientAddrs};
pub use security_headers::SecurityHeaders;
