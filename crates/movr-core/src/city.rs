//! The nine cities MovR serves, and forgiving parsing of city names.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::region::Region;

/// A city MovR serves. Every table is partitioned by city, so the city is the
/// first part of every primary key.
///
/// [`City::as_str`] is the lower-case key stored in the database and used in
/// JSON; [`City::display_name`] is for people; [`City::slug`] is for URLs.
///
/// ```
/// use movr_core::{City, Region};
///
/// let city = City::parse("Washington D.C.")?;
/// assert_eq!(city, City::WashingtonDc);
/// assert_eq!(city.as_str(), "washington dc");
/// assert_eq!(city.slug(), "washington-dc");
/// assert_eq!(city.region(), Region::UsEast1);
/// # Ok::<(), movr_core::UnknownCity>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum City {
    /// New York (`gcp-us-east1`).
    NewYork,
    /// Boston (`gcp-us-east1`).
    Boston,
    /// Washington DC (`gcp-us-east1`).
    WashingtonDc,
    /// San Francisco (`gcp-us-west1`).
    SanFrancisco,
    /// Seattle (`gcp-us-west1`).
    Seattle,
    /// Los Angeles (`gcp-us-west1`).
    LosAngeles,
    /// Amsterdam (`gcp-europe-west1`).
    Amsterdam,
    /// Paris (`gcp-europe-west1`).
    Paris,
    /// Rome (`gcp-europe-west1`).
    Rome,
}

impl City {
    /// Every city, grouped by region in the order of [`Region::ALL`].
    pub const ALL: [City; 9] = [
        City::NewYork,
        City::Boston,
        City::WashingtonDc,
        City::SanFrancisco,
        City::Seattle,
        City::LosAngeles,
        City::Amsterdam,
        City::Paris,
        City::Rome,
    ];

    /// The lower-case key stored in the `city` column, e.g. `"new york"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            City::NewYork => "new york",
            City::Boston => "boston",
            City::WashingtonDc => "washington dc",
            City::SanFrancisco => "san francisco",
            City::Seattle => "seattle",
            City::LosAngeles => "los angeles",
            City::Amsterdam => "amsterdam",
            City::Paris => "paris",
            City::Rome => "rome",
        }
    }

    /// The name to show people, e.g. `"Washington DC"`.
    pub const fn display_name(self) -> &'static str {
        match self {
            City::NewYork => "New York",
            City::Boston => "Boston",
            City::WashingtonDc => "Washington DC",
            City::SanFrancisco => "San Francisco",
            City::Seattle => "Seattle",
            City::LosAngeles => "Los Angeles",
            City::Amsterdam => "Amsterdam",
            City::Paris => "Paris",
            City::Rome => "Rome",
        }
    }

    /// The name for URLs, e.g. `"new-york"`; [`City::parse`] accepts it back.
    pub const fn slug(self) -> &'static str {
        match self {
            City::NewYork => "new-york",
            City::Boston => "boston",
            City::WashingtonDc => "washington-dc",
            City::SanFrancisco => "san-francisco",
            City::Seattle => "seattle",
            City::LosAngeles => "los-angeles",
            City::Amsterdam => "amsterdam",
            City::Paris => "paris",
            City::Rome => "rome",
        }
    }

    /// The region whose instance and partition serve this city.
    pub const fn region(self) -> Region {
        match self {
            City::NewYork | City::Boston | City::WashingtonDc => Region::UsEast1,
            City::SanFrancisco | City::Seattle | City::LosAngeles => Region::UsWest1,
            City::Amsterdam | City::Paris | City::Rome => Region::EuropeWest1,
        }
    }

    /// Reads a city name as a person, a URL or a load balancer might write it.
    ///
    /// Ignores case and surrounding whitespace, treats `-`, `_`, `+` and `%20`
    /// as spaces, collapses runs of spaces and ignores `.`, so the key, the
    /// display name and the slug all parse, as do `"Washington D.C."` and
    /// `"NEW   YORK"`.
    ///
    /// ```
    /// use movr_core::City;
    ///
    /// for text in ["new york", "New York", "new-york", "new_york", "New%20York", " NEW   YORK "] {
    ///     assert_eq!(City::parse(text), Ok(City::NewYork));
    /// }
    /// assert!(City::parse("gotham").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<City, UnknownCity> {
        // The database's keys (every row read) match as they are, without
        // the allocations of normalizing.
        if let Some(city) = City::ALL.into_iter().find(|city| city.as_str() == text) {
            return Ok(city);
        }
        let normalized = normalize(text);
        City::ALL
            .into_iter()
            .find(|city| city.as_str() == normalized)
            .ok_or_else(|| UnknownCity(text.to_owned()))
    }
}

/// Lower-cases `text`, turns separators into single spaces and drops dots.
fn normalize(text: &str) -> String {
    let spaced = text.replace("%20", " ").to_lowercase();
    let cleaned: String = spaced
        .chars()
        .filter(|&c| c != '.')
        .map(|c| if matches!(c, '-' | '_' | '+') { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for City {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for City {
    type Err = UnknownCity;

    /// Same as [`City::parse`].
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        City::parse(text)
    }
}

impl TryFrom<String> for City {
    type Error = UnknownCity;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        City::parse(&text)
    }
}

impl From<City> for &'static str {
    fn from(city: City) -> Self {
        city.as_str()
    }
}

/// The text given as a city is not one MovR serves. Holds the text as given;
/// the message quotes at most its first 40 characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown city {input:?}; expected one of: new york, boston, washington dc, \
     san francisco, seattle, los angeles, amsterdam, paris, rome",
    input = truncate_for_message(.0)
)]
pub struct UnknownCity(pub String);

/// The longest prefix of user input (in characters) quoted in an error.
const QUOTED_INPUT_MAX_CHARS: usize = 40;

/// Cuts `input` to [`QUOTED_INPUT_MAX_CHARS`], marking the cut with `…`.
pub(crate) fn truncate_for_message(input: &str) -> String {
    match input.char_indices().nth(QUOTED_INPUT_MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &input[..cut]),
        None => input.to_owned(),
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn all_lists_nine_distinct_cities_grouped_by_region() {
        let unique: HashSet<_> = City::ALL.iter().collect();
        assert_eq!(unique.len(), 9);
        let by_region: Vec<City> = Region::ALL
            .iter()
            .flat_map(|r| r.cities().iter().copied())
            .collect();
        assert_eq!(by_region, City::ALL);
    }

    #[test]
    fn keys_names_and_slugs_are_distinct() {
        for names in [
            City::ALL.map(City::as_str),
            City::ALL.map(City::display_name),
            City::ALL.map(City::slug),
        ] {
            assert_eq!(names.iter().collect::<HashSet<_>>().len(), 9);
        }
    }

    #[test]
    fn every_city_parses_from_many_spellings() {
        for city in City::ALL {
            let key = city.as_str();
            let spellings = [
                key.to_owned(),
                city.display_name().to_owned(),
                city.slug().to_owned(),
                key.to_uppercase(),
                key.replace(' ', "_"),
                key.replace(' ', "+"),
                key.replace(' ', "%20"),
                key.replace(' ', "   "),
                format!("  {}\t\n", city.display_name()),
                city.to_string(),
            ];
            for spelling in spellings {
                assert_eq!(City::parse(&spelling), Ok(city), "{spelling:?}");
                assert_eq!(spelling.parse::<City>(), Ok(city), "{spelling:?}");
            }
        }
    }

    #[test]
    fn washington_dc_parses_with_dots() {
        for spelling in [
            "Washington D.C.",
            "washington d.c",
            "WASHINGTON-D.C.",
            "W.ashington DC",
        ] {
            assert_eq!(City::parse(spelling), Ok(City::WashingtonDc), "{spelling}");
        }
    }

    #[test]
    fn unknown_city_quotes_input_and_lists_known_cities() {
        let error = City::parse("Gotham").unwrap_err();
        assert_eq!(error, UnknownCity("Gotham".to_owned()));
        let message = error.to_string();
        assert!(message.starts_with(r#"unknown city "Gotham""#), "{message}");
        for city in City::ALL {
            assert!(message.contains(city.as_str()), "{message}");
        }
    }

    #[test]
    fn unknown_city_message_truncates_long_input() {
        let long = "é".repeat(500);
        let message = City::parse(&long).unwrap_err().to_string();
        assert!(
            message.contains(&format!("{}…", "é".repeat(40))),
            "{message}"
        );
        assert!(!message.contains(&"é".repeat(41)), "{message}");
        let exact = "x".repeat(40);
        let message = City::parse(&exact).unwrap_err().to_string();
        assert!(message.contains(&format!("\"{exact}\"")), "{message}");
    }

    #[test]
    fn rejects_near_misses() {
        for bad in [
            "",
            "   ",
            "newyork",
            "new york city",
            "york",
            "paris france",
            "rom",
        ] {
            assert!(City::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn serde_uses_the_database_key() {
        assert_eq!(
            serde_json::to_string(&City::NewYork).unwrap(),
            r#""new york""#
        );
        assert_eq!(
            serde_json::from_str::<City>(r#""new york""#).unwrap(),
            City::NewYork
        );
        assert_eq!(
            serde_json::from_str::<City>(r#""Los Angeles""#).unwrap(),
            City::LosAngeles
        );
        let error = serde_json::from_str::<City>(r#""gotham""#).unwrap_err();
        assert!(error.to_string().contains("unknown city"), "{error}");
    }
}
