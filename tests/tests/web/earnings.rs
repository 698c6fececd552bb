//! The profile's earnings: each of one's vehicles with its rides and what
//! they earned in a period one chooses, paging links that keep it, and a
//! message (never a 500) for a period that does not read.

use chrono::{TimeDelta, Utc};
use movr_tests::TestServer;

use crate::support::*;

/// `from=<day>&to=<day>` for days `from_back` and `to_back` days ago.
fn period(from_back: i64, to_back: i64) -> (String, String) {
    let today = Utc::now().date_naive();
    (
        (today - TimeDelta::days(from_back)).to_string(),
        (today - TimeDelta::days(to_back)).to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_sees_what_each_vehicle_earned_in_the_chosen_period() {
    let server = TestServer::start().await;
    let (owner, owner_id) = rider(&server, "owner", "new york").await;
    let bike = owner.add_vehicle(&server, "bike", "Astor Place").await;
    owner
        .add_vehicle(&server, "skateboard", "Bryant Park")
        .await;
    let (ada, _) = rider(&server, "ada", "new york").await;
    let ride = ada.start_ride(&server, &bike).await;
    rows(
        &server,
        &format!(
            "UPDATE rides SET start_time = start_time - INTERVAL '10 minutes' \
             WHERE id = '{ride}' RETURNING NULL::text AS v"
        ),
    )
    .await;
    ada.submit(
        &format!("/rides/end/{ride}"),
        &[("location", "Union Square")],
    )
    .await
    .assert_redirect("/rides");

    // The last 30 days by default. New York bikes: $1.00 + 11 started
    // minutes at $0.15.
    let (from, to) = period(29, 0);
    let page = owner.get(&format!("/users/{owner_id}")).await;
    page.assert_status(200)
        .assert_shows(&format!("Rides and earnings from {from} to {to}"))
        .assert_shows("1 ride · 11 min · earned $2.65")
        .assert_shows("0 rides · 0 min · earned $0.00");
    assert_eq!(page.count("data-testid=\"earnings\""), 2);
    // The period form: labelled date fields holding the period shown.
    for (name, label, value) in [("from", "From", &from), ("to", "To", &to)] {
        assert!(
            page.body.contains(&format!(
                "<label for=\"{name}\">{label}</label>\n  <input id=\"{name}\" name=\"{name}\" \
                 type=\"date\" value=\"{value}\""
            )),
            "{name}: {}",
            page.body
        );
    }

    // A period before the ride: nothing earned.
    let (from, to) = period(60, 31);
    owner
        .get(&format!("/users/{owner_id}?from={from}&to={to}"))
        .await
        .assert_status(200)
        .assert_shows(&format!("Rides and earnings from {from} to {to}"))
        .assert_not_shows("1 ride")
        .assert_shows("0 rides · 0 min · earned $0.00");
    // Only the owner's own page shows it.
    ada.get(&format!("/users/{owner_id}"))
        .await
        .assert_error(403, "You can only see your own profile.");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_period_is_explained_and_the_default_one_shown() {
    let server = TestServer::start().await;
    let (owner, id) = rider(&server, "owner", "rome").await;
    owner.add_vehicle(&server, "bike", "Trastevere").await;
    let (from, to) = period(29, 0);
    for (query, shown) in [
        (
            "from=yesterday",
            "From must be a date written YYYY-MM-DD, e.g. 2026-05-01",
        ),
        (
            "to=2026-02-30",
            "To must be a date written YYYY-MM-DD, e.g. 2026-05-01",
        ),
        (
            "from=2026-05-02&to=2026-05-01",
            "From must not be after the period's last day (2026-05-01)",
        ),
        (
            "from=2020-01-01&to=2026-05-01",
            "From is too early: a period may span at most 366 days",
        ),
        (
            "from=%3Cb%3E&to=%F0%9F%9B%B4",
            "From must be a date written",
        ),
    ] {
        let page = owner.get(&format!("/users/{id}?{query}")).await;
        page.assert_status(200)
            .assert_shows(shown)
            .assert_flash("That period cannot be shown; these are the last 30 days.")
            .assert_shows(&format!("Rides and earnings from {from} to {to}"))
            .assert_shows("0 rides · 0 min · earned €0.00");
        assert!(page.body.contains("aria-invalid=\"true\""), "{query}");
        assert!(!page.body.contains("<b>"), "escaped: {query}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_links_keep_the_period() {
    let server = TestServer::start().await;
    let (owner, id) = rider(&server, "fleet", "boston").await;
    insert_vehicles(&server, "boston", &id, 53).await;
    let (from, to) = period(9, 3);
    let first = owner.get(&format!("/users/{id}?from={from}&to={to}")).await;
    first.assert_status(200).assert_shows("at Dock 49");
    assert_eq!(first.count("data-testid=\"owned-vehicle\""), 50);
    let older = first.ids_after(&format!("href=\"/users/{id}?before="));
    assert_eq!(older.len(), 1);
    let link = format!(
        "/users/{id}?before={}&amp;from={from}&amp;to={to}",
        older[0]
    );
    assert!(first.body.contains(&link), "{}", first.body);
    let second = owner.get(&link.replace("&amp;", "&")).await;
    second
        .assert_status(200)
        .assert_shows("at Dock 52")
        .assert_shows(&format!("Rides and earnings from {from} to {to}"));
    assert!(
        second.body.contains(&format!(
            "href=\"/users/{id}?from={from}&amp;to={to}\">Newest vehicles"
        )),
        "{}",
        second.body
    );
}
