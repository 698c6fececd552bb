//! The vehicles of a city, adding one, removing one.

use std::collections::BTreeMap;

use movr_core::{NewVehicleForm, ValidationErrors, VehicleId, VehicleType};
use movr_service::{Conflict, ServiceError, VEHICLES_PER_PAGE, next_before};
use poem::http::StatusCode;
use poem::web::{Html, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::{Deserialize, Serialize};
use tera::Context;

use super::{coordinate, parse_id, too_many};
use crate::error::PageError;
use crate::forms::{Button, ProtectedForm};
use crate::middleware::ClientAddr;
use crate::page::Page;
use crate::session::FlashLevel;
use crate::views::{CityView, MapView, vehicle_list_items};

/// The listing's query: `?before=<vehicle id>` shows older vehicles.
#[derive(Debug, Default, Deserialize)]
pub struct ListingQuery {
    before: Option<String>,
}

/// `GET /vehicles[?before=<vehicle>]`: the vehicles of the current city, a
/// page at a time.
#[handler]
pub async fn list(page: Page, Query(query): Query<ListingQuery>) -> poem::Result<Response> {
    page.require_user().await?;
    let movr = &page.state.movr;
    let before = match query.before.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => Some(parse_id::<VehicleId>(id, "vehicle")?),
        None => None,
    };
    let vehicles = match before {
        Some(vehicle) => movr.vehicles_before(page.city, vehicle).await,
        None => movr.list_vehicles(page.city).await,
    }
    .map_err(PageError::from)?;
    let older = next_before(&vehicles, VEHICLES_PER_PAGE, |vehicle| vehicle.id);
    let maps_key = page
        .state
        .maps_key
        .as_ref()
        .map(|key| key.expose().as_str());
    let mut context = Context::new();
    context.insert("vehicle_items", &vehicle_list_items(&vehicles, maps_key));
    // The template tests this, not the items: tera escapes a variable's
    // value even to test it, and the items are ~40 KB (that escaping was
    // 42 % of this page's work, callgrind).
    context.insert("has_vehicles", &!vehicles.is_empty());
    context.insert("city", &CityView::from(page.city));
    context.insert("map", &MapView::new(&page.state.map_tiles, page.city));
    context.insert("older", &older);
    context.insert("paged", &before.is_some());
    Ok(page
        .render("vehicles.html", "vehicles", context)?
        .into_response())
}

/// The add-vehicle form as typed (coordinates may be blank).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AddVehicleInput {
    #[serde(rename = "type")]
    vehicle_type: String,
    color: String,
    brand: String,
    location: String,
    longitude: String,
    latitude: String,
}

/// `GET /vehicles/add`
#[handler]
pub async fn add_page(page: Page) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let input = AddVehicleInput {
        vehicle_type: VehicleType::Scooter.as_str().to_owned(),
        ..AddVehicleInput::default()
    };
    Ok(add_form(&page, me.city, &input, &BTreeMap::new(), None)?.into_response())
}

/// The add-vehicle form, with what was typed, each field's error, and a
/// refusal of the whole form (`alert`: over a rate limit, at the cap).
fn add_form(
    page: &Page,
    home: movr_core::City,
    input: &AddVehicleInput,
    errors: &BTreeMap<String, String>,
    alert: Option<String>,
) -> Result<Html<String>, PageError> {
    let mut context = Context::new();
    context.insert("values", input);
    context.insert("errors", errors);
    if let Some(alert) = alert {
        context.insert("alert", &alert);
    }
    context.insert("home_city", &CityView::from(home));
    context.insert("map", &MapView::new(&page.state.map_tiles, home));
    context.insert(
        "types",
        &VehicleType::ALL
            .iter()
            .map(|t| serde_json::json!({"key": t.as_str(), "name": t.display_name()}))
            .collect::<Vec<_>>(),
    );
    page.render("add_vehicle.html", "add_vehicle", context)
}

fn validate(input: &AddVehicleInput) -> Result<movr_core::NewVehicle, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    let longitude = errors.check(coordinate(&input.longitude, "location"));
    let latitude = errors.check(coordinate(&input.latitude, "location"));
    let form = NewVehicleForm {
        vehicle_type: input.vehicle_type.clone(),
        color: input.color.clone(),
        brand: input.brand.clone(),
        location: input.location.clone(),
        longitude: longitude.flatten(),
        latitude: latitude.flatten(),
    };
    match (form.validate(), errors.is_empty()) {
        (Ok(vehicle), true) => Ok(vehicle),
        (Ok(_), false) => Err(errors),
        (Err(more), _) => {
            for error in more.errors() {
                if errors.for_field(&error.field).is_none() {
                    errors.push(error.clone());
                }
            }
            Err(errors)
        }
    }
}

/// `POST /vehicles/add`: lists a vehicle in one's home city.
#[handler]
pub async fn add(
    page: Page,
    client: ClientAddr,
    ProtectedForm(input): ProtectedForm<AddVehicleInput>,
) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let invalid = |errors: ValidationErrors| -> poem::Result<Response> {
        let errors = errors
            .errors()
            .iter()
            .map(|e| (e.field.clone(), e.reason.clone()))
            .collect();
        let form = add_form(&page, me.city, &input, &errors, None)?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, form).into_response())
    };
    let vehicle = match validate(&input) {
        Ok(vehicle) => vehicle,
        Err(errors) => return invalid(errors),
    };
    if let Err(refused) = page.state.limits.add_vehicle(client) {
        let form = add_form(
            &page,
            me.city,
            &input,
            &BTreeMap::new(),
            Some(refused.to_string()),
        )?;
        return Ok(too_many(form, refused));
    }
    let vehicle = match page.state.movr.add_vehicle(me.actor(), vehicle).await {
        Ok(vehicle) => vehicle,
        Err(ServiceError::Conflict(conflict @ Conflict::TooManyVehicles { .. })) => {
            let alert = format!("Your vehicle was not listed: {conflict}.");
            let form = add_form(&page, me.city, &input, &BTreeMap::new(), Some(alert))?;
            return Ok((StatusCode::CONFLICT, form).into_response());
        }
        // Nowhere on the map: neither coordinates nor a place MovR knows.
        Err(ServiceError::Invalid(errors)) => return invalid(errors),
        Err(error) => return Err(PageError::from(error).into()),
    };
    page.flash(
        FlashLevel::Success,
        format!(
            "Your {} is listed in {}.",
            vehicle.vehicle_type.display_name().to_lowercase(),
            vehicle.city.display_name()
        ),
    );
    Ok(page.redirect(&format!("/users/{}", me.id)))
}

/// `POST /vehicles/remove/<id>`: removes one of one's vehicles.
#[handler]
pub async fn remove(
    page: Page,
    Path(id): Path<String>,
    _form: ProtectedForm<Button>,
) -> poem::Result<Response> {
    let me = page.require_user().await?;
    let id: VehicleId = parse_id(&id, "vehicle")?;
    match page.state.movr.remove_vehicle(me.actor(), id).await {
        Ok(()) => page.flash(FlashLevel::Success, "Vehicle removed."),
        Err(ServiceError::Conflict(Conflict::VehicleInUse)) => page.flash(
            FlashLevel::Error,
            "That vehicle is being ridden; remove it when the ride has ended.",
        ),
        Err(error) => return Err(PageError::from(error).into()),
    }
    Ok(page.redirect(&format!("/users/{}", me.id)))
}
