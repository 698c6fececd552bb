//! A ride's receipt: where and when it started and ended, how long and how
//! far, and what it cost, formatted once here in the ride's currency.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use movr_core::{Fare, Money, Ride};
use serde::Serialize;

use super::ride_length;

/// The receipt page's view of one ride.
#[derive(Debug, Serialize)]
pub struct ReceiptView<'a> {
    /// The ride's id.
    pub id: String,
    /// The vehicle's city, for people.
    pub city: &'static str,
    /// Where it started.
    pub from: &'a str,
    /// When it started, `YYYY-MM-DD HH:MM:SS UTC`.
    pub started: String,
    /// The same, RFC 3339 (for the script that counts the time so far).
    pub started_at: String,
    /// When the page was made, RFC 3339.
    pub now: String,
    /// How long it has been going, while riding.
    pub elapsed: Option<String>,
    /// Where it ended; `None` while riding.
    pub to: Option<&'a str>,
    /// When it ended; `None` while riding.
    pub ended: Option<String>,
    /// How long it took, e.g. `12 min 5 s`; `None` while riding.
    pub duration: Option<String>,
    /// How far (so far), e.g. `1.23 km`.
    pub distance: String,
    /// Whether no distance was measured (no path was reported, or none
    /// that moved).
    pub unmeasured: bool,
    /// What it cost; `None` while riding or when it was never priced.
    pub fare: Option<FareView>,
}

/// A receipt's discount line.
#[derive(Debug, Serialize)]
pub struct DiscountLine {
    /// The code, e.g. `WELCOME10`.
    pub code: String,
    /// What it took off, negative, e.g. `-$0.53`.
    pub amount: String,
}

/// A fare's lines, formatted in its currency.
#[derive(Debug, Serialize)]
pub struct FareView {
    /// The unlock fee, e.g. `$1.00`.
    pub unlock: String,
    /// The time part's working, e.g. `11 min × $0.39`.
    pub time_rule: String,
    /// The time part, e.g. `$4.29`.
    pub time: String,
    /// The distance part's working, e.g. `1.23 km × €0.08`; `None`: the
    /// card charges no distance.
    pub distance_rule: Option<String>,
    /// The distance part.
    pub distance: String,
    /// The promo code's line, if one was used: its code and what it took
    /// off, e.g. `-$0.53`.
    pub discount: Option<DiscountLine>,
    /// The total after any discount, e.g. `$5.29`.
    pub total: String,
    /// The currency's code, e.g. `USD`.
    pub currency: &'static str,
}

impl From<&Fare> for FareView {
    fn from(fare: &Fare) -> Self {
        let money = |minor_units| fare.money(minor_units).to_string();
        let currency = fare.card.currency();
        Self {
            unlock: money(fare.unlock),
            time_rule: format!(
                "{} min × {}",
                fare.minutes,
                Money::new(fare.card.per_minute(), currency)
            ),
            time: money(fare.time),
            distance_rule: fare.card.per_km().map(|per_km| {
                format!(
                    "{} × {}",
                    kilometres(fare.distance_m),
                    Money::new(per_km, currency)
                )
            }),
            distance: money(fare.distance),
            discount: fare.promo_code.map(|code| DiscountLine {
                code: code.as_str().to_owned(),
                amount: money(-fare.discount),
            }),
            total: money(fare.total),
            currency: currency.code(),
        }
    }
}

impl<'a> ReceiptView<'a> {
    /// The page of `ride`, which has come `distance_m` metres, seen at `now`.
    pub fn new(ride: &'a Ride, distance_m: u32, now: DateTime<Utc>) -> Self {
        let time = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
        let rfc3339 = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        Self {
            id: ride.id.to_string(),
            city: ride.city.display_name(),
            from: ride.start_location.label(),
            started: time(ride.start_time),
            started_at: rfc3339(ride.start_time),
            now: rfc3339(now),
            elapsed: ride
                .is_active()
                .then(|| ride_length((now - ride.start_time).max(TimeDelta::zero()))),
            to: ride.end_location.as_ref().map(|l| l.label()),
            ended: ride.end_time.map(time),
            duration: ride.length().map(ride_length),
            distance: kilometres(distance_m),
            unmeasured: distance_m == 0,
            fare: ride.fare.as_ref().map(FareView::from),
        }
    }
}

/// How far `ride` went, as its history shows it: the distance its fare
/// charged (the ride's distance when it ended); none for a ride never
/// priced.
pub fn ended_distance_m(ride: &Ride) -> u32 {
    ride.fare.map_or(0, |fare| fare.distance_m)
}

/// Metres as kilometres with two decimals (truncated), e.g. `1.23 km`.
pub fn kilometres(metres: u32) -> String {
    format!("{}.{:02} km", metres / 1000, metres % 1000 / 10)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use movr_core::{City, Currency, FareCard, Location, RideId, UserId, VehicleId};

    use super::*;

    #[test]
    fn a_priced_ride_reads_as_a_receipt_in_its_currency() {
        let start = Utc
            .with_ymd_and_hms(2026, 5, 17, 8, 30, 0)
            .single()
            .expect("date");
        let card = FareCard::new(Currency::Eur, 100, 30, Some(8)).expect("card");
        let ride = Ride {
            id: RideId::new(),
            city: City::Rome,
            vehicle_id: VehicleId::new(),
            rider_id: UserId::new(),
            rider_city: City::Rome,
            start_location: Location::parse("Colosseo").expect("location"),
            end_location: Some(Location::parse("Trastevere").expect("location")),
            start_time: start,
            end_time: Some(start + TimeDelta::seconds(725)),
            fare: Some(card.fare(TimeDelta::seconds(725), 1_234)),
        };
        let receipt = ReceiptView::new(&ride, 1_234, start + TimeDelta::hours(1));
        assert_eq!(receipt.duration.as_deref(), Some("12 min 5 s"));
        assert_eq!(receipt.elapsed, None, "an ended ride has no time so far");
        assert_eq!(receipt.distance, "1.23 km");
        let fare = receipt.fare.expect("a fare");
        assert_eq!(fare.unlock, "€1.00");
        assert_eq!(
            (fare.time_rule.as_str(), fare.time.as_str()),
            ("13 min × €0.30", "€3.90")
        );
        assert_eq!(fare.distance_rule.as_deref(), Some("1.23 km × €0.08"));
        assert_eq!(fare.distance, "€0.10");
        assert_eq!(fare.total, "€5.00");
        assert!(fare.discount.is_none());
    }

    #[test]
    fn a_discount_is_a_line_of_its_own_before_the_total() {
        let card = FareCard::new(Currency::Usd, 100, 39, None).expect("card");
        let code = movr_core::PromoCode::parse("WELCOME10").expect("code");
        let ten = movr_core::Discount::percent(10, 500).expect("discount");
        let fare = card.fare_with(TimeDelta::minutes(11), 0, Some((code, ten)));
        let view = FareView::from(&fare);
        let line = view.discount.expect("a discount line");
        // $1.00 + 11 × $0.39 = $5.29; 10 % is 52.9 cents, rounded to 53.
        assert_eq!(
            (line.code.as_str(), line.amount.as_str()),
            ("WELCOME10", "-$0.53")
        );
        assert_eq!(view.total, "$4.76");
    }

    #[test]
    fn an_open_ride_reads_its_time_and_distance_so_far() {
        let start = Utc
            .with_ymd_and_hms(2026, 5, 17, 8, 30, 0)
            .single()
            .expect("date");
        let ride = Ride {
            id: RideId::new(),
            city: City::Rome,
            vehicle_id: VehicleId::new(),
            rider_id: UserId::new(),
            rider_city: City::Rome,
            start_location: Location::parse("Colosseo").expect("location"),
            end_location: None,
            start_time: start,
            end_time: None,
            fare: None,
        };
        let page = ReceiptView::new(&ride, 2_583, start + TimeDelta::seconds(725));
        assert_eq!(page.elapsed.as_deref(), Some("12 min 5 s"));
        assert_eq!(page.distance, "2.58 km");
        assert_eq!(page.started_at, "2026-05-17T08:30:00.000Z");
        assert_eq!(page.now, "2026-05-17T08:42:05.000Z");
        assert_eq!(
            (page.to, page.duration, page.fare.is_none()),
            (None, None, true)
        );
    }

    #[test]
    fn kilometres_have_two_decimals() {
        assert_eq!(kilometres(0), "0.00 km");
        assert_eq!(kilometres(999), "0.99 km");
        assert_eq!(kilometres(12_050), "12.05 km");
    }
}
