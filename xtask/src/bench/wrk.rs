//! Workloads driven by `wrk`: a plain URL, or the pages' ride cycle as a
//! Lua script; and reading wrk's report.

use std::fmt::Write as _;
use std::process::Command;

use super::Measurement;
use super::session::{Session, url_encode};

/// A wrk script where thread `i` (one connection each) is rider `i` on
/// vehicle `i`, cycling: start the ride, list rides (to learn its id), end it.
pub(super) fn ride_cycle_script(sessions: &[Session], vehicles: &[String]) -> String {
    let mut lua = String::from("local riders = {\n");
    for (session, vehicle) in sessions.iter().zip(vehicles) {
        let _ = writeln!(
            lua,
            "  {{ cookie = {:?}, token = {:?}, vehicle = {:?} }},",
            session.cookie,
            url_encode(&session.csrf_token),
            vehicle
        );
    }
    lua.push_str(
        r#"}
local next_id = 1
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
local rider, step, ride
function init(args)
  rider = riders[id]
  step = 0
end
function request()
  local headers = { ["Cookie"] = rider.cookie, ["Content-Type"] = "application/x-www-form-urlencoded" }
  if step == 0 then
    return wrk.format("POST", "/rides/start/" .. rider.vehicle, headers, "csrf_token=" .. rider.token)
  elseif step == 1 then
    return wrk.format("GET", "/rides", { ["Cookie"] = rider.cookie })
  else
    return wrk.format("POST", "/rides/end/" .. ride, headers, "csrf_token=" .. rider.token .. "&location=Bench+Street&longitude=-73.99&latitude=40.73")
  end
end
function response(status, headers, body)
  if step == 1 then
    ride = string.match(body, 'action="/rides/end/([%x%-]+)"')
    if ride == nil then step = 0 return end
    step = 2
  elseif step == 0 then
    step = 1
  else
    step = 0
  end
end
"#,
    );
    lua
}

pub(super) fn wrk(args: &[&str], requests_per_unit: u32) -> Result<Measurement, String> {
    let output = Command::new("wrk")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed: {}{}",
            text,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut measurement = Measurement::default();
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Non-2xx or 3xx responses:") {
            measurement.errors = value.trim().parse().unwrap_or_default();
        } else if let Some(value) = line.strip_prefix("Requests/sec:") {
            let rate: f64 = value.trim().parse().unwrap_or_default();
            measurement.requests_per_second = rate / f64::from(requests_per_unit);
        } else if let Some(value) = line.strip_prefix("50%") {
            measurement.p50_ms = milliseconds(value.trim());
        } else if let Some(value) = line.strip_prefix("99%") {
            measurement.p99_ms = milliseconds(value.trim());
        }
    }
    Ok(measurement)
}

/// wrk prints latencies as `812.00us`, `1.23ms` or `1.02s`.
fn milliseconds(value: &str) -> f64 {
    let split = value
        .find(|c: char| c.is_ascii_alphabetic())
        .unwrap_or(value.len());
    let number: f64 = value[..split].parse().unwrap_or_default();
    match &value[split..] {
        "us" => number / 1000.0,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => number,
    }
}
