//! The API's operations, as the spec names them: each client method sends
//! its request from its entry here (method, path, whether it takes the
//! bearer token), and [`OPERATIONS`] lists them all, so a test can hold
//! the table to the committed `openapi.json`.

/// One operation of `/api/v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The spec's `operationId`, which is also the client method's name.
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path under `/api/v1`, with `{parameters}` as in the spec.
    pub path: &'static str,
    /// Whether it needs the bearer token.
    pub authenticated: bool,
}

impl Operation {
    /// Whether it only reads (a `GET`): safe to send again.
    pub fn is_read(&self) -> bool {
        self.method == "GET"
    }

    /// The path's segments with each `{parameter}` replaced by the next of
    /// `values`, in order.
    pub(crate) fn segments<'a>(&self, values: &[&'a str]) -> Vec<&'a str> {
        let mut values = values.iter();
        self.path
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    values.next().copied().unwrap_or_default()
                } else {
                    segment
                }
            })
            .collect()
    }
}

/// Declares each operation as a constant and lists them in [`OPERATIONS`].
macro_rules! operations {
    ($($name:ident = $id:literal $method:literal $path:literal $auth:literal;)*) => {
        $(
            #[doc = concat!("`", $method, " ", $path, "` (`", $id, "`).")]
            pub const $name: Operation = Operation {
                id: $id,
                method: $method,
                path: $path,
                authenticated: $auth,
            };
        )*

        /// Every operation of the API this client calls, in the spec's order.
        pub const OPERATIONS: &[Operation] = &[$($name),*];
    };
}

operations! {
    LIST_REGIONS = "list_regions" "GET" "/regions" false;
    LIST_CITIES = "list_cities" "GET" "/cities" false;
    GET_CITY = "get_city" "GET" "/cities/{city}" false;
    LOG_IN = "log_in" "POST" "/tokens" false;
    LOG_OUT = "log_out" "DELETE" "/tokens/current" true;
    REGISTER = "register" "POST" "/users" false;
    GET_ME = "get_me" "GET" "/users/me" true;
    DELETE_ME = "delete_me" "DELETE" "/users/me" true;
    APPLY_PROMO_CODE = "apply_promo_code" "POST" "/users/me/promo-codes" true;
    LIST_PROMO_CODES = "list_promo_codes" "GET" "/users/me/promo-codes" true;
    LIST_VEHICLES = "list_vehicles" "GET" "/cities/{city}/vehicles" true;
    VEHICLE_EVENTS = "vehicle_events" "GET" "/cities/{city}/vehicles/events" true;
    GET_VEHICLE = "get_vehicle" "GET" "/cities/{city}/vehicles/{id}" true;
    REMOVE_VEHICLE = "remove_vehicle" "DELETE" "/cities/{city}/vehicles/{id}" true;
    LIST_MY_VEHICLES = "list_my_vehicles" "GET" "/users/me/vehicles" true;
    ADD_VEHICLE = "add_vehicle" "POST" "/vehicles" true;
    START_RIDE = "start_ride" "POST" "/rides" true;
    LIST_RIDES = "list_rides" "GET" "/rides" true;
    END_RIDE = "end_ride" "POST" "/rides/{id}/end" true;
    GET_RIDE = "get_ride" "GET" "/rides/{id}" true;
    REPORT_POSITIONS = "report_positions" "POST" "/rides/{id}/positions" true;
    GET_RIDE_PATH = "get_ride_path" "GET" "/rides/{id}/path" true;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_fill_the_path_in_order() {
        assert_eq!(
            GET_VEHICLE.segments(&["new york", "42"]),
            ["cities", "new york", "vehicles", "42"]
        );
        assert_eq!(LIST_REGIONS.segments(&[]), ["regions"]);
        assert_eq!(END_RIDE.segments(&["7"]), ["rides", "7", "end"]);
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = OPERATIONS.iter().map(|op| op.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), OPERATIONS.len());
    }
}
