//! Riders and vehicle owners, and the sign-up form.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::city::City;
use crate::ids::UserId;
use crate::validation::{Email, Password, PersonName, Username, ValidationError, ValidationErrors};

/// A registered user, as the rest of the application sees one.
///
/// There is deliberately no password hash here: the hash never leaves the
/// persistence and service layers, so no page, API response or log line built
/// from a `User` can leak it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user's id; with `city`, the row's primary key.
    pub id: UserId,
    /// The home city, which decides the partition holding the row.
    pub city: City,
    /// First name, as given at sign-up.
    pub first_name: String,
    /// Last name, as given at sign-up.
    pub last_name: String,
    /// Email address, as given at sign-up.
    pub email: String,
    /// Login name, lower-case and unique across all regions.
    pub username: String,
    /// Whether the user currently owns at least one vehicle.
    pub is_owner: bool,
}

impl User {
    /// First and last name, separated by a space.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A validated sign-up: everything needed to create a [`User`].
#[derive(Debug, Clone, Deserialize)]
pub struct NewUser {
    /// The home city.
    pub city: City,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Email address.
    pub email: Email,
    /// Login name (lower-cased).
    pub username: Username,
    /// The chosen password, to be hashed before storing.
    pub password: Password,
}

/// The sign-up form exactly as submitted: raw text, not yet validated.
///
/// Missing fields deserialize as empty strings, so they are reported by
/// [`NewUserForm::validate`] as "is required" rather than failing to decode.
/// `Debug` redacts the password.
///
/// ```
/// use movr_core::NewUserForm;
///
/// let form = NewUserForm {
///     city: "Boston".into(),
///     first_name: "".into(),
///     username: "x".into(),
///     ..NewUserForm::default()
/// };
/// let errors = form.validate().unwrap_err();
/// let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
/// assert_eq!(fields, ["first_name", "last_name", "email", "username", "password"]);
/// ```
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    /// The chosen home city, in any spelling [`City::parse`] accepts.
    pub city: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// Login name.
    pub username: String,
    /// Password, as typed.
    pub password: String,
}

impl NewUserForm {
    /// Validates every field, reporting all the problems at once, each on its
    /// form field (`city`, `first_name`, `last_name`, `email`, `username`,
    /// `password`), in that order.
    pub fn validate(&self) -> Result<NewUser, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let city = errors.check(
            City::parse(&self.city).map_err(|_| ValidationError::new("city", "unknown city")),
        );
        let first_name = errors.check(PersonName::parse("first_name", &self.first_name));
        let last_name = errors.check(PersonName::parse("last_name", &self.last_name));
        let email = errors.check(Email::parse(&self.email));
        let username = errors.check(Username::parse(&self.username));
        let password = errors.check(Password::parse(&self.password));
        let (
            Some(city),
            Some(first_name),
            Some(last_name),
            Some(email),
            Some(username),
            Some(password),
        ) = (city, first_name, last_name, email, username, password)
        else {
            return Err(errors);
        };
        Ok(NewUser {
            city,
            first_name,
            last_name,
            email,
            username,
            password,
        })
    }
}

impl fmt::Debug for NewUserForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUserForm")
            .field("city", &self.city)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    fn good_form() -> NewUserForm {
        NewUserForm {
            city: "new-york".to_owned(),
            first_name: " Carl ".to_owned(),
            last_name: "Sagan".to_owned(),
            email: "carl@example.com".to_owned(),
            username: "Carl".to_owned(),
            password: "pale blue dot".to_owned(),
        }
    }

    #[test]
    fn valid_form_is_normalized() {
        let user = good_form().validate().unwrap();
        assert_eq!(user.city, City::NewYork);
        assert_eq!(user.first_name.as_str(), "Carl");
        assert_eq!(user.username.as_str(), "carl");
        assert_eq!(user.password.expose(), "pale blue dot");
    }

    #[test]
    fn every_bad_field_is_reported_on_its_own_name() {
        let form = NewUserForm {
            city: "Gotham".to_owned(),
            first_name: String::new(),
            last_name: "x".repeat(101),
            email: "carl".to_owned(),
            username: "_carl".to_owned(),
            password: "short".to_owned(),
        };
        let errors = form.validate().unwrap_err();
        let found: Vec<_> = errors
            .errors()
            .iter()
            .map(|e| (e.field.as_str(), e.reason.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("city", "unknown city"),
                ("first_name", "is required"),
                ("last_name", "must be at most 100 characters"),
                ("email", "must contain exactly one '@'"),
                ("username", "must start with a letter or digit"),
                ("password", "must be between 8 and 128 characters"),
            ]
        );
    }

    #[test]
    fn one_bad_field_is_one_error() {
        let form = NewUserForm {
            email: "carl@localhost".to_owned(),
            ..good_form()
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors.for_field("email").is_some());
    }

    #[test]
    fn form_debug_redacts_password() {
        let debug = format!("{:?}", good_form());
        assert!(debug.contains("carl@example.com"), "{debug}");
        assert!(!debug.contains("pale blue dot"), "{debug}");
        let debug = format!("{:?}", good_form().validate().unwrap());
        assert!(!debug.contains("pale blue dot"), "{debug}");
    }

    #[test]
    fn form_decodes_with_missing_fields() {
        let form: NewUserForm = serde_json::from_str(r#"{"username":"carl"}"#).unwrap();
        assert_eq!(form.username, "carl");
        assert_eq!(form.validate().unwrap_err().len(), 5);
    }

    #[test]
    fn new_user_deserializes_through_validation() {
        let json = r#"{"city":"boston","first_name":"Ada","last_name":"Lovelace",
            "email":"ada@example.com","username":"ADA","password":"engine-notes"}"#;
        let user: NewUser = serde_json::from_str(json).unwrap();
        assert_eq!((user.city, user.username.as_str()), (City::Boston, "ada"));
        let bad = json.replace("ADA", "a");
        assert!(serde_json::from_str::<NewUser>(&bad).is_err());
    }

    #[test]
    fn user_serde_round_trip_and_full_name() {
        let user = User {
            id: "9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c".parse().unwrap(),
            city: City::NewYork,
            first_name: "Carl".to_owned(),
            last_name: "Sagan".to_owned(),
            email: "carl@example.com".to_owned(),
            username: "carl".to_owned(),
            is_owner: true,
        };
        assert_eq!(user.full_name(), "Carl Sagan");
        let json = serde_json::to_value(&user).unwrap();
        assert_eq!(json["city"], "new york");
        assert_eq!(json["id"], "9b3c8a1e-6d2f-4e5a-8b7c-0d1e2f3a4b5c");
        assert!(json.get("password_hash").is_none());
        assert_eq!(serde_json::from_value::<User>(json).unwrap(), user);
    }
}
