//! The cities MovR serves and their regions (no token needed).

use movr_core::{City, Region};
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;

use super::ApiTags;
use crate::api::error::{CityLookup, Failure};
use crate::api::model::{CityInfo, CityJson, RegionInfo};

/// `/regions`, `/cities`, `/cities/{city}`.
#[derive(Debug)]
pub struct CitiesApi;

#[OpenApi(tag = "ApiTags::Cities")]
impl CitiesApi {
    /// Every region and the cities it serves.
    #[oai(path = "/regions", method = "get", operation_id = "list_regions")]
    async fn regions(&self) -> Json<Vec<RegionInfo>> {
        Json(Region::ALL.into_iter().map(RegionInfo::from).collect())
    }

    /// Every city, with its region.
    #[oai(path = "/cities", method = "get", operation_id = "list_cities")]
    async fn cities(&self) -> Json<Vec<CityInfo>> {
        Json(City::ALL.into_iter().map(CityInfo::from).collect())
    }

    /// One city and the region serving it.
    #[oai(path = "/cities/:city", method = "get", operation_id = "get_city")]
    async fn city(&self, city: Path<CityJson>) -> Result<Json<CityInfo>, Failure<CityLookup>> {
        Ok(Json(CityInfo::from(City::from(city.0))))
    }
}
