//! `/api/v1/users/me/promo-codes`: applying a code and listing one's codes
//! over HTTP, and every refusal's status and code.

use diesel_async::SimpleAsyncConnection;
use movr_core::City;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn codes_are_applied_listed_and_refused_with_typed_errors() {
    let api = Api::start().await;
    let mut conn = api.server.db().raw_connection().await;
    conn.batch_execute(
        "INSERT INTO promo_codes (code, percent_off, max_discount, amount_off, currency, \
         valid_from, valid_until, redemption_limit) VALUES \
         ('ONCE', NULL, NULL, 300, 'EUR', now() - INTERVAL '1 hour', now() + INTERVAL '1 day', 1), \
         ('OLD', 10, 500, NULL, NULL, now() - INTERVAL '2 days', now() - INTERVAL '1 day', 5), \
         ('SOON', 10, 500, NULL, NULL, now() + INTERVAL '1 day', now() + INTERVAL '2 days', 5)",
    )
    .await
    .unwrap();
    let (_, ada) = api.rider(City::Paris, "ada").await;
    let (_, bob) = api.rider(City::Boston, "bob").await;
    let path = "/users/me/promo-codes";

    let listed: Value = api.get(path, Some(&ada)).await.json();
    assert_eq!(listed, json!({"promo_codes": []}));
    let applied = api.post(path, Some(&ada), json!({"code": "once"})).await;
    assert_eq!(applied.status, 201, "{}", applied.body);
    let applied: Value = applied.json();
    assert_eq!(applied["code"], "ONCE");
    assert_eq!(
        applied["discount"],
        json!({"kind": "fixed", "percent": null, "cap": null, "amount": 300, "currency": "EUR"})
    );
    assert_eq!(applied["used_on"], Value::Null);
    let listed: Value = api.get(path, Some(&ada)).await.json();
    assert_eq!(listed["promo_codes"], json!([applied]));

    for (token, code, status, error) in [
        (&ada, "ONCE", 409, "promo_already_applied"),
        (&bob, "ONCE", 409, "promo_used_up"),
        (&bob, "OLD", 409, "promo_expired"),
        (&bob, "SOON", 409, "promo_not_yet_valid"),
        (&bob, "NOSUCH", 404, "not_found"),
        (&bob, "no such", 422, "invalid_input"),
    ] {
        let body = api
            .post(path, Some(token), json!({"code": code}))
            .await
            .error(status, error);
        if status != 404 {
            assert_eq!(body["field"], "code", "{code}: {body}");
        }
    }
    api.post(path, Some(&bob), json!({"code": 7}))
        .await
        .error(400, "bad_request");
    api.post(path, None, json!({"code": "ONCE"}))
        .await
        .error(401, "unauthorized");
    api.get(path, None).await.error(401, "unauthorized");
}
