//! Static assets (CSS, scripts, icons, Leaflet), compiled into the binary and served under
//! `/static/` with long-lived caching: pages work offline, no CDN.

use poem::http::{StatusCode, header};
use poem::web::Path;
use poem::{Response, handler};

/// (path under /static/, content type, bytes)
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "movr.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../templates/static/movr.css"),
    ),
    (
        "movr.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/movr.js"),
    ),
    (
        "live.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/live.js"),
    ),
    (
        "ride.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/ride.js"),
    ),
    (
        "map.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../templates/static/map.css"),
    ),
    (
        "map.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/map.js"),
    ),
    // Leaflet 1.9.4 (BSD-2-Clause), as published on npm; see its README.
    (
        "vendor/leaflet/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../templates/static/vendor/leaflet/leaflet.js"),
    ),
    (
        "vendor/leaflet/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../templates/static/vendor/leaflet/leaflet.css"),
    ),
    (
        "vendor/leaflet/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../../../templates/static/vendor/leaflet/LICENSE"),
    ),
    (
        "icons/bike.svg",
        "image/svg+xml",
        include_bytes!("../../../templates/static/icons/bike.svg"),
    ),
    (
        "icons/scooter.svg",
        "image/svg+xml",
        include_bytes!("../../../templates/static/icons/scooter.svg"),
    ),
    (
        "icons/skateboard.svg",
        "image/svg+xml",
        include_bytes!("../../../templates/static/icons/skateboard.svg"),
    ),
    (
        "icons/logo.svg",
        "image/svg+xml",
        include_bytes!("../../../templates/static/icons/logo.svg"),
    ),
];

/// `GET /static/*path`
#[handler]
pub async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, bytes)) => Response::builder()
            .header(header::CONTENT_TYPE, *content_type)
            .header(header::CACHE_CONTROL, "public, max-age=3600")
            .header("x-content-type-options", "nosniff")
            .body(*bytes),
        None => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body("no such asset"),
    }
}
