//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB,
//! 2 passes, 1 lane — OWASP's recommended floor), off the async threads.

use std::sync::Arc;

use tokio::sync::Semaphore;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::ServiceError;

/// Hashes passwords and checks them in constant time.
#[derive(Debug, Clone)]
pub(crate) struct Passwords {
    /// Verified against when the username is unknown, so that an unknown
    /// user costs the same time as a wrong password (no user enumeration).
    dummy_hash: Arc<str>,
    /// One hash at a time per core: each takes 19 MiB, so a flood of logins
    /// queues instead of exhausting memory and the blocking thread pool.
    permits: Arc<Semaphore>,
}

impl Passwords {
    pub(crate) fn new() -> Self {
        let dummy_hash = hash_blocking("not a real password").unwrap_or_default();
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            dummy_hash: dummy_hash.into(),
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    /// A PHC string for `password`, with a fresh random salt.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let password = password.to_owned();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))?
            .map_err(|e| ServiceError::Internal(e.to_string().into()))
    }

    /// Whether `password` matches `stored` (a PHC string). `None` checks
    /// against a dummy hash and returns `false`, taking the same time.
    /// A stored value that is not a PHC string (a locked account) never
    /// matches.
    pub(crate) async fn verify(&self, password: &str, stored: Option<String>) -> bool {
        let password = password.to_owned();
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash.to_string());
        let dummy = self.dummy_hash.clone();
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        tokio::task::spawn_blocking(move || {
            let matches = match PasswordHash::new(&stored) {
                Ok(hash) => Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok(),
                Err(_) => {
                    // Locked account: spend the time anyway.
                    if let Ok(hash) = PasswordHash::new(&dummy) {
                        let _ = Argon2::default().verify_password(password.as_bytes(), &hash);
                    }
                    false
                }
            };
            known && matches
        })
        .await
        .unwrap_or(false)
    }
}

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let passwords = Passwords::new();
        let hash = passwords.hash("correct horse").await.expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(passwords.verify("correct horse", Some(hash.clone())).await);
        assert!(!passwords.verify("wrong horse", Some(hash)).await);
    }

    #[tokio::test]
    async fn salts_differ_between_hashes() {
        let passwords = Passwords::new();
        let a = passwords.hash("same password").await.expect("hash");
        let b = passwords.hash("same password").await.expect("hash");
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn unknown_users_and_locked_accounts_never_match() {
        let passwords = Passwords::new();
        assert!(!passwords.verify("not a real password", None).await);
        assert!(!passwords.verify("anything", Some("!".to_owned())).await);
    }
}
