// @generated automatically by Diesel CLI.

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Bytea,
        user_city -> Text,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    fare_cards (city, vehicle_type, in_force_from) {
        city -> Text,
        vehicle_type -> Text,
        in_force_from -> Timestamptz,
        currency -> Text,
        unlock_fee -> Int8,
        per_minute -> Int8,
        per_km -> Nullable<Int8>,
    }
}

diesel::table! {
    promo_codes (code) {
        code -> Text,
        percent_off -> Nullable<Int8>,
        max_discount -> Nullable<Int8>,
        amount_off -> Nullable<Int8>,
        currency -> Nullable<Text>,
        valid_from -> Timestamptz,
        valid_until -> Timestamptz,
        redemption_limit -> Int8,
        redemptions -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    ride_positions (city, ride_id, recorded_at) {
        city -> Text,
        ride_id -> Uuid,
        recorded_at -> Timestamptz,
        longitude -> Float8,
        latitude -> Float8,
        received_at -> Timestamptz,
    }
}

diesel::table! {
    rides (city, id) {
        city -> Text,
        id -> Uuid,
        vehicle_id -> Uuid,
        rider_city -> Text,
        rider_id -> Uuid,
        start_location -> Text,
        start_longitude -> Nullable<Float8>,
        start_latitude -> Nullable<Float8>,
        end_location -> Nullable<Text>,
        end_longitude -> Nullable<Float8>,
        end_latitude -> Nullable<Float8>,
        start_time -> Timestamptz,
        end_time -> Nullable<Timestamptz>,
        length -> Nullable<Interval>,
        distance_m -> Int8,
        fare_currency -> Nullable<Text>,
        fare_unlock_fee -> Nullable<Int8>,
        fare_per_minute -> Nullable<Int8>,
        fare_per_km -> Nullable<Int8>,
        fare_minutes -> Nullable<Int8>,
        fare_time -> Nullable<Int8>,
        fare_distance -> Nullable<Int8>,
        fare_total -> Nullable<Int8>,
        path_length_m -> Float8,
        last_longitude -> Nullable<Float8>,
        last_latitude -> Nullable<Float8>,
        last_reported_at -> Nullable<Timestamptz>,
        fare_discount -> Int8,
        promo_code -> Nullable<Text>,
    }
}

diesel::table! {
    user_promo_codes (city, user_id, code) {
        city -> Text,
        user_id -> Uuid,
        code -> Text,
        applied_at -> Timestamptz,
        ride_city -> Nullable<Text>,
        ride_id -> Nullable<Uuid>,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    usernames (username) {
        username -> Text,
        user_city -> Text,
        user_id -> Uuid,
    }
}

diesel::table! {
    users (city, id) {
        city -> Text,
        id -> Uuid,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        username -> Text,
        password_hash -> Text,
        is_owner -> Bool,
        active_ride_city -> Nullable<Text>,
        active_ride_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    vehicles (city, id) {
        city -> Text,
        id -> Uuid,
        #[sql_name = "type"]
        type_ -> Text,
        owner_id -> Uuid,
        date_added -> Timestamptz,
        status -> Text,
        last_location -> Text,
        last_longitude -> Nullable<Float8>,
        last_latitude -> Nullable<Float8>,
        color -> Text,
        brand -> Text,
    }
}

diesel::joinable!(user_promo_codes -> promo_codes (code));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    fare_cards,
    promo_codes,
    ride_positions,
    rides,
    user_promo_codes,
    usernames,
    users,
    vehicles,
);
