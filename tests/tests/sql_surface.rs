//! The SQL surface: every distinct statement the app sends, in a committed
//! file (`schema/statements.sql`) a reviewer can check against both
//! engines' SQL. This test drives every public method of the service,
//! success and refusal paths, records what reaches the database, and fails
//! when the file is out of date — or when a public `MovR` method was not
//! run (each is a tracing span; the methods are read from the service's
//! source). Regenerate the file with
//! `MOVR_UPDATE_STATEMENTS=1 cargo test -p movr-tests --test sql_surface`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use movr_core::{City, Location, NewUserForm, NewVehicleForm};
use movr_db::PoolConfig;
use movr_db::pool::{POSTGRES_SESSION_SQL, session_setup_sql};
use movr_db::regions::{DatabaseRegions, SHOW_REGIONS_SQL, SHOW_SURVIVAL_GOAL_SQL, region_plan};
use movr_db::vehicles::{Freshness, list_in_city_sql};
use movr_db::{Dialect, SurvivalGoal, schema_layout};
use movr_service::{Actor, MovR};
use movr_tests::TestDb;
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

const FILE: &str = "schema/statements.sql";

fn user(city: &str, username: &str) -> movr_core::NewUser {
    NewUserForm {
        city: city.into(),
        first_name: "Sam".into(),
        last_name: "Ple".into(),
        email: format!("{username}@example.com"),
        username: username.into(),
        password: "a long enough password".into(),
    }
    .validate()
    .expect("valid user")
}

/// Runs every operation of the service once, and each refusal that takes
/// its own look-up.
async fn exercise(movr: &MovR) {
    let ann = movr
        .register(user("new york", "ann"))
        .await
        .expect("register");
    let bob = movr
        .register(user("boston", "bob"))
        .await
        .expect("register");
    let (ann, bob_actor) = (Actor::from(&ann), Actor::from(&bob));
    movr.authenticate("ann", "a long enough password")
        .await
        .expect("log in");
    let token = movr
        .issue_token("bob", "a long enough password")
        .await
        .expect("token");
    movr.actor_for_token(&token.token)
        .await
        .expect("token's user");
    movr.revoke_token(&token.token).await.expect("revoke");
    // A browser's login, and a sign-up that logs in.
    movr.log_in("ann", "a long enough password", chrono::TimeDelta::days(7))
        .await
        .expect("a browser's login");
    movr.register_and_log_in(user("rome", "cleo"), chrono::TimeDelta::days(7))
        .await
        .expect("sign up and log in");
    movr.user(ann.city, ann.id).await.expect("user");
    movr.user_by_username("bob").await.expect("user by name");
    let users = movr.list_users(City::NewYork).await.expect("users");
    movr.users_after(City::NewYork, users[0].id)
        .await
        .expect("more users");
    let vehicle = NewVehicleForm {
        vehicle_type: "bike".into(),
        color: "red".into(),
        brand: "Brand".into(),
        location: "Union Square".into(),
        longitude: None,
        latitude: None,
    }
    .validate()
    .expect("valid vehicle");
    let vehicle = movr.add_vehicle(ann, vehicle).await.expect("add vehicle");
    movr.list_vehicles(City::NewYork).await.expect("vehicles");
    movr.watched_vehicles(City::NewYork)
        .await
        .expect("watched vehicles");
    movr.vehicles_before(City::NewYork, vehicle.id)
        .await
        .expect("older vehicles");
    movr.owned_vehicles(ann).await.expect("owned");
    movr.owned_vehicles_before(ann, vehicle.id)
        .await
        .expect("older owned");
    let period = movr_core::Period::ending_on(chrono::Utc::now().date_naive(), 30);
    movr.vehicle_earnings(ann, period, None)
        .await
        .expect("earnings");
    movr.vehicle_earnings(ann, period, Some(vehicle.id))
        .await
        .expect("older earnings");
    movr.vehicle(City::NewYork, vehicle.id)
        .await
        .expect("vehicle");
    let now = chrono::Utc::now();
    let promotion = movr_core::Promotion::new(
        movr_core::PromoCode::parse("SURFACE").expect("code"),
        movr_core::Discount::percent(10, 500).expect("discount"),
        now - chrono::TimeDelta::hours(1),
        now + chrono::TimeDelta::hours(1),
        1,
    )
    .expect("promotion");
    movr.create_promotion(&promotion)
        .await
        .expect("create promo");
    movr.apply_promo_code(bob_actor, promotion.code)
        .await
        .expect("apply promo");
    movr.apply_promo_code(ann, promotion.code)
        .await
        .expect_err("used up");
    movr.promo_codes(bob_actor).await.expect("promo codes");
    let ride = movr
        .start_ride(bob_actor, City::NewYork, vehicle.id)
        .await
        .expect("start");
    movr.start_ride(ann, City::NewYork, vehicle.id)
        .await
        .expect_err("taken");
    movr.remove_vehicle(ann, vehicle.id)
        .await
        .expect_err("in use");
    movr.rides(bob_actor).await.expect("rides");
    movr.ride(bob_actor, ride.id).await.expect("one ride");
    movr.ride(ann, ride.id)
        .await
        .expect_err("someone else's ride");
    movr.rides_before(bob_actor, ride.id)
        .await
        .expect("older rides");
    let start = ride
        .start_location
        .point()
        .unwrap_or_else(|| geo_types::Point::new(-73.9855, 40.7580));
    let near = movr_core::Position::new(
        geo_types::Point::new(start.x() + 0.00005, start.y()),
        ride.start_time + chrono::TimeDelta::seconds(1),
    )
    .expect("a position");
    movr.backdate_ride_for_seed(
        bob_actor,
        City::NewYork,
        ride.id,
        chrono::TimeDelta::seconds(1),
    )
    .await
    .expect("backdate (the seed's)");
    movr.report_positions(bob_actor, ride.id, vec![near])
        .await
        .expect("report a position");
    movr.report_positions(bob_actor, ride.id, vec![near])
        .await
        .expect_err("the same time again");
    movr.ride_path(bob_actor, ride.id).await.expect("path");
    movr.ride_path(ann, ride.id)
        .await
        .expect_err("someone else's path");
    let here = Location::parse("Times Square").expect("location");
    movr.end_ride(bob_actor, ride.id, here.clone())
        .await
        .expect("end");
    movr.end_ride(bob_actor, ride.id, here)
        .await
        .expect_err("ended");
    movr.path_outlines(bob_actor, &[ride.id])
        .await
        .expect("the history's path outlines");
    movr.remove_vehicle(ann, vehicle.id)
        .await
        .expect("remove vehicle");
    movr.remove_user(ann, ann.id).await.expect("remove user");
    movr.remove_user(ann, ann.id).await.expect_err("removed");
    movr.database().ping().await.expect("ping");
}

fn render(statements: &BTreeSet<String>) -> String {
    let mut text = String::from(
        "-- Every statement MovR sends to the database, one per paragraph, sorted.\n\
         -- Generated by `MOVR_UPDATE_STATEMENTS=1 cargo test -p movr-tests --test sql_surface`;\n\
         -- the test fails while this file is out of date. Each statement must be valid on\n\
         -- both PostgreSQL and CockroachDB (CockroachDB-only SQL lives behind the dialect\n\
         -- switch). Migrations are in schema/postgres/.\n\n\
         -- Session setup, on every new connection:\n",
    );
    text.push_str(&session_setup_sql(
        PoolConfig::new("").statement_timeout,
        Dialect::CockroachDb,
    ));
    text.push_str(";\n-- and, PostgreSQL only (behind the dialect switch):\n");
    text.push_str(POSTGRES_SESSION_SQL);
    text.push_str(";\n");
    for statement in statements {
        text.push('\n');
        text.push_str(statement);
        text.push_str(";\n");
    }
    text.push_str(
        "\n-- `movr migrate` (both engines), before choosing the schema:\n\
         SELECT version() AS version;\n\
         \n-- CockroachDB only, behind the dialect switch: the layout's record:\n",
    );
    for statement in [
        schema_layout::CREATE_SQL,
        schema_layout::READ_SQL,
        schema_layout::HAS_HISTORY_SQL,
        schema_layout::HISTORY_SQL,
        schema_layout::REGION_COLUMN_SQL,
        schema_layout::RECORD_SQL,
    ] {
        text.push_str(statement);
        text.push_str(";\n");
    }
    text.push_str(
        "\n-- then (multi-region layout) the regions and survival goal, changing only\n\
         -- what differs: all of these for a new database and `--survive region`\n",
    );
    text.push_str("SELECT current_database() AS name;\n");
    text.push_str(SHOW_REGIONS_SQL);
    text.push_str(";\n");
    text.push_str(SHOW_SURVIVAL_GOAL_SQL);
    text.push_str(";\n");
    for statement in region_plan(
        "movr",
        &DatabaseRegions::default(),
        Some(SurvivalGoal::Region),
    ) {
        text.push_str(&statement);
        text.push_str(";\n");
    }
    text.push_str("\n-- CockroachDB only: the vehicles page with FOLLOWER_READS=true\n");
    text.push_str(&list_in_city_sql(Freshness::FollowerRead, false));
    text.push_str(";\n");
    text
}

/// Records the names of the service's spans (one per public method).
#[derive(Clone, Default)]
struct ServiceSpans(Arc<Mutex<BTreeSet<String>>>);

impl<S: tracing::Subscriber> Layer<S> for ServiceSpans {
    fn on_new_span(&self, attributes: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        let metadata = attributes.metadata();
        if metadata.target().starts_with("movr_service") {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(metadata.name().to_owned());
        }
    }
}

/// The public async methods of `MovR` (the ones that reach the database),
/// read from the service crate's source.
fn public_service_methods() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/movr-service/src");
    let mut methods = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("the service's sources") {
        let path = entry.expect("an entry").path();
        let source = std::fs::read_to_string(&path).expect("a source file");
        let file = syn::parse_file(&source).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for item in file.items {
            let syn::Item::Impl(block) = item else {
                continue;
            };
            let syn::Type::Path(ty) = &*block.self_ty else {
                continue;
            };
            if ty.path.segments.last().is_none_or(|s| s.ident != "MovR") {
                continue;
            }
            for item in block.items {
                if let syn::ImplItem::Fn(method) = item
                    && matches!(method.vis, syn::Visibility::Public(_))
                    && method.sig.asyncness.is_some()
                {
                    methods.insert(method.sig.ident.to_string());
                }
            }
        }
    }
    methods
}

#[tokio::test(flavor = "multi_thread")]
async fn the_statement_file_lists_every_statement_the_app_sends() {
    let spans = ServiceSpans::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(spans.clone()))
        .expect("the only subscriber of this test binary");
    let db = TestDb::new().await;
    db.statements().take_all();
    exercise(&MovR::new(db.database().clone())).await;
    let run = spans
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let methods = public_service_methods();
    assert!(methods.len() >= 20, "read the methods: {methods:?}");
    let missing: Vec<_> = methods.difference(&run).collect();
    assert!(
        missing.is_empty(),
        "exercise() does not run these public MovR methods (or they have no \
         #[tracing::instrument]): {missing:?}"
    );
    let statements: BTreeSet<String> = db.statements().take_all().into_iter().collect();
    let expected = render(&statements);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(FILE);
    if std::env::var_os("MOVR_UPDATE_STATEMENTS").is_some() {
        std::fs::write(&path, &expected).expect("write the statement file");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{FILE} is out of date: regenerate it with \
         `MOVR_UPDATE_STATEMENTS=1 cargo test -p movr-tests --test sql_surface` and review the change"
    );
}
