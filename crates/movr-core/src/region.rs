//! The three cloud regions MovR runs in, and which cities each one serves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::city::City;

/// A cloud region hosting one MovR app instance and one database partition.
///
/// Each region serves three cities; [`Region::cities`] and [`City::region`]
/// are the two directions of that one map.
///
/// ```
/// use movr_core::{City, Region};
///
/// let region: Region = "gcp-europe-west1".parse()?;
/// assert_eq!(region, Region::EuropeWest1);
/// assert_eq!(region.partition(), "europe_west");
/// assert_eq!(region.default_city(), City::Amsterdam);
/// # Ok::<(), movr_core::UnknownRegion>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Region {
    /// `gcp-us-east1`: New York, Boston, Washington DC.
    UsEast1,
    /// `gcp-us-west1`: San Francisco, Seattle, Los Angeles.
    UsWest1,
    /// `gcp-europe-west1`: Amsterdam, Paris, Rome.
    EuropeWest1,
}

impl Region {
    /// Every region, in a fixed order (east, west, Europe).
    pub const ALL: [Region; 3] = [Region::UsEast1, Region::UsWest1, Region::EuropeWest1];

    /// The region's name as the deployment knows it, e.g. `"gcp-us-east1"`
    /// (the `REGION` setting and the database locality).
    pub const fn as_str(self) -> &'static str {
        match self {
            Region::UsEast1 => "gcp-us-east1",
            Region::UsWest1 => "gcp-us-west1",
            Region::EuropeWest1 => "gcp-europe-west1",
        }
    }

    /// The suffix of this region's table partitions, e.g. `"us_east"`.
    pub const fn partition(self) -> &'static str {
        match self {
            Region::UsEast1 => "us_east",
            Region::UsWest1 => "us_west",
            Region::EuropeWest1 => "europe_west",
        }
    }

    /// The cities this region serves, in the original app's order.
    pub const fn cities(self) -> &'static [City] {
        match self {
            Region::UsEast1 => &[City::NewYork, City::Boston, City::WashingtonDc],
            Region::UsWest1 => &[City::SanFrancisco, City::Seattle, City::LosAngeles],
            Region::EuropeWest1 => &[City::Amsterdam, City::Paris, City::Rome],
        }
    }

    /// The city a rider gets when nothing better is known: the region's first.
    pub const fn default_city(self) -> City {
        match self {
            Region::UsEast1 => City::NewYork,
            Region::UsWest1 => City::SanFrancisco,
            Region::EuropeWest1 => City::Amsterdam,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text given as a region is not one of [`Region::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown region {input:?}; expected one of: gcp-us-east1, gcp-us-west1, gcp-europe-west1",
    input = crate::city::truncate_for_message(.0)
)]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    /// Accepts the exact region names, ignoring case and surrounding spaces.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        Region::ALL
            .into_iter()
            .find(|region| region.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownRegion(text.to_owned()))
    }
}

impl TryFrom<String> for Region {
    type Error = UnknownRegion;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Region> for &'static str {
    fn from(region: Region) -> Self {
        region.as_str()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    #[test]
    fn names_and_partitions() {
        let names: Vec<_> = Region::ALL
            .iter()
            .map(|r| (r.as_str(), r.partition()))
            .collect();
        assert_eq!(
            names,
            [
                ("gcp-us-east1", "us_east"),
                ("gcp-us-west1", "us_west"),
                ("gcp-europe-west1", "europe_west"),
            ]
        );
    }

    #[test]
    fn every_region_has_three_cities_of_its_own() {
        for region in Region::ALL {
            assert_eq!(region.cities().len(), 3, "{region}");
            assert_eq!(region.default_city(), region.cities()[0]);
            for city in region.cities() {
                assert_eq!(city.region(), region, "{city}");
            }
        }
    }

    #[test]
    fn parses_exact_names_ignoring_case_and_spaces() {
        for region in Region::ALL {
            assert_eq!(region.as_str().parse::<Region>(), Ok(region));
            assert_eq!(region.as_str().to_uppercase().parse::<Region>(), Ok(region));
            assert_eq!(format!("  {region}\n").parse::<Region>(), Ok(region));
        }
    }

    #[test]
    fn rejects_other_names_listing_valid_ones() {
        for bad in ["", "us-east1", "us_east", "gcp-us-east", "gcp us east1"] {
            let error = bad.parse::<Region>().unwrap_err();
            assert_eq!(error.0, bad);
            let message = error.to_string();
            assert!(message.contains("gcp-europe-west1"), "{message}");
        }
    }

    #[test]
    fn serde_uses_the_region_name() {
        let json = serde_json::to_string(&Region::UsWest1).unwrap();
        assert_eq!(json, r#""gcp-us-west1""#);
        assert_eq!(
            serde_json::from_str::<Region>(&json).unwrap(),
            Region::UsWest1
        );
        assert!(serde_json::from_str::<Region>(r#""mars-1""#).is_err());
    }
}
