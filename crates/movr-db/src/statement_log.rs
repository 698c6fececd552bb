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
    statements: Arc<Mutex<Vec<String>>>,
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
        let mut statements = self
            .statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut *statements)
    }

    fn push(&self, sql: String) {
        self.statements
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sql);
    }
}

impl Instrumentation for StatementLog {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            // diesel appends ` -- binds: [...]` to the SQL; keep the SQL only.
            let text = query.to_string();
            let sql = text.split(" -- binds: ").next().unwrap_or(&text);
            self.push(sql.trim().to_owned());
        }
    }
}
