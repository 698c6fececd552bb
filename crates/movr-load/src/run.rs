//! `movr-load run`: logs the virtual riders (and the owners) in, runs the
//! virtual riders until the duration or the session count is reached (or
//! Ctrl-C), and gathers what the recorder saw into a [`Summary`].
//!
//! Pacing: without `--rate` each virtual rider starts its next session
//! when its last ends, after a think time (closed loop). With `--rate R`,
//! session `k` is due at `start + k / R` whoever runs it (open loop): a
//! virtual rider takes the next due session, waits for its time if it is
//! early, and the session's first request is timed from when it was due,
//! so a server that falls behind is charged for the wait it causes (no
//! coordinated omission).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::Utc;
use futures_util::{StreamExt, TryStreamExt, stream};
use movr_client::operation::{GET_ME, LOG_IN};
use movr_client::{Client, ErrorCode, Retry, Token};
use movr_core::City;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::cli::{Mix, RunArgs, SessionKind};
use crate::outcome::{Answer, NotFound, hint};
use crate::progress::Progress;
use crate::region::{Target, probe};
use crate::scenario::{Account, Owner, Rider, describe, end_leftover_ride, think};
use crate::state::{self, Role, State};
use crate::stats::{Recorder, Row};
use crate::summary::{RegionSummary, Settings, Summary};

/// The `User-Agent` of every request.
const USER_AGENT: &str = concat!("movr-load/", env!("CARGO_PKG_VERSION"));
/// Logins sent at once.
const PARALLEL_LOGINS: usize = 4;

/// The exit status for a run: 1 when anything counted as an error, 130
/// when Ctrl-C stopped it (and nothing failed), else 0.
pub fn exit_code(summary: &Summary) -> u8 {
    if summary.failed() {
        1
    } else if summary.interrupted {
        130
    } else {
        0
    }
}

fn check(args: &RunArgs) -> anyhow::Result<()> {
    ensure!(
        args.duration.is_finite() && args.duration > 0.0,
        "--duration: a number of seconds above 0"
    );
    ensure!(args.concurrency >= 1, "--concurrency: at least 1");
    ensure!(
        args.timeout.is_finite() && args.timeout > 0.0,
        "--timeout: a number of seconds above 0"
    );
    if let Some(rate) = args.rate {
        ensure!(
            rate.is_finite() && rate > 0.0,
            "--rate: sessions per second, above 0"
        );
    }
    Ok(())
}

/// Runs the traffic and returns what it measured.
pub async fn run(args: &RunArgs) -> anyhow::Result<Summary> {
    check(args)?;
    let state = State::read(&args.state)?;
    let cities = args
        .cities
        .as_ref()
        .map_or_else(|| state.cities(), |c| c.0.clone());
    ensure!(
        !cities.is_empty(),
        "the state file has no accounts: run `movr-load init`"
    );
    let timeout = Duration::from_secs_f64(args.timeout);
    let targets = probe(&args.urls, timeout).await;
    let build = |url: &str, retry: Retry| {
        Client::builder(url)
            .timeout(timeout)
            .retry(retry)
            .user_agent(USER_AGENT)
            .build()
            .with_context(|| format!("--url {url}"))
    };
    let traffic: Vec<Client> = targets
        .iter()
        .map(|t| build(&t.url, Retry::off()))
        .collect::<anyhow::Result<_>>()?;
    // Logins may meet `503 busy` (too many password checks at once):
    // retrying those cannot log in twice.
    let login: Vec<Client> = targets
        .iter()
        .map(|t| build(&t.url, Retry::times(5)))
        .collect::<anyhow::Result<_>>()?;
    let region_cities: Vec<Vec<City>> = targets.iter().map(|t| cities_of(t, &cities)).collect();

    let riders = state.accounts(Role::Rider, None);
    if riders.len() < args.concurrency {
        bail!(
            "--concurrency {} needs as many riders; {} has {}: rerun `movr-load init` with more --riders",
            args.concurrency,
            args.state.display(),
            riders.len()
        );
    }
    let owners = state.accounts(Role::Owner, Some(&cities));
    if args.mix.weight(SessionKind::Fleet) > 0.0 && owners.is_empty() {
        bail!("fleet sessions need owners in the cities ridden in: rerun `movr-load init`");
    }

    let recorder = Arc::new(Recorder::new());
    let started_at = Utc::now();
    let stop = CancellationToken::new();
    let abort = CancellationToken::new();
    let interrupted = Arc::new(AtomicBool::new(false));
    watch_ctrl_c(stop.clone(), abort.clone(), interrupted.clone());

    // Log in: each virtual rider on its region's server, owners once; an
    // account whose kept token still works resumes with it instead.
    let regions = targets.len();
    let rider_logins = riders[..args.concurrency]
        .iter()
        .enumerate()
        .map(|(i, account)| (i % regions, *account));
    let owner_logins = owners.iter().map(|account| (0, *account));
    let logins: Vec<(usize, &state::Account)> = rider_logins.chain(owner_logins).collect();
    let tokens: Vec<(Token, bool)> = stream::iter(logins.iter().copied())
        .map(|(region, account)| {
            resume_or_log_in(&recorder, region, &login[region], account, &state.password)
        })
        .buffered(PARALLEL_LOGINS)
        .try_collect()
        .await?;
    keep_new_tokens(
        &args.state,
        state.clone(),
        logins.iter().map(|(_, account)| *account),
        &tokens,
    );
    let tokens: Vec<Token> = tokens.into_iter().map(|(token, _)| token).collect();
    let (rider_tokens, owner_tokens) = tokens.split_at(args.concurrency);

    let leftovers: Vec<_> = owners.iter().map(|_| Arc::default()).collect();
    let think_time = Duration::from_millis(args.think);
    let virtual_riders: Vec<Arc<Rider>> = riders[..args.concurrency]
        .iter()
        .zip(rider_tokens)
        .enumerate()
        .map(|(i, (account, token))| {
            let region = i % regions;
            let owners = owners
                .iter()
                .zip(owner_tokens)
                .zip(&leftovers)
                .filter(|((owner, _), _)| region_cities[region].contains(&owner.city))
                .map(|((owner, token), leftovers)| {
                    Arc::new(Owner {
                        account: account_for(&traffic[region], owner, token),
                        leftovers: Arc::clone(leftovers),
                    })
                })
                .collect();
            Arc::new(Rider {
                account: account_for(&traffic[region], account, token),
                number: i,
                region,
                cities: region_cities[region].clone(),
                owners,
                recorder: recorder.clone(),
                think: think_time,
                stop: stop.clone(),
                cycle_vehicle: Mutex::default(),
            })
        })
        .collect();

    let duration = Duration::from_secs_f64(args.duration);
    let progress = Progress::start(recorder.clone(), duration, args.quiet);
    let start = Instant::now();
    let deadline = start + duration;
    let timer = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(deadline.into()).await;
            stop.cancel();
        })
    };
    let plan = Plan {
        mix: args.mix.clone(),
        rate: args.rate,
        max_sessions: args.max_sessions,
        next: Arc::new(AtomicU64::new(0)),
        start,
        deadline,
    };
    let mut workers = JoinSet::new();
    for rider in virtual_riders {
        workers.spawn(virtual_rider(rider, plan.clone()));
    }
    tokio::select! {
        () = async { while workers.join_next().await.is_some() {} } => {}
        () = abort.cancelled() => workers.abort_all(),
    }
    timer.abort();
    progress.finish();

    let elapsed = recorder.started().elapsed();
    Ok(Summary {
        generator: USER_AGENT.replace('/', " "),
        started_at,
        elapsed_s: elapsed.as_secs_f64(),
        interrupted: interrupted.load(Ordering::Relaxed),
        settings: Settings {
            urls: args.urls.clone(),
            concurrency: args.concurrency,
            rate: args.rate,
            mix: SessionKind::ALL
                .into_iter()
                .map(|kind| (kind.as_str().to_owned(), args.mix.weight(kind)))
                .collect::<BTreeMap<_, _>>(),
            think_ms: args.think,
            duration_s: args.duration,
            max_sessions: args.max_sessions,
            cities: cities.iter().map(|c| c.as_str().to_owned()).collect(),
        },
        regions: targets
            .iter()
            .enumerate()
            .map(|(i, target)| RegionSummary {
                label: target.label.clone(),
                url: target.url.clone(),
                rows: recorder.rows(Some(i), elapsed),
            })
            .collect(),
        totals: recorder.rows(None, elapsed),
        facts: recorder.facts(),
        problems: recorder.problems(),
        timeline: recorder.timeline(elapsed),
    })
}

/// The cities a server's riders ride in: those of its region among
/// `cities`, or all of `cities` when it names no region or none of its
/// cities are among them.
fn cities_of(target: &Target, cities: &[City]) -> Vec<City> {
    let local: Vec<City> = match target.region {
        Some(region) => cities
            .iter()
            .copied()
            .filter(|city| city.region() == region)
            .collect(),
        None => Vec::new(),
    };
    if local.is_empty() {
        cities.to_vec()
    } else {
        local
    }
}

/// An account logged in with `token`, for `client`'s server.
fn account_for(client: &Client, account: &state::Account, token: &Token) -> Account {
    Account {
        client: client.with_token(token.clone()),
        user_id: account.user_id,
        city: account.city,
    }
}

/// `account`'s kept token when the server still takes it (checked with a
/// `get_me`, timed as such), else a new one from a login; and whether it is
/// new.
async fn resume_or_log_in(
    recorder: &Recorder,
    region: usize,
    client: &Client,
    account: &state::Account,
    password: &str,
) -> anyhow::Result<(Token, bool)> {
    if let Some(token) = account.token_valid_at(Utc::now()) {
        let started = Instant::now();
        let result = client.with_token(token.clone()).get_me().await;
        // Refused (revoked, or another database): log in instead.
        if result.is_ok() {
            let answer = Answer::of(&GET_ME, &result, NotFound::Error);
            recorder.record(
                region,
                Row::Operation(GET_ME.id),
                started.elapsed(),
                &answer,
            );
            return Ok((token.clone(), false));
        }
    }
    log_in(recorder, region, client, account, password)
        .await
        .map(|token| (token, true))
}

/// Writes the tokens of `accounts` that are new into the state file, for
/// the next run; a state file that cannot be written only costs that run
/// its logins (a warning says so).
fn keep_new_tokens<'a>(
    path: &Path,
    mut state: State,
    accounts: impl Iterator<Item = &'a state::Account>,
    tokens: &[(Token, bool)],
) {
    let mut changed = false;
    for (account, (token, new)) in accounts.zip(tokens) {
        if *new && let Some(kept) = state.accounts.get_mut(&account.username) {
            kept.token = Some(token.clone());
            changed = true;
        }
    }
    if changed && let Err(error) = state.write(path) {
        eprintln!("warning: the new tokens are not kept, the next run logs in again: {error:#}");
    }
}

/// Logs `account` in, timing it as a `log_in`.
async fn log_in(
    recorder: &Recorder,
    region: usize,
    client: &Client,
    account: &state::Account,
    password: &str,
) -> anyhow::Result<Token> {
    let started = Instant::now();
    let result = client.log_in(&account.username, password).await;
    let answer = Answer::of(&LOG_IN, &result, NotFound::Error);
    recorder.record(
        region,
        Row::Operation(LOG_IN.id),
        started.elapsed(),
        &answer,
    );
    let session = result.map_err(|error| {
        let why = if error.code() == Some(ErrorCode::InvalidCredentials) {
            " (was the state file made against this deployment's database?)"
        } else {
            hint(&error)
        };
        anyhow::anyhow!("log in as {}: {}{why}", account.username, describe(&error))
    })?;
    session.token().cloned().context("a login without a token")
}

/// How sessions are paced, shared by every virtual rider.
#[derive(Debug, Clone)]
struct Plan {
    mix: Mix,
    rate: Option<f64>,
    max_sessions: Option<u64>,
    /// The next session's number.
    next: Arc<AtomicU64>,
    start: Instant,
    deadline: Instant,
}

/// One virtual rider: ends a ride left open by an earlier run, then runs
/// sessions until the plan says stop.
async fn virtual_rider(rider: Arc<Rider>, plan: Plan) {
    let mut rng = StdRng::from_os_rng();
    end_leftover_ride(&rider, &mut rng).await;
    loop {
        if rider.stop.is_cancelled() {
            break;
        }
        let number = plan.next.fetch_add(1, Ordering::Relaxed);
        if plan.max_sessions.is_some_and(|max| number >= max) {
            break;
        }
        let origin = match plan.rate {
            Some(rate) => {
                let due = plan.start + Duration::from_secs_f64(number as f64 / rate);
                if due >= plan.deadline {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep_until(due.into()) => {}
                    () = rider.stop.cancelled() => break,
                }
                due
            }
            None => Instant::now(),
        };
        let kind = plan.mix.pick(rng.random());
        rider.session(kind, origin, &mut rng).await;
        if plan.rate.is_none() {
            think(&rider, &mut rng).await;
        }
    }
}

/// First Ctrl-C: start no more sessions, finish those under way. Second:
/// stop at once. Either way the results so far are reported.
fn watch_ctrl_c(stop: CancellationToken, abort: CancellationToken, interrupted: Arc<AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        interrupted.store(true, Ordering::Relaxed);
        stop.cancel();
        eprintln!("stopping: finishing the sessions under way (Ctrl-C again to stop at once)");
        if tokio::signal::ctrl_c().await.is_ok() {
            abort.cancel();
        }
    });
}

#[cfg(test)]
mod tests {
    use movr_core::Region;

    use super::*;

    #[test]
    fn a_servers_riders_ride_in_its_regions_cities() {
        let target = |region| Target {
            url: "http://x".into(),
            label: "x".into(),
            region,
        };
        let cities = [City::NewYork, City::Rome, City::Paris];
        assert_eq!(
            cities_of(&target(Some(Region::EuropeWest1)), &cities),
            [City::Rome, City::Paris]
        );
        assert_eq!(cities_of(&target(Some(Region::UsWest1)), &cities), cities);
        assert_eq!(cities_of(&target(None), &cities), cities);
    }
}
