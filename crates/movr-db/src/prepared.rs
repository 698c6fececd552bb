//! Statements prepared once per connection and reused.
//!
//! diesel's `sql_query` marks its SQL unsafe to cache, so each call sends
//! an unnamed statement: one round trip to prepare it (the server parses
//! and analyses it), another to run it, and the server plans it afresh
//! every time. MovR's raw SQL is fixed text (a few variants chosen by
//! flags, never by values), so [`PrepareOnce::prepared`] declares it safe
//! to cache: diesel's per-connection statement cache keeps it by its text
//! and bind types, and from the second call on a connection only the
//! execution is sent. Over distance that halves a statement's round trips;
//! the server also spares the parsing, and PostgreSQL the planning of a
//! statement whose generic plan is as good as a custom one (after five
//! runs it decides per statement).

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::query_dsl::RunQueryDsl;
use diesel::result::QueryResult;

/// A raw query (`diesel::sql_query` with its binds) that diesel may prepare
/// once per connection; see the module docs.
#[derive(Debug, Clone)]
#[must_use = "a query runs only when loaded or executed"]
pub struct Prepared<Q>(Q);

/// Turns a raw query into a [`Prepared`] one.
pub trait PrepareOnce: Sized {
    /// This query, prepared once per connection and reused. Only for SQL
    /// whose text does not carry values (they are bound), so that the
    /// cache stays as small as the set of statements.
    fn prepared(self) -> Prepared<Self> {
        Prepared(self)
    }
}

impl<Q: QueryFragment<Pg>> PrepareOnce for Q {}

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    // Cached by its text, not by its type.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}
