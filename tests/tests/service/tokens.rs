//! Bearer tokens: issued at login, stored hashed, expiring, revocable.

use std::num::NonZeroU32;

use movr_core::City;
use movr_service::{Actor, Caps, ServiceError, TOKEN_LIFETIME};

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

/// The `api_tokens` rows of `user`'s.
async fn token_rows(db: &movr_tests::TestDb, user: &movr_core::User) -> i64 {
    let mut conn = db.raw_connection().await;
    count(
        &mut conn,
        &format!(
            "SELECT count(*) AS n FROM api_tokens WHERE user_city = '{}' AND user_id = '{}'",
            user.city.as_str(),
            user.id
        ),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn issuing_a_token_beyond_the_cap_revokes_the_oldest() {
    let (db, movr) = setup().await;
    assert_eq!(movr.caps().tokens_per_user.get(), 10, "the default");
    let movr = movr.with_caps(Caps {
        tokens_per_user: NonZeroU32::new(3).expect("a cap"),
        ..Caps::default()
    });
    let user = register(&movr, City::Paris, "tess").await;
    db.statements().take();
    let mut issued = vec![ok(movr.issue_token("tess", PASSWORD).await, "issue").token];
    // The look-up of the user, then one transaction: the clean-up, the insert.
    let statements: Vec<String> = db
        .statements()
        .take()
        .iter()
        .map(|sql| sql.split_whitespace().next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        statements,
        ["SELECT", "BEGIN", "DELETE", "INSERT", "COMMIT"]
    );
    for n in 1..5 {
        issued.push(ok(movr.issue_token("tess", PASSWORD).await, "issue").token);
        assert_eq!(token_rows(&db, &user).await, (n + 1).min(3), "after {n}");
    }
    // The two oldest were revoked to make room; the newest three work.
    for old in &issued[..2] {
        assert_err!(
            movr.actor_for_token(old).await,
            ServiceError::InvalidCredentials
        );
    }
    for live in &issued[2..] {
        assert_eq!(
            ok(movr.actor_for_token(live).await, "live"),
            Actor::from(&user)
        );
    }
    // Another user's tokens are theirs alone.
    let other = register(&movr, City::Paris, "ugo").await;
    ok(movr.issue_token("ugo", PASSWORD).await, "issue");
    assert_eq!(token_rows(&db, &other).await, 1);
    assert_eq!(token_rows(&db, &user).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_revoked_and_deleted_accounts_tokens_leave_no_rows() {
    let (db, movr) = setup().await;
    let user = register(&movr, City::Rome, "ugo").await;
    let other = register(&movr, City::Rome, "vera").await;
    let revoked = ok(movr.issue_token("ugo", PASSWORD).await, "issue");
    let expired = ok(movr.issue_token("ugo", PASSWORD).await, "issue");
    let others = ok(movr.issue_token("vera", PASSWORD).await, "issue");
    ok(movr.revoke_token(&revoked.token).await, "revoke");
    ok(movr.revoke_token(&others.token).await, "revoke");
    let mut conn = db.raw_connection().await;
    exec(
        &mut conn,
        &format!(
            "UPDATE api_tokens SET expires_at = now() - INTERVAL '1 second' \
             WHERE token_hash = sha256(convert_to('{}', 'UTF8'))",
            expired.token
        ),
    )
    .await;
    assert_eq!(token_rows(&db, &user).await, 2, "dead, but still there");

    // The next login deletes the user's dead tokens, and only theirs.
    let live = ok(movr.issue_token("ugo", PASSWORD).await, "issue");
    assert_eq!(token_rows(&db, &user).await, 1);
    assert_eq!(token_rows(&db, &other).await, 1, "vera's until she logs in");
    ok(
        movr.actor_for_token(&live.token).await,
        "the new token works",
    );

    // Deleting the account deletes its tokens.
    ok(
        movr.remove_user(Actor::from(&user), user.id).await,
        "delete the account",
    );
    assert_eq!(token_rows(&db, &user).await, 0);
    assert_err!(
        movr.actor_for_token(&live.token).await,
        ServiceError::InvalidCredentials
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_login_is_a_token_of_its_own_lifetime() {
    let (db, movr) = setup().await;
    let user = register(&movr, City::Paris, "tess").await;
    let week = chrono::TimeDelta::days(7);
    db.statements().take();
    let (logged_in, token) = ok(movr.log_in("  TESS ", PASSWORD, week).await, "log in");
    assert_eq!(logged_in, user);
    assert_eq!(
        db.statements().take().len(),
        5,
        "the password check, then BEGIN, the clean-up, the token, COMMIT"
    );
    let lifetime = token.expires_at - chrono::Utc::now();
    assert!(lifetime > week - chrono::TimeDelta::minutes(1) && lifetime <= week);
    assert_eq!(
        ok(movr.actor_for_token(&token.token).await, "token"),
        Actor::from(&user)
    );
    // A wrong password issues nothing.
    db.statements().take();
    assert_err!(
        movr.log_in("tess", "not the password", week).await,
        ServiceError::InvalidCredentials
    );
    assert_eq!(db.statements().take().len(), 1, "the password check only");
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_up_logs_in_without_a_second_password_check() {
    let (db, movr) = setup().await;
    let week = chrono::TimeDelta::days(7);
    db.statements().take();
    let (user, token) = ok(
        movr.register_and_log_in(new_user(City::Rome, "cleo"), week)
            .await,
        "sign up",
    );
    assert_eq!(
        db.statements().take().len(),
        5,
        "the account, then the token's transaction"
    );
    assert_eq!(
        ok(movr.actor_for_token(&token.token).await, "token"),
        Actor::from(&user)
    );
    // A taken name creates nothing, token included.
    let mut conn = db.raw_connection().await;
    let tokens = "SELECT count(*) AS n FROM api_tokens";
    let before = count(&mut conn, tokens).await;
    assert_err!(
        movr.register_and_log_in(new_user(City::Rome, "cleo"), week)
            .await,
        ServiceError::Conflict(movr_service::Conflict::UsernameTaken)
    );
    assert_eq!(count(&mut conn, tokens).await, before);
}
