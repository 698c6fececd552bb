//! The persistence layer's error: database failures classified by what a
//! caller can do about them. Its `Display` never contains database text (that
//! stays in `source()` for logs), so it can travel up the layers safely.
//!
//! Failures are classified by SQLSTATE, never by message text: the codes
//! mean the same on PostgreSQL and CockroachDB while the words differ. The
//! code comes from the wire (see `sqlstate`) or, for the constraint and
//! serialization codes, from diesel-async's `DatabaseErrorKind`, which is
//! derived from it.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::sqlstate;

/// A failure of the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A unique constraint refused the write (23505); `constraint` names it.
    #[error("unique constraint `{constraint}` refused the write")]
    UniqueViolation {
        /// The violated constraint or unique index.
        constraint: String,
    },
    /// A foreign key refused the write (23503): the referenced row does not
    /// exist.
    #[error("foreign key `{constraint}` refused the write")]
    ForeignKeyViolation {
        /// The violated foreign key constraint.
        constraint: String,
    },
    /// A CHECK (23514) or NOT NULL (23502) constraint refused the write.
    #[error("constraint `{constraint}` refused the write")]
    CheckViolation {
        /// The violated constraint, or the column for NOT NULL.
        constraint: String,
    },
    /// The database aborted the transaction to keep it serializable
    /// (SQLSTATE 40001) or to break a deadlock (40P01): running it again is
    /// safe. The transaction runner retries these; a caller sees one only
    /// when the retries are exhausted.
    #[error("the transaction kept conflicting with concurrent ones")]
    SerializationFailure,
    /// CockroachDB could not tell whether the transaction committed
    /// (40003, "result is ambiguous"): a write may or may not have happened.
    #[error("the database could not tell whether the write happened")]
    AmbiguousResult(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The connection broke while a statement was under way — the server
    /// shut down or crashed (57P01, 57P02), a connection exception (class
    /// 08), or the socket closed without an answer: a write sent on it may
    /// or may not have committed.
    #[error("the connection to the database was lost")]
    ConnectionLost(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The database could not be reached or refused the work for now: no
    /// connection was free in time, too many connections (53300), the
    /// server starting up or shutting down (57P03), or the statement ran
    /// out of time (57014, `statement_timeout`).
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
    /// Whether the whole transaction may be run again (40001, 40P01).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::SerializationFailure)
    }

    /// Whether a write may or may not have happened: the commit's answer
    /// was lost (40003, or the connection broke). Look the row up by its
    /// id to find out before doing anything again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Self::AmbiguousResult(_) | Self::ConnectionLost(_))
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

    /// Classifies a diesel error whose SQLSTATE is `code` (`None`: the
    /// server sent none, or it is not known).
    pub fn classify(error: DieselError, code: Option<&str>) -> Self {
        let DieselError::DatabaseError(kind, info) = &error else {
            return Self::Unexpected(error);
        };
        let class = match code {
            Some(code) => Class::of(code),
            None => Class::of_kind(*kind),
        };
        let constraint = || {
            let name = info
                .constraint_name()
                .or(info.column_name())
                .unwrap_or("unknown");
            parent_constraint(name).to_owned()
        };
        match class {
            Class::Unique => Self::UniqueViolation {
                constraint: constraint(),
            },
            Class::ForeignKey => Self::ForeignKeyViolation {
                constraint: constraint(),
            },
            Class::Check => Self::CheckViolation {
                constraint: constraint(),
            },
            Class::Retry => Self::SerializationFailure,
            Class::Ambiguous => Self::AmbiguousResult(Box::new(error)),
            Class::ConnectionLost => Self::ConnectionLost(Box::new(error)),
            Class::Unavailable => Self::Unavailable(Box::new(error)),
            Class::Other => Self::Unexpected(error),
        }
    }
}

impl From<DieselError> for DbError {
    /// Classifies by the SQLSTATE the server sent with this error on the
    /// current attempt's connection (see `sqlstate`), else by diesel's kind.
    fn from(error: DieselError) -> Self {
        let code = match &error {
            DieselError::DatabaseError(_, info) => sqlstate::code_for(info.message()),
            _ => None,
        };
        Self::classify(error, code.as_deref())
    }
}

/// What a SQLSTATE means to a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Unique,
    ForeignKey,
    Check,
    Retry,
    Ambiguous,
    ConnectionLost,
    Unavailable,
    Other,
}

impl Class {
    fn of(code: &str) -> Self {
        match code {
            "23505" => Self::Unique,
            "23503" => Self::ForeignKey,
            "23514" | "23502" => Self::Check,
            "40001" | "40P01" => Self::Retry,
            "40003" => Self::Ambiguous,
            "57P01" | "57P02" => Self::ConnectionLost,
            _ if code.starts_with("08") => Self::ConnectionLost,
            "57014" | "57P03" | "53300" => Self::Unavailable,
            _ => Self::Other,
        }
    }

    /// Without the code: diesel-async derives these kinds from it, and
    /// reports a failure with no SQLSTATE (the socket closed, the server
    /// went away) as a closed connection or a command it could not send.
    fn of_kind(kind: DatabaseErrorKind) -> Self {
        match kind {
            DatabaseErrorKind::UniqueViolation => Self::Unique,
            DatabaseErrorKind::ForeignKeyViolation => Self::ForeignKey,
            DatabaseErrorKind::CheckViolation | DatabaseErrorKind::NotNullViolation => Self::Check,
            DatabaseErrorKind::SerializationFailure => Self::Retry,
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand => {
                Self::ConnectionLost
            }
            _ => Self::Other,
        }
    }
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

    /// What the server said: diesel-async passes the message and the
    /// constraint on, not the code.
    #[derive(Debug)]
    struct Said {
        message: &'static str,
        constraint: Option<&'static str>,
    }

    impl DatabaseErrorInformation for Said {
        fn message(&self) -> &str {
            self.message
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
            self.constraint
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    /// The diesel error diesel-async makes of a server error with `code`.
    fn diesel_error(
        code: &str,
        message: &'static str,
        constraint: Option<&'static str>,
    ) -> DieselError {
        let kind = match code {
            "23505" => DatabaseErrorKind::UniqueViolation,
            "23503" => DatabaseErrorKind::ForeignKeyViolation,
            "23514" => DatabaseErrorKind::CheckViolation,
            "40001" => DatabaseErrorKind::SerializationFailure,
            _ => DatabaseErrorKind::Unknown,
        };
        DieselError::DatabaseError(
            kind,
            Box::new(Said {
                message,
                constraint,
            }),
        )
    }

    /// How each engine words each code we act on (PostgreSQL 15's
    /// messages, and CockroachDB's from its source: `pgwire`, `kvpb`,
    /// `sql/sqlerrors`), and what it must become.
    const CASES: &[(&str, &str, &str, Class)] = &[
        (
            "postgres",
            "40001",
            "could not serialize access due to concurrent update",
            Class::Retry,
        ),
        (
            "cockroach",
            "40001",
            "restart transaction: TransactionRetryWithProtoRefreshError: TransactionRetryError: retry txn (RETRY_SERIALIZABLE - failed preemptive refresh)",
            Class::Retry,
        ),
        ("postgres", "40P01", "deadlock detected", Class::Retry),
        // CockroachDB breaks deadlocks by aborting a transaction with 40001;
        // it has the code but does not send it for deadlocks.
        (
            "cockroach",
            "40003",
            "result is ambiguous: error=rpc error: code = Unavailable desc = error reading from server: EOF [exhausted]",
            Class::Ambiguous,
        ),
        (
            "postgres",
            "57014",
            "canceling statement due to statement timeout",
            Class::Unavailable,
        ),
        (
            "cockroach",
            "57014",
            "query execution canceled due to statement timeout",
            Class::Unavailable,
        ),
        (
            "cockroach",
            "57014",
            "query execution canceled",
            Class::Unavailable,
        ),
        (
            "postgres",
            "57P01",
            "terminating connection due to administrator command",
            Class::ConnectionLost,
        ),
        (
            "cockroach",
            "57P01",
            "server is shutting down",
            Class::ConnectionLost,
        ),
        (
            "cockroach",
            "57P01",
            "server is not accepting clients, try another node",
            Class::ConnectionLost,
        ),
        (
            "postgres",
            "57P02",
            "terminating connection because of crash of another server process",
            Class::ConnectionLost,
        ),
        (
            "postgres",
            "57P03",
            "the database system is starting up",
            Class::Unavailable,
        ),
        (
            "postgres",
            "57P03",
            "the database system is shutting down",
            Class::Unavailable,
        ),
        (
            "postgres",
            "08P01",
            "invalid frontend message type 0",
            Class::ConnectionLost,
        ),
        (
            "cockroach",
            "08P01",
            "unrecognized client message type 0",
            Class::ConnectionLost,
        ),
        (
            "postgres",
            "08006",
            "connection failure",
            Class::ConnectionLost,
        ),
        (
            "postgres",
            "53300",
            "sorry, too many clients already",
            Class::Unavailable,
        ),
        (
            "cockroach",
            "53300",
            "sorry, too many clients already",
            Class::Unavailable,
        ),
        (
            "postgres",
            "23505",
            "duplicate key value violates unique constraint \"usernames_pkey\"",
            Class::Unique,
        ),
        (
            "cockroach",
            "23505",
            "duplicate key value violates unique constraint \"usernames_pkey\"",
            Class::Unique,
        ),
        (
            "postgres",
            "23503",
            "insert or update on table \"vehicles_us_east\" violates foreign key constraint \"vehicles_owner_fkey\"",
            Class::ForeignKey,
        ),
        (
            "cockroach",
            "23503",
            "insert on table \"vehicles\" violates foreign key constraint \"vehicles_owner_fkey\"",
            Class::ForeignKey,
        ),
        (
            "postgres",
            "23514",
            "new row for relation \"rides_us_east\" violates check constraint \"rides_end_check\"",
            Class::Check,
        ),
        (
            "cockroach",
            "23514",
            "failed to satisfy CHECK constraint (((end_time IS NULL) AND (end_location IS NULL)) AND (length IS NULL)) OR ((((end_time IS NOT NULL) AND (end_location IS NOT NULL)) AND (length IS NOT NULL)) AND (end_time >= start_time)))",
            Class::Check,
        ),
        ("postgres", "22012", "division by zero", Class::Other),
    ];

    fn class_of(error: &DbError) -> Class {
        match error {
            DbError::UniqueViolation { .. } => Class::Unique,
            DbError::ForeignKeyViolation { .. } => Class::ForeignKey,
            DbError::CheckViolation { .. } => Class::Check,
            DbError::SerializationFailure => Class::Retry,
            DbError::AmbiguousResult(_) => Class::Ambiguous,
            DbError::ConnectionLost(_) => Class::ConnectionLost,
            DbError::Unavailable(_) => Class::Unavailable,
            _ => Class::Other,
        }
    }

    #[test]
    fn both_engines_errors_are_classified_by_their_sqlstate() {
        for &(engine, code, message, expected) in CASES {
            let error = DbError::classify(diesel_error(code, message, None), Some(code));
            assert_eq!(class_of(&error), expected, "{engine} {code} {message}");
            assert_eq!(
                error.is_retryable(),
                expected == Class::Retry,
                "{engine} {code}"
            );
            assert_eq!(
                error.outcome_unknown(),
                matches!(expected, Class::Ambiguous | Class::ConnectionLost),
                "{engine} {code}"
            );
        }
    }

    #[test]
    fn no_classification_depends_on_the_message() {
        // Without its code, every message above is only what diesel-async's
        // kind says (which it derives from the code).
        for &(engine, code, message, expected) in CASES {
            let error = DbError::classify(diesel_error(code, message, None), None);
            let by_kind = match expected {
                Class::Unique | Class::ForeignKey | Class::Check => expected,
                Class::Retry if code == "40001" => Class::Retry,
                _ => Class::Other,
            };
            assert_eq!(class_of(&error), by_kind, "{engine} {code} {message}");
        }
        // And a code decides whatever the words.
        let worded_as_timeout = diesel_error(
            "40003",
            "canceling statement due to statement timeout",
            None,
        );
        assert!(matches!(
            DbError::classify(worded_as_timeout, Some("40003")),
            DbError::AmbiguousResult(_)
        ));
    }

    #[test]
    fn a_connection_that_closed_without_an_answer_is_lost() {
        for kind in [
            DatabaseErrorKind::UnableToSendCommand,
            DatabaseErrorKind::ClosedConnection,
        ] {
            let error = DbError::from(DieselError::DatabaseError(
                kind,
                Box::new("connection closed".to_owned()),
            ));
            assert!(matches!(error, DbError::ConnectionLost(_)), "{kind:?}");
            assert!(error.outcome_unknown() && !error.is_retryable());
        }
        assert!(matches!(
            DbError::from(DieselError::NotFound),
            DbError::Unexpected(_)
        ));
    }

    #[test]
    fn constraint_violations_keep_the_name_and_hide_the_message() {
        let error = DbError::classify(
            diesel_error(
                "23505",
                "duplicate key value violates unique constraint \"usernames_pkey\"",
                Some("usernames_pkey"),
            ),
            Some("23505"),
        );
        assert_eq!(error.constraint(), Some("usernames_pkey"));
        let shown = error.to_string();
        assert!(!shown.contains("duplicate key"), "{shown}");
        for code in ["40003", "57P01", "57014"] {
            let error = DbError::classify(diesel_error(code, "carl's secret", None), Some(code));
            assert!(!error.to_string().contains("carl"), "{error}");
        }
    }

    #[test]
    fn a_partition_index_is_reported_under_its_parent_name() {
        let error = diesel_error(
            "23505",
            "duplicate key value violates unique constraint \"rides_one_open_per_vehicle__us_east\"",
            Some("rides_one_open_per_vehicle__us_east"),
        );
        assert_eq!(
            DbError::from(error).constraint(),
            Some("rides_one_open_per_vehicle")
        );
    }
}
