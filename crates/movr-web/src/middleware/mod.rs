//! Cross-cutting HTTP concerns, one middleware a file, applied in
//! [`crate::app()`] only.

pub mod body_timeout;
pub mod client_addr;
pub mod https_redirect;
pub mod metrics;
pub mod security_headers;
pub mod server_timing;

pub use body_timeout::BodyTimeout;
pub use client_addr::{ClientAddr, ClientAddrs};
pub use https_redirect::HttpsRedirect;
pub use metrics::{CountedRoute, HttpMetrics, keep_route};
pub use security_headers::SecurityHeaders;
pub use server_timing::ServerTiming;
