//! Password hashing with argon2id (the `argon2` crate's defaults: 19 MiB,
//! 2 passes, 1 lane — OWASP's recommended floor), off the async threads.

use std::sync::Arc;

use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::ServiceError;

/// What an unknown username is checked against, so that it costs the same
/// time as a wrong password (no user enumeration): the hash of a random
/// password nobody knows, with the same parameters as every real hash
/// (a test keeps them in step with `Argon2::default()`).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$64J9QlW+DwfppvNYJgKyLw$oVtvE8pe2T4ayWU1c61lc3dkcHiFPKwNCMAQ+EkDxUM";

/// How long a login or registration waits for a free hashing slot before
/// the service answers that it is busy.
const HASH_QUEUE_WAIT: Duration = Duration::from_secs(5);

/// Hashes passwords and checks them in constant time.
#[derive(Debug, Clone)]
pub(crate) struct Passwords {
    /// One hash at a time per core: each takes 19 MiB, so a flood of logins
    /// queues instead of exhausting memory and the blocking thread pool.
    permits: Arc<Semaphore>,
}

impl Passwords {
    pub(crate) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
        }
    }

    /// A hashing slot. The permit moves into the blocking task, so a client
    /// that disconnects does not free the slot while its hash still runs.
    async fn permit(&self) -> Result<OwnedSemaphorePermit, ServiceError> {
        tokio::time::timeout(HASH_QUEUE_WAIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ServiceError::Busy)?
            .map_err(|e| ServiceError::Internal(Box::new(e)))
    }

    /// A PHC string for `password`, with a fresh random salt.
    pub(crate) async fn hash(&self, password: &str) -> Result<String, ServiceError> {
        let password = password.to_owned();
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash_blocking(&password)
        })
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))?
        .map_err(|e| ServiceError::Internal(e.to_string().into()))
    }

    /// Whether `password` matches `stored` (a PHC string). `None` checks
    /// against a dummy hash and answers `false`, taking the same time.
    /// A stored value that is not a PHC string (a locked account) never
    /// matches.
    pub(crate) async fn verify(
        &self,
        password: &str,
        stored: Option<String>,
    ) -> Result<bool, ServiceError> {
        let password = password.to_owned();
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let matches = match PasswordHash::new(&stored) {
                Ok(hash) => Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok(),
                Err(_) => {
                    // Locked account: spend the time anyway.
                    if let Ok(hash) = PasswordHash::new(DUMMY_HASH) {
                        let _ = Argon2::default().verify_password(password.as_bytes(), &hash);
                    }
                    false
                }
            };
            known && matches
        })
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))
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
        assert!(
            passwords
                .verify("correct horse", Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !passwords
                .verify("wrong horse", Some(hash))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn salts_differ_between_hashes() {
        let passwords = Passwords::new();
        let a = passwords.hash("same password").await.expect("hash");
        let b = passwords.hash("same password").await.expect("hash");
        assert_ne!(a, b);
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(DUMMY_HASH).expect("a PHC string");
        let params = argon2::Params::try_from(&dummy).expect("argon2 parameters");
        let default = argon2::Params::default();
        assert_eq!(dummy.algorithm, argon2::Algorithm::Argon2id.ident());
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
    }

    #[tokio::test]
    async fn unknown_users_and_locked_accounts_never_match() {
        let passwords = Passwords::new();
        assert!(!passwords.verify("anything", None).await.expect("verify"));
        assert!(
            !passwords
                .verify("anything", Some("!".to_owned()))
                .await
                .expect("verify")
        );
    }
}
