//! The JSON API for other services (a mobile app, fleet management, an
//! operator dashboard), under `/api/v1`, with its OpenAPI spec at
//! `/api/openapi.json` and a browsable copy at `/api/docs`.
//!
//! Operations call the same [`movr_service::MovR`] methods as the pages, so
//! the same rules hold. Callers authenticate with a bearer token
//! ([`auth::BearerToken`]), never the browser's cookie, so there is no CSRF
//! surface. Bodies are `movr-core`'s serde shapes ([`model`]); every failure
//! is one [`error::ErrorBody`].

pub mod auth;
pub mod error;
pub mod fare_json;
pub mod limits;
pub mod model;

mod cities;
mod core_json;
mod earnings;
mod plain_refs;
mod positions;
mod promos;
mod rides;
mod tokens;
mod users;
mod vehicle_events;
mod vehicles;

use std::sync::Arc;

use poem::endpoint::make_sync;
use poem::{Endpoint, EndpointExt, Response, Route};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, OpenApi, OpenApiService, Tags};

/// Where the operations are mounted.
pub const BASE_PATH: &str = "/api/v1";

/// The groups operations are listed under in the spec.
#[derive(Debug, Tags)]
enum ApiTags {
    /// The cities MovR serves and the regions serving them.
    Cities,
    /// Logging in and out (bearer tokens).
    Tokens,
    /// Accounts.
    Users,
    /// Vehicles to ride, and one's own.
    Vehicles,
    /// Starting, ending and listing rides.
    Rides,
}

/// A created resource (201) and its JSON.
#[derive(Debug, ApiResponse)]
enum Created<T: ParseFromJSON + ToJSON + Send + Sync> {
    /// Created.
    #[oai(status = 201)]
    Created(Json<T>),
}

/// Done, nothing to return (204).
#[derive(Debug, ApiResponse)]
enum Done {
    /// Done.
    #[oai(status = 204)]
    Done,
}

type Apis = (
    cities::CitiesApi,
    tokens::TokensApi,
    users::UsersApi,
    promos::PromosApi,
    vehicles::VehiclesApi,
    rides::RidesApi,
    positions::PositionsApi,
);

fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            cities::CitiesApi,
            tokens::TokensApi,
            users::UsersApi,
            promos::PromosApi,
            vehicles::VehiclesApi,
            rides::RidesApi,
            positions::PositionsApi,
        ),
        "MovR",
        "1.0.0",
    )
    .description(
        "Vehicle sharing across regions: the cities served, accounts, vehicles and rides. \
         Log in with POST /tokens and send the token as `Authorization: Bearer <token>`. \
         Every failure is an `Error` object with a stable `code`.",
    )
    .server(BASE_PATH)
}

/// The OpenAPI document (JSON), as served at `/api/openapi.json` and
/// committed as `crates/movr-web/openapi.json`: poem-openapi's, with each
/// described property of an enum or object type as a one-member `allOf`,
/// the shape client generators read (`api/plain_refs.rs`).
pub fn spec() -> String {
    plain_refs::without_repeated_all_of(&service().spec())
}

/// Each operation's route template as the router reports it (poem-openapi
/// names path parameters `:param0`, `:param1`, … in order) and as the HTTP
/// metrics show it, with the spec's names: (`/api/v1/cities/:param0`,
/// `/api/v1/cities/:city`).
pub fn route_templates() -> Vec<(String, String)> {
    Apis::meta()
        .iter()
        .flat_map(|api| &api.paths)
        .map(|path| {
            let (mut routed, mut shown) = (BASE_PATH.to_owned(), BASE_PATH.to_owned());
            let mut parameters = 0;
            for segment in path.path.split('/').filter(|s| !s.is_empty()) {
                let parameter = segment
                    .strip_prefix('{')
                    .and_then(|s| s.strip_suffix('}'))
                    .or_else(|| segment.strip_prefix(':'));
                match parameter {
                    Some(name) => {
                        routed.push_str(&format!("/:param{parameters}"));
                        shown.push_str(&format!("/:{name}"));
                        parameters += 1;
                    }
                    None => {
                        routed.push_str(&format!("/{segment}"));
                        shown.push_str(&format!("/{segment}"));
                    }
                }
            }
            (routed, shown)
        })
        .collect()
}

/// Everything under `/api`: the operations (`/v1`), the spec
/// (`/openapi.json`) and its docs page (`/docs`, assets built in). Errors
/// get their JSON shape from [`error::json_errors`], around the whole app.
pub fn routes() -> impl Endpoint<Output = Response> {
    let service = service();
    let allowed = Arc::new(error::AllowedMethods::of(&Apis::meta()));
    let spec = spec();
    Route::new()
        .at(
            "/openapi.json",
            make_sync(move |_| {
                Response::builder()
                    .content_type("application/json")
                    .body(spec.clone())
            }),
        )
        .nest("/docs", service.swagger_ui())
        .nest(
            "/v1",
            service
                .around(limits::body_limits)
                .around(move |next, req| error::allow_header(next, req, allowed.clone())),
        )
}

/// The spec's request examples are valid requests (Swagger UI's "Try it out"
/// and schemathesis start from them).
#[cfg(test)]
mod tests {
    use movr_core::{NewUserForm, NewVehicleForm};
    use poem_openapi::types::Example;

    use super::*;

    #[test]
    fn route_templates_take_the_specs_parameter_names() {
        let templates = route_templates();
        for expected in [
            ("/api/v1/regions", "/api/v1/regions"),
            (
                "/api/v1/cities/:param0/vehicles/:param1",
                "/api/v1/cities/:city/vehicles/:id",
            ),
            ("/api/v1/rides/:param0/end", "/api/v1/rides/:id/end"),
        ] {
            let expected = (expected.0.to_owned(), expected.1.to_owned());
            assert!(
                templates.contains(&expected),
                "{expected:?} in {templates:?}"
            );
        }
    }

    #[test]
    fn request_examples_pass_validation() {
        let user: NewUserForm = users::NewUserJson::example().into();
        assert!(user.validate().is_ok());
        let vehicle: NewVehicleForm = vehicles::NewVehicleJson::example().into();
        assert!(vehicle.validate().is_ok());
        assert!(rides::RideEndJson::example().location().is_ok());
    }

    #[test]
    fn the_spec_shows_the_examples() {
        let spec: serde_json::Value = serde_json::from_str(&spec()).unwrap_or_default();
        let schemas = &spec["components"]["schemas"];
        for name in ["NewUser", "NewVehicle", "RideEnd", "NewRide", "Login"] {
            assert!(
                schemas[name]["example"].is_object(),
                "{name} has no example"
            );
        }
        assert_eq!(
            schemas["NewUser"]["example"]["password"], "correct horse battery",
            "the example has every field a request needs"
        );
    }
}
