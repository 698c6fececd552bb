//! Owners' earnings: what each of an owner's vehicles earned over a period
//! of whole UTC days.
//!
//! A ride counts in the period it **ended** in. A vehicle's earnings are
//! the sum of its ended rides' fares *before* any discount (MovR pays for
//! promotions, not the owner): for each ride `unlock + time + distance`,
//! in whole minor units of the vehicle's city's currency (a vehicle has one
//! city, so one currency).
//!
//! # Periods
//!
//! [`Period::parse`] reads the two dates a person or a program gives
//! (`YYYY-MM-DD`, both days included) and fills in what is missing: without
//! `to`, today (UTC); without `from`, the [`DEFAULT_PERIOD_DAYS`] days
//! (or the caller's maximum, if shorter) that end on `to`. A date that does not read, a `from` after `to` or a period
//! longer than the caller's maximum is a [`ValidationError`] naming the
//! field at fault.
//!
//! ```
//! use chrono::NaiveDate;
//! use movr_core::Period;
//!
//! let today = NaiveDate::from_ymd_opt(2026, 5, 31).unwrap();
//! let last_30 = Period::parse(None, None, today, 366)?;
//! assert_eq!(last_30.to_string(), "2026-05-02 to 2026-05-31");
//! let may = Period::parse(Some("2026-05-01"), Some("2026-05-31"), today, 366)?;
//! assert_eq!(may.days(), 31);
//! let reversed = Period::parse(Some("2026-05-31"), Some("2026-05-01"), today, 366);
//! assert_eq!(reversed.unwrap_err().errors()[0].field, "from");
//! # Ok::<(), movr_core::ValidationErrors>(())
//! ```

use std::fmt;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::validation::{ValidationError, ValidationErrors};
use crate::vehicle::Vehicle;

/// The days a period spans when only its end (or nothing) is given.
pub const DEFAULT_PERIOD_DAYS: u32 = 30;

/// A span of whole UTC days, both ends included, at least one day long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

/// How a date is written: `YYYY-MM-DD`.
const DATE_FORMAT: &str = "%Y-%m-%d";

/// Reads `YYYY-MM-DD` exactly (four-digit year, two-digit month and day):
/// chrono alone would also take `2026-5-1` or a five-digit year.
fn parse_date(field: &str, text: &str) -> Result<NaiveDate, ValidationError> {
    let bad = || ValidationError::new(field, "must be a date written YYYY-MM-DD, e.g. 2026-05-01");
    let shape_ok = text.len() == 10
        && text.bytes().enumerate().all(|(i, byte)| match i {
            4 | 7 => byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shape_ok {
        return Err(bad());
    }
    NaiveDate::parse_from_str(text, DATE_FORMAT).map_err(|_| bad())
}

impl Period {
    /// The period from `from` to `to` (both included) as given, blank text
    /// counting as not given; see the [module](self) for the defaults.
    /// Refused, naming the field: a date not written `YYYY-MM-DD` or not in
    /// the calendar, `from` after `to`, more than `max_days` days (at least
    /// one day is always allowed).
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
        max_days: u32,
    ) -> Result<Period, ValidationErrors> {
        fn given(text: Option<&str>) -> Option<&str> {
            text.map(str::trim).filter(|text| !text.is_empty())
        }
        let mut errors = ValidationErrors::default();
        let from = given(from).and_then(|text| errors.check(parse_date("from", text)));
        let to = given(to).and_then(|text| errors.check(parse_date("to", text)));
        if !errors.is_empty() {
            return Err(errors);
        }
        let to = to.unwrap_or(today);
        let default_days = DEFAULT_PERIOD_DAYS.min(max_days);
        let from = from.unwrap_or_else(|| Period::ending_on(to, default_days).from);
        if from > to {
            return Err(ValidationErrors::single(
                "from",
                format!("must not be after the period's last day ({to})"),
            ));
        }
        let period = Period { from, to };
        if period.days() > i64::from(max_days.max(1)) {
            return Err(ValidationErrors::single(
                "from",
                format!(
                    "is too early: a period may span at most {} days",
                    max_days.max(1)
                ),
            ));
        }
        Ok(period)
    }

    /// The `days` days (at least one) that end on `to`, `to` included.
    pub fn ending_on(to: NaiveDate, days: u32) -> Period {
        let back = Days::new(u64::from(days.max(1) - 1));
        Period {
            from: to.checked_sub_days(back).unwrap_or(NaiveDate::MIN),
            to,
        }
    }

    /// The first day.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// The last day (included).
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// How many days it spans (at least 1).
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// Its first instant: `from` at 00:00 UTC.
    pub fn start(&self) -> DateTime<Utc> {
        self.from.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// The first instant after it: the day after `to` at 00:00 UTC (the
    /// period is `start() <= t < end()`).
    pub fn end(&self) -> DateTime<Utc> {
        let after = self.to.succ_opt().unwrap_or(NaiveDate::MAX);
        after.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// Whether the instant `t` falls in it.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start() <= t && t < self.end()
    }
}

impl fmt::Display for Period {
    /// `2026-05-01 to 2026-05-31`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.from, self.to)
    }
}

/// One of an owner's vehicles with what it earned in a [`Period`]. In JSON,
/// the vehicle's fields followed by `rides`, `minutes` and `earnings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnedVehicle {
    /// The vehicle.
    #[serde(flatten)]
    pub vehicle: Vehicle,
    /// Its rides that ended in the period (priced or not).
    pub rides: i64,
    /// The minutes charged for them (every started minute of each priced
    /// ride).
    pub minutes: i64,
    /// The sum of their fares before any discount, in the currency of the
    /// vehicle's city.
    pub earnings: Money,
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::{City, Currency, Location, UserId, VehicleId, VehicleStatus, VehicleType};

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, DATE_FORMAT).unwrap()
    }

    fn parse(from: Option<&str>, to: Option<&str>) -> Result<Period, ValidationErrors> {
        Period::parse(from, to, day("2026-05-31"), 366)
    }

    #[test]
    fn missing_dates_default_to_the_last_thirty_days() {
        let period = parse(None, None).unwrap();
        assert_eq!(
            (period.from(), period.to()),
            (day("2026-05-02"), day("2026-05-31"))
        );
        assert_eq!(period.days(), 30);
        assert_eq!(parse(Some(" "), Some("")).unwrap(), period);
        let ending = parse(None, Some("2026-03-01")).unwrap();
        assert_eq!(ending.to_string(), "2026-01-31 to 2026-03-01");
        let starting = parse(Some("2026-05-30"), None).unwrap();
        assert_eq!(starting.to_string(), "2026-05-30 to 2026-05-31");
    }

    #[test]
    fn both_days_are_included_in_utc() {
        let period = parse(Some("2026-05-01"), Some("2026-05-01")).unwrap();
        assert_eq!(period.days(), 1);
        let at = |d, h, m, s| Utc.with_ymd_and_hms(2026, 5, d, h, m, s).unwrap();
        assert_eq!(period.start(), at(1, 0, 0, 0));
        assert_eq!(period.end(), at(2, 0, 0, 0));
        assert!(period.contains(at(1, 0, 0, 0)));
        assert!(period.contains(at(1, 23, 59, 59)));
        assert!(!period.contains(at(2, 0, 0, 0)));
        assert!(!period.contains(at(1, 0, 0, 0) - chrono::TimeDelta::microseconds(1)));
    }

    #[test]
    fn bad_dates_name_their_field() {
        for (from, to, field) in [
            (Some("yesterday"), None, "from"),
            (Some("2026-5-1"), None, "from"),
            (Some("2026-02-30"), None, "from"),
            (Some("+12026-01-01"), None, "from"),
            (None, Some("31/05/2026"), "to"),
            (None, Some("2026-05-31T00:00:00Z"), "to"),
            (None, Some("２０２６-05-31"), "to"),
        ] {
            let errors = parse(from, to).unwrap_err();
            assert_eq!(errors.errors()[0].field, field, "{from:?} {to:?}");
            assert_eq!(
                errors.errors()[0].reason,
                "must be a date written YYYY-MM-DD, e.g. 2026-05-01"
            );
        }
        let both = parse(Some("x"), Some("y")).unwrap_err();
        assert_eq!(both.len(), 2);
    }

    #[test]
    fn a_reversed_or_too_long_period_is_refused() {
        let reversed = parse(Some("2026-05-02"), Some("2026-05-01")).unwrap_err();
        assert_eq!(
            reversed.to_string(),
            "from: must not be after the period's last day (2026-05-01)"
        );
        assert!(
            parse(Some("2025-05-31"), Some("2026-05-31")).is_ok(),
            "366 days"
        );
        let long = parse(Some("2025-05-30"), Some("2026-05-31")).unwrap_err();
        assert_eq!(
            long.to_string(),
            "from: is too early: a period may span at most 366 days"
        );
        // The default fits a shorter maximum.
        let week = Period::parse(None, None, day("2026-05-31"), 7).unwrap();
        assert_eq!(week.to_string(), "2026-05-25 to 2026-05-31");
        // A date in the future is fine (nothing ended then yet).
        assert!(parse(Some("2026-06-01"), Some("2026-06-30")).is_ok());
        // The calendar's ends do not overflow.
        let last = Period::parse(Some("9999-12-31"), Some("9999-12-31"), day("2026-05-31"), 1);
        assert_eq!(last.unwrap().days(), 1);
        assert_eq!(Period::ending_on(NaiveDate::MIN, 30).from(), NaiveDate::MIN);
    }

    #[test]
    fn an_owned_vehicle_is_a_vehicle_with_its_earnings_in_json() {
        let owned = OwnedVehicle {
            vehicle: Vehicle {
                id: VehicleId::new(),
                city: City::Rome,
                owner_id: UserId::new(),
                vehicle_type: VehicleType::Bike,
                status: VehicleStatus::Available,
                date_added: Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).unwrap(),
                last_location: Location::parse("Trastevere").unwrap(),
                color: "green".into(),
                brand: "Bianchi".into(),
            },
            rides: 3,
            minutes: 41,
            earnings: Money::new(915, Currency::Eur),
        };
        let json = serde_json::to_value(&owned).unwrap();
        assert_eq!(json["type"], "bike");
        assert_eq!(json["rides"], 3);
        assert_eq!(json["minutes"], 41);
        assert_eq!(
            json["earnings"],
            serde_json::json!({"minor_units": 915, "currency": "EUR"})
        );
        assert_eq!(serde_json::from_value::<OwnedVehicle>(json).unwrap(), owned);
    }
}
