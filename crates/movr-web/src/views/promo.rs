//! A rider's promo codes on their account page.

use movr_core::{Discount, Money, RiderPromo};
use serde::Serialize;

/// One applied code, for the account page.
#[derive(Debug, Serialize)]
pub struct PromoView {
    /// The code, e.g. `WELCOME10`.
    pub code: String,
    /// What it takes off, e.g. `10 % off, at most 5.00 of the ride's
    /// currency` or `$3.00 off a ride in USD`.
    pub discount: String,
    /// When it was applied, `YYYY-MM-DD`.
    pub applied: String,
    /// The ride it was used on (its receipt's id); `None`: waiting.
    pub ride: Option<String>,
    /// When it was used, `YYYY-MM-DD`.
    pub used: Option<String>,
}

/// What `discount` takes off, for people.
pub fn discount_text(discount: &Discount) -> String {
    match *discount {
        Discount::Percent { percent, cap } => format!(
            "{percent} % off, at most {}.{:02} of the ride's currency",
            cap / 100,
            cap % 100
        ),
        Discount::Fixed { amount, currency } => {
            format!("{} off a ride in {currency}", Money::new(amount, currency))
        }
    }
}

impl From<&RiderPromo> for PromoView {
    fn from(promo: &RiderPromo) -> Self {
        let day = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
        Self {
            code: promo.code.as_str().to_owned(),
            discount: discount_text(&promo.discount),
            applied: day(promo.applied_at),
            ride: promo.used_on.map(|ride| ride.to_string()),
            used: promo.used_at.map(day),
        }
    }
}

#[cfg(test)]
mod tests {
    use movr_core::Currency;

    use super::*;

    #[test]
    fn discounts_read_as_sentences() {
        let ten = Discount::percent(10, 500).expect("discount");
        assert_eq!(
            discount_text(&ten),
            "10 % off, at most 5.00 of the ride's currency"
        );
        let three = Discount::fixed(300, Currency::Eur).expect("discount");
        assert_eq!(discount_text(&three), "€3.00 off a ride in EUR");
    }
}
