//! Answer bodies that serde writes straight from `movr-core` values.
//!
//! poem-openapi's `Json<T>` first turns a body into a `serde_json::Value`
//! tree (a map per object, a string per field) and then writes the tree: on
//! a page of 50 vehicles that was 45 % of the request's work (callgrind).
//! The busiest answers use [`CoreJson`] instead: the spec still describes
//! the `model.rs` twin `D` — whose JSON the tests there hold equal to the
//! core type's serde JSON — and serde writes the body from the core values
//! in one pass.

use std::marker::PhantomData;

use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::Serialize;

/// A `200` JSON body `T` (serialized by serde), described in the spec as
/// the type `D`.
#[derive(Debug)]
pub struct CoreJson<T, D> {
    pub(super) body: T,
    described_as: PhantomData<fn() -> D>,
}

impl<T, D> CoreJson<T, D> {
    /// The answer `body`.
    pub fn new(body: T) -> Self {
        Self {
            body,
            described_as: PhantomData,
        }
    }
}

impl<T: Send, D: Type> Payload for CoreJson<T, D> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        D::schema_ref()
    }

    fn register(registry: &mut Registry) {
        D::register(registry);
    }
}

impl<T: Serialize + Send, D: Type> IntoResponse for CoreJson<T, D> {
    fn into_response(self) -> Response {
        poem::web::Json(self.body).into_response()
    }
}

impl<T: Serialize + Send, D: Type> ApiResponse for CoreJson<T, D> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        D::register(registry);
    }
}
