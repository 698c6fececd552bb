//! The state file: the accounts `init` created (or found), the password
//! they share and each one's last API token, so reruns of `init` reuse them
//! and `run` resumes them without logging in again (a login costs the
//! server a password hash, which a load test should not measure).
//!
//! It holds a password and tokens: it is written readable by its owner only
//! (0600).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use movr_client::Token;
use movr_core::{City, UserId};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};

/// What one account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Browses and rides.
    Rider,
    /// Holds vehicles; adds and removes them in fleet sessions.
    Owner,
}

/// One account of the state file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its username.
    pub username: String,
    /// Its home city.
    pub city: City,
    /// Rider or owner.
    pub role: Role,
    /// Its id on the server.
    pub user_id: UserId,
    /// Its token from the last login, tried before logging in again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Token>,
}

impl Account {
    /// Its kept token, if it is still valid at `at` (by its own expiry; the
    /// server may still have revoked it).
    pub fn token_valid_at(&self, at: DateTime<Utc>) -> Option<&Token> {
        self.token.as_ref().filter(|token| token.expires_at > at)
    }
}

/// The state file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// The server `init` last ran against (a hint: any server of the same
    /// database knows the accounts).
    pub url: String,
    /// The password of every account.
    pub password: String,
    /// The accounts, by username.
    pub accounts: BTreeMap<String, Account>,
}

impl State {
    /// A new state with a fresh random password.
    pub fn new(url: &str) -> Self {
        let password: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        Self {
            url: url.to_owned(),
            password,
            accounts: BTreeMap::new(),
        }
    }

    /// Reads the state file at `path`.
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = fs::read_to_string(path).with_context(|| {
            format!(
                "cannot read the state file {} (run `movr-load init` first)",
                path.display()
            )
        })?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a movr-load state file", path.display()))
    }

    /// Reads the state file at `path`, or a new state when there is none.
    pub fn read_or_new(path: &Path, url: &str) -> anyhow::Result<Self> {
        if path.exists() {
            let mut state = Self::read(path)?;
            url.clone_into(&mut state.url);
            Ok(state)
        } else {
            Ok(Self::new(url))
        }
    }

    /// Writes the state to `path` (via a file beside it, renamed into
    /// place), readable by its owner only.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let json = serde_json::to_string_pretty(self)?;
        let temporary = path.with_extension("json.tmp");
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&temporary)
            .with_context(|| format!("cannot write {}", temporary.display()))?;
        file.write_all(json.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&temporary, path)
            .with_context(|| format!("cannot write the state file {}", path.display()))
    }

    /// The accounts with `role`, in username order, optionally only those
    /// of `cities`.
    pub fn accounts(&self, role: Role, cities: Option<&[City]>) -> Vec<&Account> {
        self.accounts
            .values()
            .filter(|account| account.role == role)
            .filter(|account| cities.is_none_or(|cities| cities.contains(&account.city)))
            .collect()
    }

    /// The cities the state has accounts in, in [`City::ALL`] order.
    pub fn cities(&self) -> Vec<City> {
        City::ALL
            .into_iter()
            .filter(|city| self.accounts.values().any(|a| a.city == *city))
            .collect()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut state = State::read_or_new(&path, "http://a").unwrap();
        assert_eq!(state.password.len(), 24);
        let account = Account {
            username: "load-rome-r1".into(),
            city: City::Rome,
            role: Role::Rider,
            user_id: UserId::new(),
            token: Some(Token {
                token: "secret".into(),
                expires_at: Utc::now() + chrono::TimeDelta::days(1),
            }),
        };
        state.accounts.insert(account.username.clone(), account);
        state.write(&path).unwrap();
        let again = State::read_or_new(&path, "http://b").unwrap();
        assert_eq!(again.password, state.password, "a rerun keeps the password");
        assert_eq!(again.accounts, state.accounts);
        assert_eq!(again.url, "http://b");
        assert_eq!(again.cities(), [City::Rome]);
        assert_eq!(again.accounts(Role::Owner, None).len(), 0);
        assert_eq!(again.accounts(Role::Rider, Some(&[City::Paris])).len(), 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_expired_token_is_not_offered() {
        let now = Utc::now();
        let mut account = Account {
            username: "load-rome-r1".into(),
            city: City::Rome,
            role: Role::Rider,
            user_id: UserId::new(),
            token: None,
        };
        assert!(account.token_valid_at(now).is_none());
        account.token = Some(Token {
            token: "secret".into(),
            expires_at: now,
        });
        assert!(account.token_valid_at(now).is_none(), "expired");
        assert!(
            account
                .token_valid_at(now - chrono::TimeDelta::seconds(1))
                .is_some()
        );
    }

    #[test]
    fn a_state_file_without_tokens_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let id = UserId::new();
        let old = format!(
            r#"{{"url":"http://a","password":"p","accounts":{{"r1":{{"username":"r1","city":"rome","role":"rider","user_id":"{id}"}}}}}}"#
        );
        fs::write(&path, old).unwrap();
        let state = State::read(&path).unwrap();
        assert_eq!(state.accounts["r1"].token, None);
    }

    #[test]
    fn a_missing_file_says_to_run_init() {
        let error = State::read(Path::new("/nonexistent/movr-load.json")).unwrap_err();
        assert!(format!("{error:#}").contains("movr-load init"), "{error:#}");
    }
}
