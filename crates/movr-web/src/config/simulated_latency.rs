//! `SIMULATED_DB_LATENCY`: the label of a latency simulation (see the
//! README's configuration table). The delay itself is a proxy's, the one
//! `cargo xtask demo --regions --simulate-latency` starts; this setting only
//! tells the pages and `Server-Timing` what it simulates, so they say so.
//!
//! Two forms:
//! - one time, e.g. `65ms`: one database far away, the same round trip for
//!   every statement (a single-region database seen from another region);
//! - per region, e.g. `gcp-us-west1=65ms,gcp-europe-west1=90ms`: each
//!   city's rows live in its own region (CockroachDB's `REGIONAL BY ROW`),
//!   and a statement costs the round trip to the region of the city it
//!   names; regions not listed (this instance's own) cost nothing.

use std::time::Duration;

use movr_core::{City, Region};

/// The longest round trip a simulation may claim.
const LONGEST: Duration = Duration::from_secs(10);

/// What a latency simulation adds between this instance and its database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimulatedLatency {
    /// One distant database: every statement pays this round trip.
    Everywhere(Duration),
    /// Rows homed in their city's region: the round trip to each region
    /// (absent: local, none).
    ByRegion(Vec<(Region, Duration)>),
}

impl SimulatedLatency {
    /// Parses the setting's value (see the module docs); the error says
    /// what was expected.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if !value.contains('=') {
            return round_trip(value).map(Self::Everywhere);
        }
        let mut round_trips = Vec::new();
        for entry in value.split(',') {
            let (region, time) = entry.split_once('=').ok_or_else(|| {
                format!(
                    "expected REGION=TIME for each region, got {:?}",
                    entry.trim()
                )
            })?;
            let region: Region = region.trim().parse().map_err(|_| {
                format!(
                    "unknown region {:?}; expected one of {}",
                    region.trim(),
                    Region::ALL.map(Region::as_str).join(", ")
                )
            })?;
            if round_trips.iter().any(|(seen, _)| *seen == region) {
                return Err(format!("{region} is given twice"));
            }
            round_trips.push((region, round_trip(time.trim())?));
        }
        Ok(Self::ByRegion(round_trips))
    }

    /// The round trip a statement about `city`'s rows pays.
    pub fn round_trip_for(&self, city: City) -> Duration {
        match self {
            Self::Everywhere(round_trip) => *round_trip,
            Self::ByRegion(round_trips) => round_trips
                .iter()
                .find(|(region, _)| *region == city.region())
                .map_or(Duration::ZERO, |(_, round_trip)| *round_trip),
        }
    }

    /// How a page about `city` labels the simulation (the footer), e.g.
    /// `simulated 65ms round trip` or `simulated 65ms round trip to
    /// gcp-us-west1's rows`.
    pub fn label_for(&self, city: City) -> String {
        match self {
            Self::Everywhere(round_trip) => simulated(*round_trip),
            Self::ByRegion(_) => match self.round_trip_for(city) {
                Duration::ZERO => "simulated: this city's rows are in this region".to_owned(),
                far => format!("{} to {}'s rows", simulated(far), city.region()),
            },
        }
    }

    /// How a response's `Server-Timing` labels the simulation, whatever the
    /// request was about.
    pub fn label(&self) -> String {
        match self {
            Self::Everywhere(round_trip) => simulated(*round_trip),
            Self::ByRegion(_) => "simulated round trips to each city's region".to_owned(),
        }
    }
}

/// `simulated 65ms round trip`.
fn simulated(round_trip: Duration) -> String {
    format!(
        "simulated {} round trip",
        humantime::format_duration(round_trip)
    )
}

fn round_trip(value: &str) -> Result<Duration, String> {
    humantime::parse_duration(value)
        .ok()
        .filter(|time| *time <= LONGEST)
        .ok_or_else(|| {
            format!(
                "expected a time from 0s to {} such as 65ms, or REGION=TIME,… per region; got {value:?}",
                humantime::format_duration(LONGEST)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn one_time_is_the_same_for_every_city() {
        let simulated = SimulatedLatency::parse("65ms").expect("a time");
        assert_eq!(simulated, SimulatedLatency::Everywhere(ms(65)));
        assert_eq!(simulated.round_trip_for(City::Rome), ms(65));
        assert_eq!(
            simulated.label_for(City::Boston),
            "simulated 65ms round trip"
        );
        assert_eq!(simulated.label(), "simulated 65ms round trip");
    }

    #[test]
    fn per_region_times_apply_to_their_cities_and_the_rest_are_local() {
        let simulated = SimulatedLatency::parse(" gcp-us-west1=65ms, gcp-europe-west1 = 90ms ")
            .expect("per region");
        assert_eq!(simulated.round_trip_for(City::Seattle), ms(65));
        assert_eq!(simulated.round_trip_for(City::Paris), ms(90));
        assert_eq!(simulated.round_trip_for(City::Boston), Duration::ZERO);
        assert_eq!(
            simulated.label_for(City::Seattle),
            "simulated 65ms round trip to gcp-us-west1's rows"
        );
        assert_eq!(
            simulated.label_for(City::NewYork),
            "simulated: this city's rows are in this region"
        );
    }

    #[test]
    fn bad_values_say_what_was_expected() {
        for (value, expected) in [
            ("65", "such as 65ms"),
            ("11s", "from 0s to 10s"),
            ("gcp-mars1=65ms", "unknown region \"gcp-mars1\""),
            ("gcp-us-west1=65ms,gcp-us-west1=70ms", "given twice"),
            ("gcp-us-west1=65ms,90ms", "REGION=TIME"),
            ("gcp-us-west1=fast", "such as 65ms"),
        ] {
            let error = SimulatedLatency::parse(value).expect_err(value);
            assert!(error.contains(expected), "{value}: {error}");
        }
    }
}
