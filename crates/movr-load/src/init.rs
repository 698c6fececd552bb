//! `movr-load init`: riders and owners signed up through the API, and the
//! owners' vehicles added, up to the numbers asked for per city. Reruns
//! reuse what exists: a known account resumes with its kept token (or
//! logs in with the state file's password), and an owner gets only the
//! vehicles it lacks. Each account's token is kept for `run`.

use std::fmt;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use futures_util::{StreamExt, TryStreamExt, stream};
use movr_client::{Client, ErrorCode, Retry, Token};
use movr_core::{City, NewUserForm};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::cli::InitArgs;
use crate::fleet::new_vehicle;
use crate::outcome::hint;
use crate::scenario::describe;
use crate::state::{Account, Role, State};

/// The most vehicles `init` gives one owner (the server's default cap is
/// 20; fleet sessions add more for a moment).
pub const VEHICLES_PER_OWNER: u32 = 10;

/// What `init` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitReport {
    /// Riders signed up now.
    pub riders_created: u32,
    /// Riders that existed already.
    pub riders_reused: u32,
    /// Owners signed up now.
    pub owners_created: u32,
    /// Owners that existed already.
    pub owners_reused: u32,
    /// Vehicles added now.
    pub vehicles_added: u32,
    /// Vehicles the owners had already.
    pub vehicles_found: u32,
}

impl fmt::Display for InitReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "riders:   {} ({} new, {} reused)",
            self.riders_created + self.riders_reused,
            self.riders_created,
            self.riders_reused
        )?;
        writeln!(
            f,
            "owners:   {} ({} new, {} reused)",
            self.owners_created + self.owners_reused,
            self.owners_created,
            self.owners_reused
        )?;
        write!(
            f,
            "vehicles: {} ({} added, {} there already)",
            self.vehicles_added + self.vehicles_found,
            self.vehicles_added,
            self.vehicles_found
        )
    }
}

/// One account to have, and for owners how many vehicles.
struct Wanted {
    username: String,
    city: City,
    role: Role,
    vehicles: u32,
}

/// The accounts `args` asks for.
fn wanted(args: &InitArgs, cities: &[City]) -> Vec<Wanted> {
    let mut all = Vec::new();
    for &city in cities {
        for n in 1..=args.riders {
            all.push(Wanted {
                username: format!("{}-{}-r{n}", args.prefix, city.slug()),
                city,
                role: Role::Rider,
                vehicles: 0,
            });
        }
        let owners = args.vehicles.div_ceil(VEHICLES_PER_OWNER).max(1);
        for n in 1..=owners {
            // Spread the vehicles evenly: the first owners get the rest.
            let share = args.vehicles / owners + u32::from(n <= args.vehicles % owners);
            all.push(Wanted {
                username: format!("{}-{}-o{n}", args.prefix, city.slug()),
                city,
                role: Role::Owner,
                vehicles: share,
            });
        }
    }
    all
}

/// What happened to one account.
struct Done {
    account: Account,
    created: bool,
    vehicles_added: u32,
    vehicles_found: u32,
}

/// Runs `init`: returns what it did and the state file's path.
pub async fn init(args: &InitArgs) -> anyhow::Result<InitReport> {
    let cities = args
        .cities
        .as_ref()
        .map_or_else(|| City::ALL.to_vec(), |c| c.0.clone());
    let mut state = State::read_or_new(&args.state, &args.url)?;
    let client = Client::builder(&args.url)
        .timeout(Duration::from_secs(30))
        .retry(Retry::times(5))
        .user_agent(concat!("movr-load/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let password = state.password.clone();
    let known: Vec<(Wanted, Option<Account>)> = wanted(args, &cities)
        .into_iter()
        .map(|wanted| {
            let known = state.accounts.get(&wanted.username).cloned();
            (wanted, known)
        })
        .collect();
    let mut results = stream::iter(known)
        .map(|(wanted, known)| ensure(&client, &password, wanted, known))
        .buffer_unordered(args.parallel.max(1));
    let mut report = InitReport::default();
    let mut failure = None;
    while let Some(result) = results.next().await {
        let done = match result {
            Ok(done) => done,
            Err(error) => {
                failure.get_or_insert(error);
                continue;
            }
        };
        match (done.account.role, done.created) {
            (Role::Rider, true) => report.riders_created += 1,
            (Role::Rider, false) => report.riders_reused += 1,
            (Role::Owner, true) => report.owners_created += 1,
            (Role::Owner, false) => report.owners_reused += 1,
        }
        report.vehicles_added += done.vehicles_added;
        report.vehicles_found += done.vehicles_found;
        state
            .accounts
            .insert(done.account.username.clone(), done.account);
    }
    // Kept even when something failed: the accounts made so far have this
    // password, and a rerun must log them in with it.
    state.write(&args.state)?;
    if let Some(error) = failure {
        return Err(error.context(format!(
            "init stopped; what it made is kept in {} (rerun to go on)",
            args.state.display()
        )));
    }
    Ok(report)
}

/// Signs `wanted` up, or resumes or logs in when the username is taken;
/// for an owner, adds the vehicles it lacks.
async fn ensure(
    client: &Client,
    password: &str,
    wanted: Wanted,
    known: Option<Account>,
) -> anyhow::Result<Done> {
    let form = NewUserForm {
        city: wanted.city.as_str().to_owned(),
        first_name: "Load".into(),
        last_name: match wanted.role {
            Role::Rider => "Rider".into(),
            Role::Owner => "Owner".into(),
        },
        email: format!("{}@load.movr.example", wanted.username),
        username: wanted.username.clone(),
        password: password.to_owned(),
    };
    let name = &wanted.username;
    // An account the state file knows resumes with its token, or logs in:
    // a sign-up of a taken name still counts against the server's sign-up
    // limit.
    let mut session = match known.as_ref().and_then(|k| k.token_valid_at(Utc::now())) {
        Some(token) => resume(client, token.clone()).await,
        None => None,
    };
    if known.is_some() && session.is_none() {
        match client.log_in(name, password).await {
            Ok(logged_in) => session = Some(logged_in),
            // Gone (e.g. a fresh database): sign it up again.
            Err(error) if error.code() == Some(ErrorCode::InvalidCredentials) => {}
            Err(error) => bail!("log in as {name}: {}{}", describe(&error), hint(&error)),
        }
    }
    let created = match &session {
        Some(_) => false,
        None => match client.register(&form).await {
            Ok(_) => true,
            Err(error) if error.code() == Some(ErrorCode::UsernameTaken) => false,
            Err(error) => bail!("sign up {name}: {}{}", describe(&error), hint(&error)),
        },
    };
    let session = match session {
        Some(session) => session,
        None => match client.log_in(name, password).await {
            Ok(session) => session,
            Err(error) if error.code() == Some(ErrorCode::InvalidCredentials) => bail!(
                "{name} exists with another password: use the state file that created it, \
                 or another --prefix"
            ),
            Err(error) => bail!("log in as {name}: {}{}", describe(&error), hint(&error)),
        },
    };
    let me = session
        .get_me()
        .await
        .map_err(|error| anyhow::anyhow!(describe(&error)))
        .with_context(|| format!("read {name}'s account"))?;
    if me.city != wanted.city {
        bail!(
            "{name} exists in {}, not {}: use another --prefix",
            me.city,
            wanted.city
        );
    }
    let mut done = Done {
        account: Account {
            username: me.username,
            city: me.city,
            role: wanted.role,
            user_id: me.id,
            token: session.token().cloned(),
        },
        created,
        vehicles_added: 0,
        vehicles_found: 0,
    };
    if wanted.role == Role::Owner {
        let have: Vec<_> = session
            .my_vehicles_stream(None)
            .try_collect()
            .await
            .map_err(|error| anyhow::anyhow!(describe(&error)))
            .with_context(|| format!("list {name}'s vehicles"))?;
        done.vehicles_found = u32::try_from(have.len()).unwrap_or(u32::MAX);
        let mut rng = StdRng::from_os_rng();
        for _ in done.vehicles_found..wanted.vehicles {
            let form = new_vehicle(wanted.city, &mut rng);
            session.add_vehicle(&form).await.map_err(|error| {
                anyhow::anyhow!(
                    "add a vehicle for {name}: {}{}",
                    describe(&error),
                    hint(&error)
                )
            })?;
            done.vehicles_added += 1;
        }
    }
    Ok(done)
}

/// A client with `token`, if the server still takes it.
pub async fn resume(client: &Client, token: Token) -> Option<Client> {
    let session = client.with_token(token);
    session.get_me().await.ok().map(|_| session)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a panic is how a test fails")]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn args(line: &str) -> InitArgs {
        let cli = Cli::try_parse_from(line.split(' ')).unwrap();
        match cli.command {
            Command::Init(args) => args,
            Command::Run(_) => panic!("not init"),
        }
    }

    #[test]
    fn owners_hold_at_most_ten_vehicles_each_and_every_city_has_one() {
        let rome = args("movr-load init --url http://x --riders 2 --vehicles 25 --cities rome");
        let all = wanted(&rome, &[City::Rome]);
        let names: Vec<_> = all.iter().map(|w| w.username.as_str()).collect();
        assert_eq!(
            names,
            [
                "load-rome-r1",
                "load-rome-r2",
                "load-rome-o1",
                "load-rome-o2",
                "load-rome-o3"
            ]
        );
        let shares: Vec<_> = all.iter().map(|w| w.vehicles).collect();
        assert_eq!(shares, [0, 0, 9, 8, 8]);
        let none = args("movr-load init --url http://x --vehicles 0");
        let owners = wanted(&none, &[City::Paris]);
        assert!(
            owners
                .iter()
                .any(|w| w.role == Role::Owner && w.vehicles == 0)
        );
        assert!(
            owners
                .iter()
                .all(|w| w.username.len() <= movr_core::Username::MAX_CHARS)
        );
    }
}
