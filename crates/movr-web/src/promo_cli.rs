//! `movr promo create`: what an operator types, checked into a
//! [`Promotion`] before anything touches the database.
//!
//! Amounts are typed in major units with at most two decimals (`5`, `5.5`,
//! `5.00`: five units of the currency) and stored in minor units; times are
//! RFC 3339 (`2026-12-01T00:00:00Z`) or a date (`2026-12-01`, midnight UTC).

use chrono::{DateTime, NaiveDate, Utc};
use movr_core::{Currency, Discount, PromoCode, Promotion};

/// The options of `movr promo create`, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromoArgs {
    /// The code.
    pub code: String,
    /// `--percent N`.
    pub percent: Option<i64>,
    /// `--cap AMOUNT` (with `--percent`).
    pub cap: Option<String>,
    /// `--amount AMOUNT` (with `--currency`).
    pub amount: Option<String>,
    /// `--currency USD|EUR` (with `--amount`).
    pub currency: Option<String>,
    /// `--valid-from`; now when absent.
    pub valid_from: Option<String>,
    /// `--until`.
    pub until: String,
    /// `--limit N`.
    pub limit: i64,
}

/// Why the options do not make a promo code; the message says what to
/// type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PromoArgsError(String);

fn refuse<T>(message: impl Into<String>) -> Result<T, PromoArgsError> {
    Err(PromoArgsError(message.into()))
}

/// An amount in major units (`5`, `5.5`, `5.00`) as minor units.
pub fn parse_amount(option: &str, raw: &str) -> Result<i64, PromoArgsError> {
    let bad = || {
        PromoArgsError(format!(
            "--{option} must be an amount like 5 or 4.99 (at most two decimals), not {raw:?}"
        ))
    };
    let (whole, fraction) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 12
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    Ok(whole * 100 + cents)
}

/// A time typed as RFC 3339 or a date (midnight UTC).
pub fn parse_time(option: &str, raw: &str) -> Result<DateTime<Utc>, PromoArgsError> {
    let raw = raw.trim();
    if let Ok(time) = DateTime::parse_from_rfc3339(raw) {
        return Ok(time.with_timezone(&Utc));
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
    {
        Some(midnight) => Ok(midnight.and_utc()),
        None => refuse(format!(
            "--{option} must be a date (2026-12-31) or an RFC 3339 time \
             (2026-12-31T23:59:59Z), not {raw:?}"
        )),
    }
}

impl PromoArgs {
    /// The promo code these options describe, with `now` for an absent
    /// `--valid-from`.
    pub fn promotion(&self, now: DateTime<Utc>) -> Result<Promotion, PromoArgsError> {
        let code = PromoCode::parse(&self.code)
            .map_err(|error| PromoArgsError(format!("the code {}", error.reason)))?;
        let discount = match (
            self.percent,
            self.cap.as_deref(),
            self.amount.as_deref(),
            self.currency.as_deref(),
        ) {
            (Some(percent), Some(cap), None, None) => {
                Discount::percent(percent, parse_amount("cap", cap)?)
            }
            (None, None, Some(amount), Some(currency)) => {
                let Some(currency) = Currency::from_code(&currency.trim().to_ascii_uppercase())
                else {
                    return refuse(format!("--currency must be USD or EUR, not {currency:?}"));
                };
                Discount::fixed(parse_amount("amount", amount)?, currency)
            }
            _ => {
                return refuse(
                    "give either --percent N --cap AMOUNT, or --amount AMOUNT --currency USD|EUR",
                );
            }
        }
        .map_err(|error| PromoArgsError(format!("--{}", error_text(&error))))?;
        let valid_from = match &self.valid_from {
            Some(raw) => parse_time("valid-from", raw)?,
            None => now,
        };
        let valid_until = parse_time("until", &self.until)?;
        Promotion::new(code, discount, valid_from, valid_until, self.limit).map_err(|error| {
            PromoArgsError(match error {
                movr_core::PromotionError::EmptyWindow => {
                    "--until must be later than --valid-from (or than now)".to_owned()
                }
                movr_core::PromotionError::Limit(_) => format!("--{error}"),
            })
        })
    }
}

fn error_text(error: &movr_core::DiscountError) -> String {
    match error.part {
        "percent" => format!("percent must be between 1 and 100, not {}", error.value),
        // A cap may be 0 (a code that gives nothing); an amount off may not.
        part => format!(
            "{part} must be between {} and {}.{:02}",
            if part == "cap" { "0.00" } else { "0.01" },
            error.max / 100,
            error.max % 100
        ),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn args() -> PromoArgs {
        PromoArgs {
            code: "welcome10".to_owned(),
            percent: Some(10),
            cap: Some("5".to_owned()),
            until: "2027-01-01".to_owned(),
            limit: 100,
            ..PromoArgs::default()
        }
    }

    #[test]
    fn amounts_are_major_units_with_two_decimals_at_most() {
        for (raw, cents) in [
            ("5", 500),
            ("5.5", 550),
            ("4.99", 499),
            ("0.01", 1),
            ("10000", 1_000_000),
        ] {
            assert_eq!(parse_amount("cap", raw).unwrap(), cents, "{raw}");
        }
        for raw in ["", "-1", "1.234", "1,50", "abc", ".5", "1e3"] {
            assert!(parse_amount("cap", raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn a_percentage_code() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap();
        let promotion = args().promotion(now).unwrap();
        assert_eq!(promotion.code.as_str(), "WELCOME10");
        assert_eq!(promotion.discount, Discount::percent(10, 500).unwrap());
        assert_eq!((promotion.valid_from, promotion.limit), (now, 100));
        assert_eq!(
            promotion.valid_until,
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn refusals_say_what_to_type() {
        let now = Utc::now();
        let both = PromoArgs {
            amount: Some("3".to_owned()),
            currency: Some("usd".to_owned()),
            ..args()
        };
        assert!(
            both.promotion(now)
                .unwrap_err()
                .0
                .contains("either --percent")
        );
        let fixed = PromoArgs {
            percent: None,
            cap: None,
            ..both.clone()
        };
        assert_eq!(
            fixed.promotion(now).unwrap().discount,
            Discount::fixed(300, Currency::Usd).unwrap()
        );
        let gbp = PromoArgs {
            currency: Some("GBP".to_owned()),
            ..fixed
        };
        assert!(gbp.promotion(now).unwrap_err().0.contains("USD or EUR"));
        let past = PromoArgs {
            until: "2000-01-01".to_owned(),
            ..args()
        };
        assert!(
            past.promotion(now)
                .unwrap_err()
                .0
                .contains("--until must be later")
        );
        let bad_percent = PromoArgs {
            percent: Some(120),
            ..args()
        };
        assert!(
            bad_percent
                .promotion(now)
                .unwrap_err()
                .0
                .contains("between 1 and 100")
        );
        let big_cap = PromoArgs {
            cap: Some("20000".to_owned()),
            ..args()
        };
        assert!(
            big_cap
                .promotion(now)
                .unwrap_err()
                .0
                .contains("cap must be between 0.00 and 10000.00"),
            "{:?}",
            big_cap.promotion(now)
        );
        let bad_code = PromoArgs {
            code: "no way".to_owned(),
            ..args()
        };
        assert!(
            bad_code
                .promotion(now)
                .unwrap_err()
                .0
                .contains("letters and digits")
        );
        let no_limit = PromoArgs { limit: 0, ..args() };
        assert!(no_limit.promotion(now).unwrap_err().0.contains("limit"));
    }
}
