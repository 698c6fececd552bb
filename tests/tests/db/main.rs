//! End-to-end tests of the persistence layer (`movr-db`) against PostgreSQL:
//! the retrying transaction runner with real serialization failures, the
//! pool, the schema's guarantees and conventions, the migrations, and the
//! row conversions. Each test gets its own freshly migrated database.

mod fares;
mod metrics;
mod migrations;
mod placement;
mod pool;
mod positions;
mod rows;
mod runner;
mod schema;
mod sqlstate;
mod support;
mod tls;
