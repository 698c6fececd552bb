//! The persistence layer's error: database failures classified by what a
//! caller can do about them. Its `Display` never contains database text (that
//! stays in `source()` for logs), so it can travel up the layers safely.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// A failure of the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique constraint refused the write; `constraint` names it.
    #[error("unique constraint `{constraint}` refused the write")]
    UniqueViolation {
        /// The violated constraint or unique index.
        constraint: String,
    },
    /// A foreign key refused the write: the referenced row does not exist.
    #[error("foreign key `{constraint}` refused the write")]
    ForeignKeyViolation {
        /// The violated foreign key constraint.
        constraint: String,
    },
    /// A CHECK or NOT NULL constraint refused the write.
    #[error("constraint `{constraint}` refused the write")]
    CheckViolation {
        /// The violated constraint, or the column for NOT NULL.
        constraint: String,
    },
    /// The database aborted the transaction to keep it serializable
    /// (SQLSTATE 40001). The transaction runner retries these; a caller sees
    /// one only when the retries are exhausted.
    #[error("the transaction kept conflicting with concurrent ones")]
    SerializationFailure,
    /// The database could not be reached, or no connection was free in time.
    #[error("the database is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A row held a value the domain does not know (e.g. an unknown city).
    #[error("a `{table}` row holds an invalid value")]
    CorruptRow {
        /// The table the row came from.
        table: &'static str,
        /// What was wrong.
        #[source]
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A schema migration failed (the message is for the operator).
    #[error("schema migration failed: {0}")]
    Migration(String),
    /// Any other database failure: a bug or an operational problem.
    #[error("unexpected database error")]
    Unexpected(#[source] DieselError),
}

impl DbError {
    /// Whether the whole transaction may be run again (SQLSTATE 40001).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::SerializationFailure)
    }

    /// The constraint behind a constraint violation, if this is one.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            Self::UniqueViolation { constraint }
            | Self::ForeignKeyViolation { constraint }
            | Self::CheckViolation { constraint } => Some(constraint),
            _ => None,
        }
    }

    pub(crate) fn corrupt(
        table: &'static str,
        cause: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::CorruptRow {
            table,
            cause: Box::new(cause),
        }
    }
}

impl From<DieselError> for DbError {
    fn from(error: DieselError) -> Self {
        let DieselError::DatabaseError(kind, info) = &error else {
            return Self::Unexpected(error);
        };
        let constraint = || {
            let name = info
                .constraint_name()
                .or(info.column_name())
                .unwrap_or("unknown");
            parent_constraint(name).to_owned()
        };
        match kind {
            DatabaseErrorKind::UniqueViolation => Self::UniqueViolation {
                constraint: constraint(),
            },
            DatabaseErrorKind::ForeignKeyViolation => Self::ForeignKeyViolation {
                constraint: constraint(),
            },
            DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => {
                Self::CheckViolation {
                    constraint: constraint(),
                }
            }
            DatabaseErrorKind::SerializationFailure => Self::SerializationFailure,
            // No SQLSTATE: the socket closed or the server went away. Not
            // retried: a write may or may not have committed.
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                Self::Unavailable(Box::new(error))
            }
            // diesel-async exposes no SQLSTATE for other codes, only the
            // server's (English, in our sessions' default locale) message.
            _ if is_deadlock(info.message()) => Self::SerializationFailure,
            _ if is_unavailability(info.message()) => Self::Unavailable(Box::new(error)),
            _ => Self::Unexpected(error),
        }
    }
}

/// SQLSTATE 40P01: PostgreSQL aborted one of two transactions waiting for
/// each other's locks; like 40001, running it again is safe.
fn is_deadlock(message: &str) -> bool {
    message == "deadlock detected"
}

/// Class 57 (operator intervention) and timeouts: the server is shutting
/// down, restarting, or gave up on the statement.
fn is_unavailability(message: &str) -> bool {
    [
        "terminating connection",
        "the database system is",
        "canceling statement due to",
    ]
    .iter()
    .any(|prefix| message.starts_with(prefix))
}

/// PostgreSQL names the partition's copy of an index in its errors; our
/// migrations name those copies `<parent>__<partition>`.
fn parent_constraint(name: &str) -> &str {
    name.split_once("__").map_or(name, |(parent, _)| parent)
}

impl From<bb8::RunError<diesel_async::pooled_connection::PoolError>> for DbError {
    fn from(error: bb8::RunError<diesel_async::pooled_connection::PoolError>) -> Self {
        Self::Unavailable(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::DatabaseErrorInformation;

    #[derive(Debug)]
    struct Info(&'static str);

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            "duplicate key value violates unique constraint \"usernames_pkey\""
        }
        fn details(&self) -> Option<&str> {
            Some("Key (username)=(carl) already exists.")
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            Some(self.0)
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn database_error(kind: DatabaseErrorKind) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(Info("usernames_pkey")))
    }

    #[test]
    fn unique_violation_keeps_the_constraint_and_hides_the_message() {
        let error = DbError::from(database_error(DatabaseErrorKind::UniqueViolation));
        assert_eq!(error.constraint(), Some("usernames_pkey"));
        let shown = error.to_string();
        assert!(!shown.contains("duplicate key"), "{shown}");
        assert!(!shown.contains("carl"), "{shown}");
    }

    #[test]
    fn only_serialization_failures_are_retryable() {
        assert!(
            DbError::from(database_error(DatabaseErrorKind::SerializationFailure)).is_retryable()
        );
        for kind in [
            DatabaseErrorKind::UniqueViolation,
            DatabaseErrorKind::ForeignKeyViolation,
            DatabaseErrorKind::ClosedConnection,
            DatabaseErrorKind::Unknown,
        ] {
            assert!(
                !DbError::from(database_error(kind)).is_retryable(),
                "{kind:?}"
            );
        }
        assert!(!DbError::from(DieselError::NotFound).is_retryable());
    }

    #[derive(Debug)]
    struct Message(&'static str);

    impl DatabaseErrorInformation for Message {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn unknown(message: &'static str) -> DbError {
        DbError::from(DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new(Message(message)),
        ))
    }

    #[test]
    fn deadlocks_are_retried_and_outages_are_unavailable() {
        assert!(unknown("deadlock detected").is_retryable());
        for message in [
            "terminating connection due to administrator command",
            "the database system is starting up",
            "canceling statement due to statement timeout",
        ] {
            assert!(
                matches!(unknown(message), DbError::Unavailable(_)),
                "{message}"
            );
        }
        let lost = DbError::from(DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("connection closed".to_owned()),
        ));
        assert!(matches!(lost, DbError::Unavailable(_)));
        assert!(!lost.is_retryable());
        assert!(matches!(
            unknown("division by zero"),
            DbError::Unexpected(_)
        ));
    }

    #[test]
    fn a_partition_index_is_reported_under_its_parent_name() {
        let error = DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            Box::new(Info("rides_one_open_per_vehicle__us_east")),
        );
        assert_eq!(
            DbError::from(error).constraint(),
            Some("rides_one_open_per_vehicle")
        );
    }

    #[test]
    fn foreign_key_and_check_violations_are_classified() {
        assert!(matches!(
            DbError::from(database_error(DatabaseErrorKind::ForeignKeyViolation)),
            DbError::ForeignKeyViolation { .. }
        ));
        assert!(matches!(
            DbError::from(database_error(DatabaseErrorKind::CheckViolation)),
            DbError::CheckViolation { .. }
        ));
        assert!(matches!(
            DbError::from(database_error(DatabaseErrorKind::ClosedConnection)),
            DbError::Unavailable(_)
        ));
    }
}
