//! The one change made to poem-openapi's spec before it is served or
//! committed: a property whose type is another schema keeps a one-member
//! `allOf`.
//!
//! poem-openapi writes a described (or nullable) property of an enum or
//! object type as `{"description": d, "allOf": [{"$ref": r},
//! {"description": d}]}`: the second member repeats the property's own
//! keywords. It says nothing new, but it makes `allOf` look like a
//! composition of two schemas, and generators take it as one:
//! openapi-python-client drops every schema with such a property whose
//! type is an enum ("Cannot take allOf a non-object": `User`, `Vehicle`,
//! `Ride`, both pages, `Error`, …) and writes a copy of a referenced object
//! per property (`KnownPlacePoint` beside `Point`). Without the repeated
//! member the property reads `{"description": d, "allOf": [{"$ref": r}]}`:
//! the same schema, description and nullability kept on the property, which
//! generators read as the referenced type itself.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A JSON document that keeps its keys in their order, so the rewritten
/// spec differs from poem-openapi's only where a member was dropped.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
enum Json {
    Object(IndexMap<String, Json>),
    Array(Vec<Json>),
    Scalar(Value),
}

/// `spec` (poem-openapi's pretty JSON) with every `allOf` of a `$ref` and
/// a schema that only repeats keywords of the enclosing schema cut down to
/// the `$ref`.
pub(super) fn without_repeated_all_of(spec: &str) -> String {
    let mut document: Json =
        serde_json::from_str(spec).expect("poem-openapi writes the spec as valid JSON");
    drop_repeated_members(&mut document);
    serde_json::to_string_pretty(&document).expect("a JSON document serializes")
}

fn drop_repeated_members(json: &mut Json) {
    match json {
        Json::Object(object) => {
            if let Some(Json::Array(members)) = object.get("allOf")
                && let [Json::Object(reference), Json::Object(repeated)] = members.as_slice()
                && reference.len() == 1
                && reference.contains_key("$ref")
                && repeated
                    .iter()
                    .all(|(key, value)| key != "allOf" && object.get(key) == Some(value))
                && let Some(Json::Array(members)) = object.get_mut("allOf")
            {
                members.truncate(1);
            }
            object.values_mut().for_each(drop_repeated_members);
        }
        Json::Array(items) => items.iter_mut().for_each(drop_repeated_members),
        Json::Scalar(_) => {}
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use serde_json::json;

    use super::*;

    fn rewritten(spec: &Value) -> Value {
        let text = serde_json::to_string_pretty(spec).unwrap();
        serde_json::from_str(&without_repeated_all_of(&text)).unwrap()
    }

    #[test]
    fn a_described_reference_keeps_its_description_and_one_member() {
        let spec = json!({"properties": {"city": {
            "description": "Home city.",
            "allOf": [{"$ref": "#/components/schemas/City"}, {"description": "Home city."}]
        }}});
        assert_eq!(
            rewritten(&spec),
            json!({"properties": {"city": {
                "description": "Home city.",
                "allOf": [{"$ref": "#/components/schemas/City"}]
            }}})
        );
    }

    #[test]
    fn a_nullable_reference_stays_nullable() {
        let spec = json!({"point": {
            "description": "Or null.",
            "nullable": true,
            "allOf": [{"$ref": "#/components/schemas/Point"}, {"description": "Or null.", "nullable": true}]
        }});
        let point = &rewritten(&spec)["point"];
        assert_eq!(point["nullable"], true);
        assert_eq!(point["description"], "Or null.");
        assert_eq!(
            point["allOf"],
            json!([{"$ref": "#/components/schemas/Point"}])
        );
    }

    #[test]
    fn a_real_composition_is_left_alone() {
        for spec in [
            // The second member adds a keyword the property does not have.
            json!({"allOf": [{"$ref": "#/a"}, {"description": "x", "minLength": 1}], "description": "x"}),
            // It says something else.
            json!({"allOf": [{"$ref": "#/a"}, {"description": "y"}], "description": "x"}),
            // Two references.
            json!({"allOf": [{"$ref": "#/a"}, {"$ref": "#/b"}]}),
        ] {
            assert_eq!(rewritten(&spec), spec);
        }
    }

    #[test]
    fn keys_keep_their_order_and_the_text_its_layout() {
        let spec = "{\n  \"openapi\": \"3.0.0\",\n  \"info\": {\n    \"title\": \"MovR\",\n    \"x\": -73.9855\n  }\n}";
        assert_eq!(without_repeated_all_of(spec), spec);
    }
}
