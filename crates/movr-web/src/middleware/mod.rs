//! Cross-cutting HTTP concerns, one middleware a file, applied in
//! [`crate::app()`] only.

pub mod security_headers;

pub use security_headers::SecurityHeaders;
