//! Logging the benchmark's riders in with curl: a page session (cookies and
//! a CSRF token) and an API bearer token.

use super::{PASSWORD, curl};
use crate::api_fuzz::json_string;

/// A bearer token for `username`, from the JSON API's login.
pub(super) fn api_token(base: &str, username: &str) -> Result<String, String> {
    let login = format!(r#"{{"username":"{username}","password":"{PASSWORD}"}}"#);
    let body = curl(&[
        "-s",
        "-H",
        "Content-Type: application/json",
        "--data",
        &login,
        &format!("{base}/api/v1/tokens"),
    ])?;
    json_string(&body, "token").ok_or_else(|| format!("the API login of {username} failed: {body}"))
}

/// A logged-in rider: the cookies and a CSRF token valid with them.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) cookie: String,
    pub(super) csrf_token: String,
}

impl Session {
    pub(super) fn log_in(base: &str, username: &str) -> Result<Self, String> {
        let jar =
            std::env::temp_dir().join(format!("movr-bench-{}-{username}", std::process::id()));
        let jar = jar.to_string_lossy().into_owned();
        let page = curl(&["-s", "-c", &jar, "-b", &jar, &format!("{base}/login")])?;
        let login_token = csrf_token(&page).ok_or("no CSRF token on the login page")?;
        let form = format!(
            "username={username}&password={PASSWORD}&csrf_token={}",
            url_encode(&login_token)
        );
        let status = curl(&[
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-c",
            &jar,
            "-b",
            &jar,
            "--data",
            &form,
            &format!("{base}/login"),
        ])?;
        if status.trim() != "303" {
            return Err(format!("logging in {username} failed (HTTP {status})"));
        }
        let jar_text =
            std::fs::read_to_string(&jar).map_err(|e| format!("cannot read {jar}: {e}"))?;
        let _ = std::fs::remove_file(&jar);
        let cookie = jar_text
            .lines()
            .filter(|line| !line.starts_with('#') || line.starts_with("#HttpOnly_"))
            .filter_map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                (fields.len() == 7).then(|| format!("{}={}", fields[5], fields[6]))
            })
            .collect::<Vec<_>>()
            .join("; ");
        // A login replaces the session's CSRF token: take the new one.
        let page = curl(&[
            "-s",
            "-H",
            &format!("Cookie: {cookie}"),
            &format!("{base}/rides"),
        ])?;
        let csrf_token = csrf_token(&page).ok_or("no CSRF token after logging in")?;
        Ok(Self { cookie, csrf_token })
    }
}

fn csrf_token(page: &str) -> Option<String> {
    let start = page.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = page[start..].find('"')? + start;
    Some(
        page[start..end]
            .replace("&#x2F;", "/")
            .replace("&amp;", "&"),
    )
}

pub(super) fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
