//! Two riders racing for one vehicle: exactly one gets it.
//!
//! Each round closes a [`Gate`] (a row lock held by a connection of the
//! test's own) before the two requests go out, and opens it only once both
//! requests' statements wait behind it inside the database: they then run at
//! the same time, instead of one finishing before the other arrives.

use movr_tests::{Gate, TestServer};

use crate::support::*;

const ROUNDS: usize = 10;

#[tokio::test(flavor = "multi_thread")]
async fn two_riders_racing_for_a_vehicle_one_wins() {
    let server = TestServer::start().await;
    let (owner, _) = rider(&server, "owner", "new york").await;
    let mut vehicles = Vec::new();
    for n in 0..ROUNDS {
        vehicles.push(
            owner
                .add_vehicle(&server, "bike", &format!("Dock {n}"))
                .await,
        );
    }
    let (ann, ann_id) = rider(&server, "ann", "new york").await;
    let (bob, bob_id) = rider(&server, "bob", "new york").await;
    let ann_token = ann.token().await;
    let bob_token = bob.token().await;

    for vehicle in &vehicles {
        let path = format!("/rides/start/{vehicle}");
        let gate = Gate::close(server.db(), &[lock_vehicle(vehicle)]).await;
        let (a, b, ()) = tokio::join!(
            ann.submit_with(&path, &ann_token, &[]),
            bob.submit_with(&path, &bob_token, &[]),
            gate.open_when_blocked(2),
        );
        let (winner, winner_id, loser, loser_reply, winner_reply) =
            match (a.location.as_deref(), b.location.as_deref()) {
                (Some("/rides"), Some("/vehicles")) => (&ann, &ann_id, &bob, b, a),
                (Some("/vehicles"), Some("/rides")) => (&bob, &bob_id, &ann, a, b),
                other => panic!(
                    "expected one ride and one refusal, got {other:?}: {} / {}",
                    a.status, b.status
                ),
            };
        winner_reply.assert_redirect("/rides");
        loser_reply.assert_redirect("/vehicles");
        winner
            .follow(winner_reply)
            .await
            .assert_flash("Ride started at Dock");
        loser
            .follow(loser_reply)
            .await
            .assert_flash("Sorry, someone else is riding that vehicle.");
        assert_eq!(vehicle_status(&server, vehicle).await, "in_use");
        let ride = open_ride_of_vehicle(&server, vehicle)
            .await
            .expect("one open ride");
        assert_eq!(
            one(
                &server,
                &format!("SELECT rider_id::text AS v FROM rides WHERE id = '{ride}'")
            )
            .await,
            *winner_id
        );
        winner
            .submit(
                &format!("/rides/end/{ride}"),
                &[
                    ("location", "Home"),
                    ("longitude", "-74.03"),
                    ("latitude", "40.74"),
                ],
            )
            .await
            .assert_redirect("/rides");
    }
    assert_eq!(
        count(
            &server,
            "SELECT count(*) AS n FROM rides WHERE rider_id IN \
             (SELECT id FROM users WHERE username IN ('ann', 'bob'))"
        )
        .await,
        i64::try_from(ROUNDS).expect("small")
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) AS n FROM rides WHERE end_time IS NULL"
        )
        .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_rider_double_clicking_two_vehicles_gets_one_ride() {
    let server = TestServer::start().await;
    let (owner, _) = rider(&server, "owner", "new york").await;
    let (ann, ann_id) = rider(&server, "ann", "new york").await;
    let token = ann.token().await;
    for round in 0..5 {
        let first = owner
            .add_vehicle(&server, "bike", &format!("Left {round}"))
            .await;
        let second = owner
            .add_vehicle(&server, "bike", &format!("Right {round}"))
            .await;
        let (left, right) = (
            format!("/rides/start/{first}"),
            format!("/rides/start/{second}"),
        );
        // Both starts update Ann's row (her open ride): hold it.
        let gate = Gate::close(server.db(), &[lock_user("new york", &ann_id)]).await;
        let (a, b, ()) = tokio::join!(
            ann.submit_with(&left, &token, &[]),
            ann.submit_with(&right, &token, &[]),
            gate.open_when_blocked(2),
        );
        a.assert_redirect("/rides");
        b.assert_redirect("/rides");
        let open = rows(
            &server,
            &format!(
                "SELECT id::text AS v FROM rides WHERE rider_id = '{ann_id}' AND end_time IS NULL"
            ),
        )
        .await;
        assert_eq!(open.len(), 1, "round {round}: {open:?}");
        let statuses = [
            vehicle_status(&server, &first).await,
            vehicle_status(&server, &second).await,
        ];
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, ["available", "in_use"], "round {round}");
        let ride = open[0].clone().expect("ride id");
        ann.submit_with(
            &format!("/rides/end/{ride}"),
            &token,
            &[
                ("location", "Home"),
                ("longitude", "-74.03"),
                ("latitude", "40.74"),
            ],
        )
        .await
        .assert_redirect("/rides");
    }
}

/// Locks vehicle `id` until the gate opens.
fn lock_vehicle(id: &str) -> String {
    format!("SELECT 1 FROM vehicles WHERE id = '{id}' FOR UPDATE")
}

/// Locks the user row `id` of `city` until the gate opens.
fn lock_user(city: &str, id: &str) -> String {
    format!("SELECT 1 FROM users WHERE city = '{city}' AND id = '{id}' FOR UPDATE")
}
