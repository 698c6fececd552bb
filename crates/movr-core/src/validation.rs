//! Validation errors and the validated text types ("parse, don't validate").
//!
//! Each type here can only hold an acceptable value: its `parse` constructor
//! trims (except [`Password`]), checks and normalizes the raw text, or returns
//! a [`ValidationError`] naming the form field and saying, in a human
//! sentence, what is wrong. Deserializing goes through the same `parse`.
//! Lengths are counted in characters (Unicode scalar values), not bytes.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// One rejected input: which form field, and why.
///
/// ```
/// use movr_core::{Username, ValidationError};
///
/// let error = Username::parse("a").unwrap_err();
/// assert_eq!(error, ValidationError::new("username", "must be between 3 and 32 characters"));
/// assert_eq!(error.to_string(), "username: must be between 3 and 32 characters");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ValidationError {
    /// The form field at fault, e.g. `"username"` or `"first_name"`.
    pub field: String,
    /// What is wrong, as a sentence fragment following the field name,
    /// e.g. `"is required"`.
    pub reason: String,
}

impl ValidationError {
    /// An error on `field` for `reason`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Every problem found in one form, so the user can fix them all at once.
///
/// Normally non-empty; [`ValidationErrors::default`] starts an empty list to
/// fill with [`ValidationErrors::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(transparent)]
#[error("{}", join(.0))]
pub struct ValidationErrors(pub Vec<ValidationError>);

fn join(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl ValidationErrors {
    /// A list holding a single error on `field` for `reason`.
    pub fn single(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self(vec![ValidationError::new(field, reason)])
    }

    /// The errors, in the order they were found.
    pub fn errors(&self) -> &[ValidationError] {
        &self.0
    }

    /// The first error on `field`, if any.
    pub fn for_field(&self, field: &str) -> Option<&ValidationError> {
        self.0.iter().find(|error| error.field == field)
    }

    /// Adds an error.
    pub fn push(&mut self, error: ValidationError) {
        self.0.push(error);
    }

    /// Whether no error has been recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many errors have been recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Keeps the value of `result`, or records its error and returns `None`,
    /// so that a form can check every field before giving up.
    ///
    /// ```
    /// use movr_core::{Username, ValidationErrors};
    ///
    /// let mut errors = ValidationErrors::default();
    /// let good = errors.check(Username::parse("carl"));
    /// let bad = errors.check(Username::parse("!"));
    /// assert!(good.is_some() && bad.is_none());
    /// assert_eq!(errors.len(), 1);
    /// ```
    pub fn check<T>(&mut self, result: Result<T, ValidationError>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }
}

impl From<ValidationError> for ValidationErrors {
    fn from(error: ValidationError) -> Self {
        Self(vec![error])
    }
}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The reason given for empty input.
pub(crate) const REQUIRED: &str = "is required";
/// The reason given for input containing control characters.
pub(crate) const NO_CONTROL: &str = "must not contain control characters";

/// Whether `c` is an invisible formatting character (Unicode general
/// category Cf): bidirectional overrides, embeddings and isolates
/// (U+202A–U+202E, U+2066–U+2069), zero-width characters (U+200B–U+200F,
/// U+2060–U+2064, U+FEFF), the soft hyphen, and the like. Shown to other
/// people, they can reverse or hide text ("Trojan Source" tricks), so no
/// displayed field accepts them.
pub(crate) fn is_format(c: char) -> bool {
    // No ASCII character is one, and most text is ASCII: skip the table.
    !c.is_ascii() && c.general_category() == GeneralCategory::Format
}

/// The reason given for input containing the invisible formatting
/// character `c`, naming its code point.
pub(crate) fn no_format(c: char) -> String {
    format!(
        "must not contain invisible formatting characters (found U+{:04X})",
        u32::from(c)
    )
}

/// Trims `raw` and checks it is non-empty, at most `max_chars` long and free
/// of control and invisible formatting characters: the rule shared by
/// free-text fields.
pub(crate) fn plain_text<'a>(
    field: &'static str,
    raw: &'a str,
    max_chars: usize,
) -> Result<&'a str, ValidationError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ValidationError::new(field, REQUIRED));
    }
    if text.chars().count() > max_chars {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ValidationError::new(field, NO_CONTROL));
    }
    if let Some(c) = text.chars().find(|&c| is_format(c)) {
        return Err(ValidationError::new(field, no_format(c)));
    }
    Ok(text)
}

/// Gives a validated text newtype `as_str`, `Display`, `AsRef<str>`,
/// `From<T> for String` and a `Serialize` writing the plain string.
macro_rules! text_newtype {
    ($name:ident) => {
        impl $name {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }
    };
}

/// A login name: unique across all regions, compared case-insensitively, so
/// stored lower-case.
///
/// Trimmed and lower-cased; 3 to 32 characters from `a-z`, `0-9`, `.`, `_`
/// and `-`, starting with a letter or digit. Only ASCII letters are accepted
/// *before* lower-casing, so look-alikes such as the Kelvin sign `K`, which
/// Unicode lower-cases to `k`, are rejected rather than folded.
///
/// ```
/// use movr_core::Username;
///
/// assert_eq!(Username::parse("  Carl.Sagan ")?.as_str(), "carl.sagan");
/// assert!(Username::parse("_carl").is_err());
/// # Ok::<(), movr_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Username(String);

impl Username {
    /// The form field this type validates.
    pub const FIELD: &'static str = "username";
    /// The fewest characters allowed.
    pub const MIN_CHARS: usize = 3;
    /// The most characters allowed.
    pub const MAX_CHARS: usize = 32;

    /// Validates and normalizes a username.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let error = |reason: &str| ValidationError::new(Self::FIELD, reason);
        let text = raw.trim();
        if text.is_empty() {
            return Err(error(REQUIRED));
        }
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&text.chars().count()) {
            return Err(error("must be between 3 and 32 characters"));
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(error("may only contain letters, digits, '.', '_' and '-'"));
        }
        if !text.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return Err(error("must start with a letter or digit"));
        }
        Ok(Self(text.to_ascii_lowercase()))
    }
}

impl TryFrom<String> for Username {
    type Error = ValidationError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

text_newtype!(Username);

/// An email address, checked for plausible shape only (it is never sent
/// mail, so no deliverability check). Trimmed; case kept as given.
///
/// At most 254 characters, exactly one `@` with something before it, a
/// domain containing a `.` that is not its first or last character, and no
/// whitespace, control or invisible formatting characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Email(String);

impl Email {
    /// The form field this type validates.
    pub const FIELD: &'static str = "email";
    /// The most characters allowed (the SMTP path limit).
    pub const MAX_CHARS: usize = 254;

    /// Validates an email address.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let error = |reason: &str| ValidationError::new(Self::FIELD, reason);
        let text = raw.trim();
        if text.is_empty() {
            return Err(error(REQUIRED));
        }
        if text.chars().count() > Self::MAX_CHARS {
            return Err(error("must be at most 254 characters"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(error("must not contain spaces or control characters"));
        }
        if let Some(c) = text.chars().find(|&c| is_format(c)) {
            return Err(error(&no_format(c)));
        }
        let Some((local, domain)) = text.split_once('@').filter(|(_, d)| !d.contains('@')) else {
            return Err(error("must contain exactly one '@'"));
        };
        if local.is_empty() {
            return Err(error("must have a name before the '@'"));
        }
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(error(
                "must have a domain such as example.com after the '@'",
            ));
        }
        Ok(Self(text.to_owned()))
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

text_newtype!(Email);

/// A first or last name: trimmed, 1 to 100 characters, no control or
/// invisible formatting characters (Unicode category Cf, e.g. U+202E).
///
/// Names vary too much across cultures for stricter rules.
///
/// ```
/// use movr_core::PersonName;
///
/// assert_eq!(PersonName::parse("first_name", " Ada ")?.as_str(), "Ada");
/// let error = PersonName::parse("last_name", "  ").unwrap_err();
/// assert_eq!(error.to_string(), "last_name: is required");
/// # Ok::<(), movr_core::ValidationError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct PersonName(String);

impl PersonName {
    /// The most characters allowed.
    pub const MAX_CHARS: usize = 100;

    /// Validates a name typed into form field `field` (e.g. `"first_name"`).
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        plain_text(field, raw, Self::MAX_CHARS).map(|text| Self(text.to_owned()))
    }
}

impl TryFrom<String> for PersonName {
    type Error = ValidationError;

    /// Validates with the generic field name `"name"`; forms should call
    /// [`PersonName::parse`] with the real field name.
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse("name", &raw)
    }
}

text_newtype!(PersonName);

/// A short free-text attribute such as a vehicle's color or brand: trimmed,
/// 1 to 50 characters, no control or invisible formatting characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ShortText(String);

impl ShortText {
    /// The most characters allowed.
    pub const MAX_CHARS: usize = 50;

    /// Validates text typed into form field `field` (e.g. `"color"`).
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, ValidationError> {
        plain_text(field, raw, Self::MAX_CHARS).map(|text| Self(text.to_owned()))
    }
}

impl TryFrom<String> for ShortText {
    type Error = ValidationError;

    /// Validates with the generic field name `"text"`; forms should call
    /// [`ShortText::parse`] with the real field name.
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse("text", &raw)
    }
}

text_newtype!(ShortText);

/// A plain-text password on its way to being hashed: 8 to 128 characters,
/// *not* trimmed (spaces are part of a password).
///
/// Its `Debug` prints `Password(***)`, it has no `Display` or `as_str`, and
/// it deliberately does not implement `Serialize`: nothing should ever write
/// a password out — to JSON, a log or a response. Read it with
/// [`Password::expose`] only to hash or verify it.
///
/// ```
/// use movr_core::Password;
///
/// let password = Password::parse("correct horse")?;
/// assert_eq!(format!("{password:?}"), "Password(***)");
/// assert_eq!(password.expose(), "correct horse");
/// # Ok::<(), movr_core::ValidationError>(())
/// ```
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Password(String);

impl Password {
    /// The form field this type validates.
    pub const FIELD: &'static str = "password";
    /// The fewest characters allowed.
    pub const MIN_CHARS: usize = 8;
    /// The most characters allowed (bounds the cost of hashing).
    pub const MAX_CHARS: usize = 128;

    /// Validates a password, exactly as typed.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() {
            return Err(ValidationError::new(Self::FIELD, REQUIRED));
        }
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&raw.chars().count()) {
            return Err(ValidationError::new(
                Self::FIELD,
                "must be between 8 and 128 characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password itself, for hashing or verifying. Never log or store it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl TryFrom<String> for Password {
    type Error = ValidationError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use super::*;

    fn reason<T>(result: Result<T, ValidationError>) -> String {
        match result {
            Ok(_) => panic!("expected a validation error"),
            Err(error) => error.reason,
        }
    }

    #[test]
    fn errors_display_and_lookup() {
        let mut errors = ValidationErrors::single("username", "is required");
        errors.push(ValidationError::new(
            "email",
            "must contain exactly one '@'",
        ));
        assert_eq!(
            errors.to_string(),
            "username: is required; email: must contain exactly one '@'"
        );
        assert_eq!(errors.len(), 2);
        assert_eq!(errors.errors()[1].field, "email");
        assert_eq!(errors.for_field("username").unwrap().reason, "is required");
        assert!(errors.for_field("password").is_none());
        assert_eq!((&errors).into_iter().count(), 2);
    }

    #[test]
    fn errors_serialize_as_a_list() {
        let errors = ValidationErrors::from(ValidationError::new("color", "is required"));
        let json = serde_json::to_string(&errors).unwrap();
        assert_eq!(json, r#"[{"field":"color","reason":"is required"}]"#);
        assert_eq!(
            serde_json::from_str::<ValidationErrors>(&json).unwrap(),
            errors
        );
    }

    #[test]
    fn username_normalizes() {
        assert_eq!(Username::parse(" Carl ").unwrap().as_str(), "carl");
        assert_eq!(Username::parse("a.b_c-9").unwrap().as_str(), "a.b_c-9");
        assert_eq!(Username::parse("9lives").unwrap().to_string(), "9lives");
    }

    #[test]
    fn username_length_boundaries() {
        let length = "must be between 3 and 32 characters";
        assert_eq!(reason(Username::parse("")), REQUIRED);
        assert_eq!(reason(Username::parse("   ")), REQUIRED);
        assert_eq!(reason(Username::parse("ab")), length);
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert_eq!(reason(Username::parse(&"a".repeat(33))), length);
    }

    #[test]
    fn username_characters() {
        let charset = "may only contain letters, digits, '.', '_' and '-'";
        for bad in [
            "carl sagan",
            "carl@home",
            "josé",
            "\u{212A}arl",
            "ca\u{0}rl",
        ] {
            assert_eq!(reason(Username::parse(bad)), charset, "{bad:?}");
        }
        for bad in ["_carl", ".carl", "-carl"] {
            assert_eq!(
                reason(Username::parse(bad)),
                "must start with a letter or digit"
            );
        }
        assert_eq!(Username::parse("x").unwrap_err().field, "username");
    }

    #[test]
    fn email_accepts_plausible_addresses_keeping_case() {
        for good in ["carl@example.com", "C.Sagan+movr@Mail.Example.ORG", "a@b.c"] {
            assert_eq!(Email::parse(&format!(" {good} ")).unwrap().as_str(), good);
        }
    }

    #[test]
    fn email_rejects_malformed_addresses() {
        let cases = [
            ("", REQUIRED),
            ("carl", "must contain exactly one '@'"),
            ("carl@a@example.com", "must contain exactly one '@'"),
            ("@example.com", "must have a name before the '@'"),
            (
                "carl@",
                "must have a domain such as example.com after the '@'",
            ),
            (
                "carl@localhost",
                "must have a domain such as example.com after the '@'",
            ),
            (
                "carl@.example",
                "must have a domain such as example.com after the '@'",
            ),
            (
                "carl@example.",
                "must have a domain such as example.com after the '@'",
            ),
            (
                "carl sagan@example.com",
                "must not contain spaces or control characters",
            ),
            (
                "carl\u{7}@example.com",
                "must not contain spaces or control characters",
            ),
        ];
        for (bad, expected) in cases {
            let error = Email::parse(bad).unwrap_err();
            assert_eq!(
                (error.field.as_str(), error.reason.as_str()),
                ("email", expected),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn email_length_boundary() {
        let local = "a".repeat(64);
        let at_limit = format!("{local}@{}.com", "b".repeat(254 - 64 - 1 - 4));
        assert_eq!(at_limit.chars().count(), 254);
        assert!(Email::parse(&at_limit).is_ok());
        let over = format!("a{at_limit}");
        assert_eq!(
            reason(Email::parse(&over)),
            "must be at most 254 characters"
        );
    }

    #[test]
    fn person_name_boundaries_count_characters() {
        assert_eq!(
            PersonName::parse("first_name", "  Zoë ").unwrap().as_str(),
            "Zoë"
        );
        assert!(PersonName::parse("first_name", "X").is_ok());
        assert!(PersonName::parse("first_name", &"é".repeat(100)).is_ok());
        let too_long = PersonName::parse("last_name", &"é".repeat(101)).unwrap_err();
        assert_eq!(
            too_long,
            ValidationError::new("last_name", "must be at most 100 characters")
        );
        assert_eq!(
            PersonName::parse("first_name", " \t ").unwrap_err(),
            ValidationError::new("first_name", REQUIRED)
        );
        assert_eq!(
            reason(PersonName::parse("first_name", "Ada\nLovelace")),
            NO_CONTROL
        );
    }

    #[test]
    fn short_text_boundaries() {
        assert_eq!(ShortText::parse("color", " red ").unwrap().as_str(), "red");
        assert!(ShortText::parse("brand", &"ß".repeat(50)).is_ok());
        assert_eq!(
            ShortText::parse("brand", &"ß".repeat(51)).unwrap_err(),
            ValidationError::new("brand", "must be at most 50 characters")
        );
        assert_eq!(ShortText::parse("color", "").unwrap_err().field, "color");
        assert_eq!(
            reason(ShortText::parse("color", "re\u{1b}[0md")),
            NO_CONTROL
        );
    }

    #[test]
    fn no_ascii_character_is_a_formatting_character() {
        // is_format's shortcut rests on this.
        for c in (0..=127_u8).map(char::from) {
            assert_ne!(c.general_category(), GeneralCategory::Format, "{c:?}");
        }
    }

    #[test]
    fn invisible_formatting_characters_are_refused_with_the_field_named() {
        for (c, code) in [
            ('\u{202E}', "U+202E"), // right-to-left override
            ('\u{202A}', "U+202A"), // left-to-right embedding
            ('\u{2066}', "U+2066"), // left-to-right isolate
            ('\u{200B}', "U+200B"), // zero-width space
            ('\u{200D}', "U+200D"), // zero-width joiner
            ('\u{200F}', "U+200F"), // right-to-left mark
            ('\u{2060}', "U+2060"), // word joiner
            ('\u{2064}', "U+2064"), // invisible plus
            ('\u{FEFF}', "U+FEFF"), // zero-width no-break space
            ('\u{AD}', "U+00AD"),   // soft hyphen
        ] {
            let reason = format!("must not contain invisible formatting characters (found {code})");
            assert_eq!(
                PersonName::parse("first_name", &format!("Ada{c}")).unwrap_err(),
                ValidationError::new("first_name", reason.clone()),
                "{code}"
            );
            assert_eq!(
                ShortText::parse("brand", &format!("{c}Acme")).unwrap_err(),
                ValidationError::new("brand", reason.clone()),
                "{code}"
            );
            assert_eq!(
                Email::parse(&format!("ada{c}@example.com")).unwrap_err(),
                ValidationError::new("email", reason),
                "{code}"
            );
        }
        // Control characters keep their own reason; visible text of any
        // script stays welcome.
        assert_eq!(reason(ShortText::parse("color", "re\u{85}d")), NO_CONTROL);
        for good in ["Zoë", "Łódź", "東京", "مرحبا", "Ἀθῆναι", "🚲"] {
            assert!(ShortText::parse("brand", good).is_ok(), "{good}");
        }
    }

    #[test]
    fn password_boundaries_are_in_characters_and_untrimmed() {
        let length = "must be between 8 and 128 characters";
        assert_eq!(reason(Password::parse("")), REQUIRED);
        assert_eq!(reason(Password::parse("1234567")), length);
        assert!(Password::parse("12345678").is_ok());
        // 8 characters but 16 bytes.
        assert!(Password::parse(&"é".repeat(8)).is_ok());
        assert_eq!(reason(Password::parse(&"é".repeat(7))), length);
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert_eq!(reason(Password::parse(&"é".repeat(129))), length);
        assert_eq!(
            Password::parse("  secret  ").unwrap().expose(),
            "  secret  "
        );
        // Would be 7 characters, and too short, if it were trimmed.
        assert!(Password::parse("1234567 ").is_ok());
    }

    #[test]
    fn password_debug_is_redacted() {
        let password = Password::parse("hunter2hunter2").unwrap();
        let debug = format!("{password:?} {:#?}", Some(&password));
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(format!("{password:?}"), "Password(***)");
    }

    #[test]
    fn serde_goes_through_parse() {
        let name: Username = serde_json::from_str(r#"" Carl ""#).unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), r#""carl""#);
        let error = serde_json::from_str::<Username>(r#""x""#).unwrap_err();
        assert!(
            error.to_string().contains("username: must be between"),
            "{error}"
        );
        assert!(serde_json::from_str::<Email>(r#""nope""#).is_err());
        assert!(serde_json::from_str::<PersonName>(r#""""#).is_err());
        assert!(serde_json::from_str::<ShortText>(r#""""#).is_err());
        let password: Password = serde_json::from_str(r#""long enough""#).unwrap();
        assert_eq!(password.expose(), "long enough");
        assert!(serde_json::from_str::<Password>(r#""short""#).is_err());
    }
}
