//! Bearer tokens: issued at login, stored hashed, expiring, revocable.

use movr_core::City;
use movr_service::{Actor, ServiceError, TOKEN_LIFETIME};

use crate::assert_err;
use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_token_stands_for_its_user_until_revoked() {
    let (db, movr) = setup().await;
    let user = register(&movr, City::Paris, "tess").await;
    let issued = ok(movr.issue_token("tess", PASSWORD).await, "issue");
    assert_eq!(issued.token.len(), 64);
    let lifetime = issued.expires_at - chrono::Utc::now();
    assert!(
        lifetime > TOKEN_LIFETIME - chrono::TimeDelta::minutes(1) && lifetime <= TOKEN_LIFETIME
    );

    db.statements().take();
    let actor = ok(movr.actor_for_token(&issued.token).await, "token");
    assert_eq!(actor, Actor::from(&user));
    assert_eq!(
        db.statements().take().len(),
        1,
        "one statement per API request"
    );

    // Only a hash is stored.
    let mut conn = db.raw_connection().await;
    let token = &issued.token;
    assert_eq!(
        count(
            &mut conn,
            &format!(
                "SELECT count(*) AS n FROM api_tokens WHERE encode(token_hash, 'hex') = '{token}'"
            )
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &mut conn,
            &format!("SELECT count(*) AS n FROM api_tokens WHERE token_hash = sha256(convert_to('{token}', 'UTF8'))")
        )
        .await,
        1
    );

    ok(movr.revoke_token(token).await, "revoke");
    assert_err!(
        movr.actor_for_token(token).await,
        ServiceError::InvalidCredentials
    );
    assert_err!(
        movr.revoke_token(token).await,
        ServiceError::InvalidCredentials
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_malformed_expired_and_orphaned_tokens_are_refused() {
    let (db, movr) = setup().await;
    let user = register(&movr, City::Rome, "ugo").await;
    assert_err!(
        movr.issue_token("ugo", "wrong password").await,
        ServiceError::InvalidCredentials
    );

    db.statements().take();
    for malformed in ["", "not hex", &"g".repeat(64), &"a".repeat(63)] {
        assert_err!(
            movr.actor_for_token(malformed).await,
            ServiceError::InvalidCredentials
        );
    }
    assert!(
        db.statements().take().is_empty(),
        "malformed tokens never reach the database"
    );
    assert_err!(
        movr.actor_for_token(&"a".repeat(64)).await,
        ServiceError::InvalidCredentials
    );

    let mut conn = db.raw_connection().await;
    let expired = ok(movr.issue_token("ugo", PASSWORD).await, "issue");
    exec(
        &mut conn,
        "UPDATE api_tokens SET expires_at = now() - INTERVAL '1 second'",
    )
    .await;
    assert_err!(
        movr.actor_for_token(&expired.token).await,
        ServiceError::InvalidCredentials
    );

    let live = ok(movr.issue_token("ugo", PASSWORD).await, "issue");
    ok(
        movr.actor_for_token(&live.token).await,
        "a live token works",
    );
    ok(
        movr.remove_user(Actor::from(&user), user.id).await,
        "delete the account",
    );
    assert_err!(
        movr.actor_for_token(&live.token).await,
        ServiceError::InvalidCredentials
    );
}
