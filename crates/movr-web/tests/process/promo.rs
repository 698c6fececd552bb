//! `movr promo create`, as an operator runs it: a code written to the
//! database, a clear line and exit status 2 for options that do not make a
//! code (nothing written), and exit status 1 for a code that exists.

use std::process::{Command, Output};

use super::{connect, database};

/// Runs `movr <args>` against `database` in an empty directory.
fn movr(database: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_movr"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", database)
        .env("METRICS_ADDR", "off")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// code, percent_off, max_discount, amount_off, currency, valid_from,
/// redemption_limit.
type CodeRow = (
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    i64,
);

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn promo_create_writes_a_checked_code_and_refuses_bad_options_clearly() {
    let database = database();
    let migrated = movr(&database, &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));

    let created = movr(
        &database,
        &[
            "promo",
            "create",
            "spring25",
            "--percent",
            "25",
            "--cap",
            "4.50",
            "--valid-from",
            "2026-01-01",
            "--until",
            "2099-01-01T00:00:00Z",
            "--limit",
            "100",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert!(
        text(&created.stdout)
            .contains("created promo code SPRING25: 25 % off, at most 4.50 of the ride's currency"),
        "{}",
        text(&created.stdout)
    );
    let fixed = movr(
        &database,
        &[
            "promo",
            "create",
            "FIVE",
            "--amount",
            "5",
            "--currency",
            "eur",
            "--until",
            "2099-01-01",
            "--limit",
            "3",
        ],
    );
    assert!(fixed.status.success(), "{}", text(&fixed.stderr));

    let client = connect(&database).await;
    let rows = client
        .query(
            "SELECT code, percent_off, max_discount, amount_off, currency, \
             valid_from::text, valid_until::text, redemption_limit, redemptions \
             FROM promo_codes ORDER BY code",
            &[],
        )
        .await
        .unwrap();
    let read: Vec<CodeRow> = rows
        .iter()
        .map(|row| {
            (
                row.get(0),
                row.get(1),
                row.get(2),
                row.get(3),
                row.get(4),
                row.get(5),
                row.get(7),
            )
        })
        .collect();
    assert_eq!(read.len(), 2);
    assert_eq!(read[0].0, "FIVE");
    assert_eq!(
        (read[0].3, read[0].4.as_deref(), read[0].6),
        (Some(500), Some("EUR"), 3)
    );
    assert_eq!(read[1].0, "SPRING25");
    assert_eq!(
        (read[1].1, read[1].2, read[1].6),
        (Some(25), Some(450), 100)
    );
    assert!(
        read[1].5.starts_with("2026-01-01 00:00:00"),
        "{}",
        read[1].5
    );

    // Options that make no code: exit 2, one clear line, nothing written.
    for (args, says) in [
        (
            vec![
                "promo",
                "create",
                "BOTH",
                "--percent",
                "5",
                "--cap",
                "1",
                "--amount",
                "1",
                "--currency",
                "USD",
                "--until",
                "2099-01-01",
                "--limit",
                "1",
            ],
            "give either --percent N --cap AMOUNT, or --amount AMOUNT --currency USD|EUR",
        ),
        (
            vec![
                "promo",
                "create",
                "BAD",
                "--percent",
                "150",
                "--cap",
                "1",
                "--until",
                "2099-01-01",
                "--limit",
                "1",
            ],
            "percent must be between 1 and 100",
        ),
        (
            vec![
                "promo",
                "create",
                "GBP",
                "--amount",
                "1",
                "--currency",
                "GBP",
                "--until",
                "2099-01-01",
                "--limit",
                "1",
            ],
            "--currency must be USD or EUR",
        ),
        (
            vec![
                "promo",
                "create",
                "CENTS",
                "--amount",
                "1.005",
                "--currency",
                "USD",
                "--until",
                "2099-01-01",
                "--limit",
                "1",
            ],
            "--amount must be an amount like 5 or 4.99",
        ),
        (
            vec![
                "promo",
                "create",
                "PAST",
                "--percent",
                "5",
                "--cap",
                "1",
                "--until",
                "2000-01-01",
                "--limit",
                "1",
            ],
            "--until must be later than --valid-from",
        ),
        (
            vec![
                "promo",
                "create",
                "x y",
                "--percent",
                "5",
                "--cap",
                "1",
                "--until",
                "2099-01-01",
                "--limit",
                "1",
            ],
            "the code may only contain letters and digits",
        ),
    ] {
        let refused = movr(&database, &args);
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
        let stderr = text(&refused.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    // A code that exists: exit 1, said plainly (no database text).
    let again = movr(
        &database,
        &[
            "promo",
            "create",
            "Spring25",
            "--percent",
            "5",
            "--cap",
            "1",
            "--until",
            "2099-01-01",
            "--limit",
            "1",
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        text(&again.stderr).trim(),
        "movr: promo code SPRING25 exists already"
    );
    let count = client
        .query_one("SELECT count(*) FROM promo_codes", &[])
        .await
        .unwrap();
    assert_eq!(count.get::<_, i64>(0), 2, "nothing more was written");
}
