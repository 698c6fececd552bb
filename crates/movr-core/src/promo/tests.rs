//! The promo rule's tests: exact examples, bounds, serde, and properties.

#![expect(clippy::unwrap_used, reason = "a panic is how a test fails")]

use proptest::prelude::*;

use super::*;

#[test]
fn codes_are_letters_and_digits_upper_case() {
    assert_eq!(PromoCode::parse("Welcome10").unwrap().as_str(), "WELCOME10");
    for bad in [
        "",
        "  ",
        "ab",
        "WELCOME 10",
        "ÉTÉ2026",
        "x".repeat(33).as_str(),
    ] {
        assert!(PromoCode::parse(bad).is_err(), "{bad:?}");
    }
    assert!(serde_json::from_str::<PromoCode>("\"no-dashes\"").is_err());
    assert_eq!(
        serde_json::to_string(&PromoCode::parse("abc").unwrap()).unwrap(),
        "\"ABC\""
    );
}

#[test]
fn exact_examples() {
    let ten = Discount::percent(10, 500).unwrap();
    for (subtotal, off) in [
        (0, 0),
        (4, 0),
        (5, 1),
        (1_234, 123),
        (1_235, 124),
        (5_000, 500),
        (9_999_999, 500),
    ] {
        assert_eq!(ten.amount_off(Currency::Usd, subtotal), off, "{subtotal}");
    }
    let all = Discount::percent(100, MAX_DISCOUNT).unwrap();
    assert_eq!(all.amount_off(Currency::Eur, 731), 731);
    let fixed = Discount::fixed(300, Currency::Eur).unwrap();
    assert_eq!(fixed.amount_off(Currency::Eur, 1_000), 300);
    assert_eq!(fixed.amount_off(Currency::Eur, 120), 120);
    assert_eq!(fixed.amount_off(Currency::Usd, 1_000), 0);
    assert!(!fixed.applies_to(Currency::Usd) && ten.applies_to(Currency::Eur));
}

#[test]
fn discounts_refuse_numbers_out_of_bounds() {
    assert_eq!(Discount::percent(0, 1).unwrap_err().part, "percent");
    assert_eq!(Discount::percent(101, 1).unwrap_err().part, "percent");
    assert_eq!(Discount::percent(5, -1).unwrap_err().part, "cap");
    assert_eq!(
        Discount::fixed(MAX_DISCOUNT + 1, Currency::Usd)
            .unwrap_err()
            .part,
        "amount"
    );
    assert_eq!(
        Discount::fixed(0, Currency::Usd).unwrap_err().part,
        "amount"
    );
}

#[test]
fn serde_shapes_and_checks() {
    let json = serde_json::to_value(Discount::percent(10, 500).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "percent", "percent": 10, "cap": 500})
    );
    let json = serde_json::to_value(Discount::fixed(300, Currency::Usd).unwrap()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "fixed", "amount": 300, "currency": "USD"})
    );
    assert_eq!(
        serde_json::from_value::<Discount>(json).unwrap(),
        Discount::fixed(300, Currency::Usd).unwrap()
    );
    let bad = serde_json::json!({"kind": "percent", "percent": 150, "cap": 500});
    assert!(serde_json::from_value::<Discount>(bad).is_err());
}

#[test]
fn promotions_need_a_window_and_a_limit() {
    let code = PromoCode::parse("ABC").unwrap();
    let discount = Discount::percent(10, 100).unwrap();
    let now = Utc::now();
    let day = chrono::TimeDelta::days(1);
    assert!(Promotion::new(code, discount, now, now + day, 1).is_ok());
    assert_eq!(
        Promotion::new(code, discount, now, now, 1),
        Err(PromotionError::EmptyWindow)
    );
    assert_eq!(
        Promotion::new(code, discount, now, now + day, 0),
        Err(PromotionError::Limit(0))
    );
}

fn any_discount() -> impl Strategy<Value = Discount> {
    prop_oneof![
        (1_i64..=100, 0..=MAX_DISCOUNT).prop_map(|(p, cap)| Discount::percent(p, cap).unwrap()),
        (1..=MAX_DISCOUNT, prop::bool::ANY).prop_map(|(amount, usd)| {
            let currency = if usd { Currency::Usd } else { Currency::Eur };
            Discount::fixed(amount, currency).unwrap()
        }),
    ]
}

fn any_currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(Currency::ALL.to_vec())
}

proptest! {
    #[test]
    fn never_negative_never_above_the_subtotal(
        discount in any_discount(), currency in any_currency(), subtotal in 0_i64..1 << 53,
    ) {
        let off = discount.amount_off(currency, subtotal);
        prop_assert!((0..=subtotal).contains(&off));
        if !discount.applies_to(currency) {
            prop_assert_eq!(off, 0);
        }
    }

    #[test]
    fn percentages_round_half_up_then_cap(
        percent in 1_i64..=100, cap in 0..=MAX_DISCOUNT, subtotal in 0_i64..1 << 53,
    ) {
        let off = Discount::percent(percent, cap).unwrap().amount_off(Currency::Usd, subtotal);
        // The exact share in hundredths of a cent; rounded half up.
        let exact = i128::from(subtotal) * i128::from(percent);
        let rounded = (exact + 50).div_euclid(100);
        prop_assert_eq!(i128::from(off), rounded.min(i128::from(cap)));
        let charged = rounded * 100;
        prop_assert!(charged - exact <= 50 && exact - charged < 50);
    }

    #[test]
    fn a_bigger_subtotal_never_gets_less_off(
        discount in any_discount(), currency in any_currency(),
        subtotal in 0_i64..1 << 52, more in 0_i64..1 << 40,
    ) {
        prop_assert!(
            discount.amount_off(currency, subtotal + more)
                >= discount.amount_off(currency, subtotal)
        );
    }
}
