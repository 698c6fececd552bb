//! A diesel instrumentation that records the statements a connection sends,
//! so tests can hold each operation to its round-trip budget.

use std::sync::{Arc, Mutex, PoisonError};

use diesel::connection::{Instrumentation, InstrumentationEvent};

/// The statement the pool sends to check a connection before handing it out.
pub const HEALTH_CHECK_SQL: &str = "SELECT 1";

/// Records the SQL of every statement (transaction boundaries included) sent on the
/// connections it is installed on. Clones share one log.
#[derive(Debug, Clone, Default)]
pub struct StatementLog {
    statements: Arc<Mutex<Vec<Statement>>>,
}

/// One statement recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Its SQL.
    pub sql: String,
    /// The values bound to it, as diesel shows them (`["boston", 200]`);
    /// empty when none.
    pub binds: String,
}

impl StatementLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes and returns what was recorded so far, leaving out the pool's
    /// health checks.
    pub fn take(&self) -> Vec<String> {
        self.take_all()
            .into_iter()
            .filter(|sql| sql != HEALTH_CHECK_SQL)
            .collect()
    }

    /// Removes and returns everything recorded so far, health checks included.
    pub fn take_all(&self) -> Vec<String> {
        self.take_with_binds()
            .into_iter()
            .map(|statement| statement.sql)
            .collect()
    }

    /// Removes and returns everything recorded so far with the values bound
    /// to each statement (e.g. to tell which city a statement read).
    pub fn take_with_binds(&self) -> Vec<Statement> {
        let mut statements = self
            .statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *statements)
    }

    fn push(&self, statement: Statement) {
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(statement);
    }
}

impl Instrumentation for StatementLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            // diesel appends ` -- binds: [...]` to the SQL.
            let text = query.to_string();
            let (sql, binds) = text.split_once(" -- binds: ").unwrap_or((&text, ""));
            self.push(Statement {
                sql: sql.trim().to_owned(),
                binds: binds.trim().to_owned(),
            });
        }
    }
}
