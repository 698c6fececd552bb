//! The database's own limit: `pgbench` on the vehicles page's SQL, and
//! `psql` for the benchmark's look-ups.

use std::path::Path;
use std::process::Command;

use movr_localdb::LocalCluster;

use super::BenchOptions;

/// The statement the vehicles page sends (see `movr_db::vehicles::list_in_city`).
const VEHICLES_PAGE_SQL: &str = "SELECT city, id, type AS type_, owner_id, date_added, status, \
    last_location, last_longitude, last_latitude, color, brand FROM vehicles \
    WHERE city = 'new york' AND status <> 'removed' \
    ORDER BY date_added DESC, id DESC LIMIT 50;\n";

/// pgbench's tps on the vehicles page's SQL with its query `protocol`
/// (`simple`: parsed and planned each time; `prepared`: once).
pub(super) fn pgbench(
    cluster: &LocalCluster,
    dir: &Path,
    options: &BenchOptions,
    protocol: &str,
) -> Result<f64, String> {
    let script = dir.join("vehicles.sql");
    std::fs::write(&script, VEHICLES_PAGE_SQL)
        .map_err(|e| format!("cannot write the pgbench script: {e}"))?;
    let pgbench = movr_localdb::find_bin_dir()
        .map_err(|e| e.to_string())?
        .join("pgbench");
    let output = Command::new(pgbench)
        .args([
            "-n",
            "-M",
            protocol,
            "-j",
            "2",
            "-c",
            &options.connections.to_string(),
        ])
        .args([
            "-T",
            &options.duration.to_string(),
            "-f",
            &script.to_string_lossy(),
        ])
        .arg(cluster.url("movr"))
        .output()
        .map_err(|e| format!("cannot run pgbench: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|tps| tps.parse().ok())
        .ok_or_else(|| {
            format!(
                "pgbench failed: {text}{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

pub(super) fn psql(cluster: &LocalCluster, query: &str) -> Result<Vec<String>, String> {
    let psql = movr_localdb::find_bin_dir()
        .map_err(|e| e.to_string())?
        .join("psql");
    let output = Command::new(psql)
        .args(["-At", "-c", query])
        .arg(cluster.url("movr"))
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}
