//! How long a unit of work (a web request) spent in the database.
//!
//! [`DbTimer::measure`] runs a future with a fresh timer in scope (a tokio
//! task-local: no global state, nothing shared between requests), and
//! [`Database`](crate::Database) adds to the timer in scope the time each of
//! its operations takes: from asking the pool for a connection to the last
//! answer, retries included ([`DbTime::database`]), and, as a part of that,
//! the wait for the connection itself, opening one included
//! ([`DbTime::checkout`]). Outside a scope nothing is recorded. The cost on
//! the request path is one pair of `Instant::now` calls and a task-local
//! add per operation.
//!
//! The web app's `Server-Timing` middleware enters the scope around each
//! request; a page reads [`DbTimer::so_far`] while rendering, after its
//! statements ran.

use std::cell::Cell;
use std::future::Future;
use std::time::{Duration, Instant};

tokio::task_local! {
    static CURRENT: DbTimer;
}

/// The database time collected for one unit of work; see the module docs.
#[derive(Debug, Default)]
pub struct DbTimer {
    database: Cell<Duration>,
    checkout: Cell<Duration>,
}

/// What a [`DbTimer`] collected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DbTime {
    /// Time in the database's operations, from asking for a connection to
    /// the last answer (a conflict's retries included).
    pub database: Duration,
    /// The part of [`DbTime::database`] spent waiting for a connection from
    /// the pool (opening a new one, or checking an idle one, included).
    pub checkout: Duration,
}

impl DbTimer {
    /// Runs `future` with a fresh timer in scope, and returns its output
    /// with the database time it took.
    pub async fn measure<F: Future>(future: F) -> (F::Output, DbTime) {
        CURRENT
            .scope(Self::default(), async move {
                let output = future.await;
                (output, Self::so_far().unwrap_or_default())
            })
            .await
    }

    /// The database time so far of the timer in scope, or `None` outside
    /// [`DbTimer::measure`].
    pub fn so_far() -> Option<DbTime> {
        CURRENT
            .try_with(|timer| DbTime {
                database: timer.database.get(),
                checkout: timer.checkout.get(),
            })
            .ok()
    }
}

/// What a [`Stopwatch`] adds to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Spent {
    /// A whole operation ([`DbTime::database`]).
    Database,
    /// A connection checkout ([`DbTime::checkout`]).
    Checkout,
}

/// A running measurement: adds the time since it started to the timer in
/// scope when dropped (so an early return or a cancelled future counts too).
#[derive(Debug)]
pub(crate) struct Stopwatch {
    started: Instant,
    spent: Spent,
}

impl Stopwatch {
    /// Starts measuring time spent on `spent`.
    pub(crate) fn start(spent: Spent) -> Self {
        Self {
            started: Instant::now(),
            spent,
        }
    }
}

impl Drop for Stopwatch {
    fn drop(&mut self) {
        let elapsed = self.started.elapsed();
        // Outside a scope there is nothing to add to.
        let _ = CURRENT.try_with(|timer| {
            let total = match self.spent {
                Spent::Database => &timer.database,
                Spent::Checkout => &timer.checkout,
            };
            total.set(total.get() + elapsed);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_scope_adds_up_its_own_measurements_only() {
        assert_eq!(DbTimer::so_far(), None);
        // Outside a scope: measured, recorded nowhere, no panic.
        drop(Stopwatch::start(Spent::Database));
        let pause = Duration::from_millis(5);
        let ((), time) = DbTimer::measure(async {
            for _ in 0..2 {
                let _whole = Stopwatch::start(Spent::Database);
                let _checkout = Stopwatch::start(Spent::Checkout);
                tokio::time::sleep(pause).await;
            }
            let inner = DbTimer::measure(async {}).await.1;
            assert_eq!(inner, DbTime::default(), "a nested scope starts afresh");
        })
        .await;
        assert!(time.database >= 2 * pause, "{time:?}");
        assert!(time.checkout >= 2 * pause, "{time:?}");
        assert_eq!(DbTimer::so_far(), None);
    }
}
