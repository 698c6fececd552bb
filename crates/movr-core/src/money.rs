//! Money: an amount in a currency's minor units (cents), never a float.
//!
//! Every city charges in one currency ([`City::currency`]): US dollars in
//! the US cities, euros in the European ones. Amounts are whole minor units
//! in an `i64` (both currencies have 100 minor units to the major one).
//!
//! # Formatting
//!
//! [`Money`]'s `Display` writes the currency's symbol, the major units, a
//! dot and exactly two digits of minor units, with a leading `-` for a
//! negative amount and no thousands separators: `$12.50`, `€0.05`,
//! `-$1.00`, `€1234.00`. The site is in English, so euros follow the same
//! English pattern (symbol first, decimal point) rather than a French or
//! Italian one (`12,50 €`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::city::City;

/// A currency MovR charges in. Serialized as its ISO 4217 code (`"USD"`,
/// `"EUR"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Currency {
    /// US dollars (`$`), in cents.
    #[serde(rename = "USD")]
    Usd,
    /// Euros (`€`), in cents.
    #[serde(rename = "EUR")]
    Eur,
}

impl Currency {
    /// Every currency.
    pub const ALL: [Currency; 2] = [Currency::Usd, Currency::Eur];

    /// The ISO 4217 code, as stored in the database: `"USD"` or `"EUR"`.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
        }
    }

    /// The symbol written before an amount: `"$"` or `"€"`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Currency::Usd => "$",
            Currency::Eur => "€",
        }
    }

    /// Reads an ISO 4217 code as stored (`"USD"`, `"EUR"`; exact case).
    pub fn from_code(code: &str) -> Option<Currency> {
        Currency::ALL.into_iter().find(|c| c.code() == code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl City {
    /// The currency rides in this city are charged in: USD in the US cities,
    /// EUR in Amsterdam, Paris and Rome.
    pub const fn currency(self) -> Currency {
        match self {
            City::NewYork
            | City::Boston
            | City::WashingtonDc
            | City::SanFrancisco
            | City::Seattle
            | City::LosAngeles => Currency::Usd,
            City::Amsterdam | City::Paris | City::Rome => Currency::Eur,
        }
    }
}

/// An amount of money: whole minor units (cents) of a currency.
///
/// ```
/// use movr_core::{Currency, Money};
///
/// assert_eq!(Money::new(1250, Currency::Usd).to_string(), "$12.50");
/// assert_eq!(Money::new(5, Currency::Eur).to_string(), "€0.05");
/// assert_eq!(Money::new(-100, Currency::Usd).to_string(), "-$1.00");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount in minor units (cents).
    pub minor_units: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// `minor_units` cents of `currency`.
    pub const fn new(minor_units: i64, currency: Currency) -> Money {
        Money {
            minor_units,
            currency,
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor_units < 0 { "-" } else { "" };
        let magnitude = self.minor_units.unsigned_abs();
        write!(
            f,
            "{sign}{}{}.{:02}",
            self.currency.symbol(),
            magnitude / 100,
            magnitude % 100
        )
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    #[test]
    fn us_cities_charge_dollars_european_ones_euros() {
        for city in City::ALL {
            let expected = if city.region() == crate::Region::EuropeWest1 {
                Currency::Eur
            } else {
                Currency::Usd
            };
            assert_eq!(city.currency(), expected, "{city}");
        }
    }

    #[test]
    fn formats_with_symbol_and_two_decimals() {
        for (cents, currency, text) in [
            (0, Currency::Usd, "$0.00"),
            (1, Currency::Usd, "$0.01"),
            (99, Currency::Eur, "€0.99"),
            (100, Currency::Eur, "€1.00"),
            (1250, Currency::Usd, "$12.50"),
            (123_456, Currency::Eur, "€1234.56"),
            (-5, Currency::Usd, "-$0.05"),
            (i64::MIN, Currency::Usd, "-$92233720368547758.08"),
            (i64::MAX, Currency::Eur, "€92233720368547758.07"),
        ] {
            assert_eq!(Money::new(cents, currency).to_string(), text);
        }
    }

    #[test]
    fn currency_codes_round_trip() {
        for currency in Currency::ALL {
            assert_eq!(Currency::from_code(currency.code()), Some(currency));
            let json = serde_json::to_string(&currency).unwrap();
            assert_eq!(json, format!("\"{}\"", currency.code()));
            assert_eq!(serde_json::from_str::<Currency>(&json).unwrap(), currency);
        }
        assert_eq!(Currency::from_code("usd"), None);
        assert_eq!(Currency::from_code("GBP"), None);
    }
}
