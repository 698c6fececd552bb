//! The vehicle map's settings (see the README's configuration table).
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `MAP_TILES_URL` | `https://tile.openstreetmap.org/{z}/{x}/{y}.png` | the map's tile server, a URL template with `{z}`, `{x}` and `{y}` (and optionally `{s}` for subdomains); set but empty (or `off`): no base layer, markers on a plain background |
//! | `MAP_TILES_ATTRIBUTION` | OpenStreetMap's | the credit shown on the map for its tiles (HTML, e.g. a link to the tiles' licence) |

use url::Url;

use super::ConfigError;

/// OpenStreetMap's own tile server: fine for a demo and light use; a busy
/// deployment should run or rent its own (OSM's tile usage policy).
const OSM_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
/// The credit OpenStreetMap's licence asks for.
const OSM_ATTRIBUTION: &str =
    "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";

/// Where the vehicle map's tiles come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapTiles {
    /// The tile URL template; `None`: markers on a plain background.
    pub url: Option<String>,
    /// The credit shown for the tiles.
    pub attribution: String,
}

impl MapTiles {
    /// Reads `MAP_TILES_URL` and `MAP_TILES_ATTRIBUTION` through `lookup`
    /// (unfiltered: an empty `MAP_TILES_URL` means no tiles, not the default).
    pub(super) fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let url = match lookup("MAP_TILES_URL") {
            None => Some(OSM_TILES.to_owned()),
            Some(value) if value.trim().is_empty() || value.trim().eq_ignore_ascii_case("off") => {
                None
            }
            Some(value) => Some(check_template(value.trim())?),
        };
        let attribution = lookup("MAP_TILES_ATTRIBUTION")
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| OSM_ATTRIBUTION.to_owned());
        Ok(Self { url, attribution })
    }

    /// The tile server's origin as a Content-Security-Policy source
    /// (`https://tile.openstreetmap.org`, or `https://*.example.com` for a
    /// `{s}` subdomain template), for the pages' `img-src`.
    pub fn csp_source(&self) -> Option<String> {
        let url = self.url.as_deref()?;
        let parsed = Url::parse(&url.replace("{s}", "s")).ok()?;
        let host = parsed.host_str()?;
        let host = match url.contains("://{s}.") {
            true => format!("*{}", host.strip_prefix('s').unwrap_or(host)),
            false => host.to_owned(),
        };
        let port = parsed
            .port()
            .map(|port| format!(":{port}"))
            .unwrap_or_default();
        Some(format!("{}://{host}{port}", parsed.scheme()))
    }
}

/// An `http(s)` URL with the `{z}`, `{x}` and `{y}` placeholders.
fn check_template(value: &str) -> Result<String, ConfigError> {
    let invalid = |why: &str| {
        ConfigError::new(
            "MAP_TILES_URL",
            format!(
                "{why}; expected a URL template such as {OSM_TILES} (empty or off: no tiles), got {value:?}"
            ),
        )
    };
    let parsed = Url::parse(&value.replace("{s}", "s")).map_err(|_| invalid("not a URL"))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(invalid("not an http(s) URL"));
    }
    if ["{z}", "{x}", "{y}"]
        .iter()
        .any(|part| !value.contains(part))
    {
        return Err(invalid("it needs {z}, {x} and {y}"));
    }
    if value.contains(['"', '\'', ' ', ';']) {
        return Err(invalid("quotes, spaces and semicolons are not allowed"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    fn read(value: Option<&str>) -> Result<MapTiles, ConfigError> {
        MapTiles::from_lookup(|name| match name {
            "MAP_TILES_URL" => value.map(str::to_owned),
            _ => None,
        })
    }

    #[test]
    fn openstreetmap_by_default_and_nothing_when_empty() {
        let default = read(None).unwrap();
        assert_eq!(default.url.as_deref(), Some(OSM_TILES));
        assert_eq!(
            default.csp_source().as_deref(),
            Some("https://tile.openstreetmap.org")
        );
        assert!(default.attribution.contains("OpenStreetMap"));
        for off in ["", "  ", "off", "OFF"] {
            let tiles = read(Some(off)).unwrap();
            assert_eq!((tiles.csp_source(), tiles.url), (None, None));
        }
    }

    #[test]
    fn an_operators_tile_server_is_allowed_by_its_origin() {
        let own = read(Some("https://tiles.example.com:8443/osm/{z}/{x}/{y}.png")).unwrap();
        assert_eq!(
            own.csp_source().as_deref(),
            Some("https://tiles.example.com:8443")
        );
        let subdomains = read(Some("https://{s}.tile.example.org/{z}/{x}/{y}.png")).unwrap();
        assert_eq!(
            subdomains.csp_source().as_deref(),
            Some("https://*.tile.example.org")
        );
    }

    #[test]
    fn an_operator_credits_their_own_tiles() {
        let tiles = MapTiles::from_lookup(|name| match name {
            "MAP_TILES_URL" => Some("https://tiles.example.com/{z}/{x}/{y}.png".to_owned()),
            "MAP_TILES_ATTRIBUTION" => Some(" &copy; Example Maps ".to_owned()),
            _ => None,
        })
        .unwrap();
        assert_eq!(tiles.attribution, "&copy; Example Maps");
    }

    #[test]
    fn a_bad_template_names_the_variable_and_the_problem() {
        for (bad, why) in [
            ("tiles", "not a URL"),
            (
                "ftp://tiles.example.com/{z}/{x}/{y}.png",
                "not an http(s) URL",
            ),
            (
                "https://tiles.example.com/{z}/{x}.png",
                "it needs {z}, {x} and {y}",
            ),
            (
                "https://tiles.example.com/{z}/{x}/{y}.png'; script-src *",
                "quotes, spaces and semicolons are not allowed",
            ),
        ] {
            let error = read(Some(bad)).unwrap_err();
            assert_eq!(error.variable, "MAP_TILES_URL");
            assert!(error.problem.starts_with(why), "{bad}: {}", error.problem);
        }
    }
}
