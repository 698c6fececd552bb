//! Starts real clusters from the installed PostgreSQL binaries.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use movr_localdb::{ClusterBuilder, Error, LocalCluster};

fn psql(port: u16, sql: &str) -> Result<String, String> {
    let output = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(["-d", "postgres", "-X", "-A", "-t", "-c", sql])
        .env("PGCONNECT_TIMEOUT", "5")
        .output()
        .map_err(|err| err.to_string())?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Whether `pid` is a live (not zombie) process.
fn process_exists(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the parenthesised command name.
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Waits a little for something that happens asynchronously.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn start_connect_stop() {
    let started = Instant::now();
    let cluster = LocalCluster::start().unwrap();
    eprintln!("started in {:?}: {cluster:?}", started.elapsed());
    assert_eq!(cluster.host(), "127.0.0.1");
    assert_eq!(
        cluster.url("movr"),
        format!("postgres://postgres@127.0.0.1:{}/movr", cluster.port())
    );
    assert_eq!(psql(cluster.port(), "select 1").unwrap(), "1");
    assert_eq!(psql(cluster.port(), "show fsync").unwrap(), "off");
    assert!(cluster.log_file().is_file());

    let pid = cluster.pid();
    let root: PathBuf = cluster.data_dir().parent().unwrap().to_owned();
    assert!(process_exists(pid));
    let started = Instant::now();
    cluster.stop().unwrap();
    eprintln!("stopped in {:?}", started.elapsed());
    assert!(!process_exists(pid), "postmaster {pid} still running");
    assert!(!root.exists(), "{} not removed", root.display());
}

#[test]
fn drop_stops_the_server() {
    let cluster = LocalCluster::start().unwrap();
    let (pid, port) = (cluster.pid(), cluster.port());
    let data_dir = cluster.data_dir().display().to_string();
    let root = cluster.data_dir().parent().unwrap().to_owned();
    assert_eq!(psql(port, "show data_directory").unwrap(), data_dir);
    drop(cluster);
    assert!(!process_exists(pid), "postmaster {pid} still running");
    assert!(!root.exists(), "{} not removed", root.display());
    // Once released, the port may already serve another test's cluster:
    // what must be gone is this one.
    assert_ne!(
        psql(port, "show data_directory").as_deref(),
        Ok(data_dir.as_str()),
        "the server still answers on {port}"
    );
}

#[test]
fn two_clusters_at_once() {
    let a = ClusterBuilder::new()
        .setting("application_name", "a")
        .start()
        .unwrap();
    let b = ClusterBuilder::new().start().unwrap();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.data_dir(), b.data_dir());
    psql(a.port(), "create table only_in_a (id int)").unwrap();
    assert_eq!(
        psql(
            a.port(),
            "select count(*) from pg_class where relname = 'only_in_a'"
        )
        .unwrap(),
        "1"
    );
    assert_eq!(
        psql(
            b.port(),
            "select count(*) from pg_class where relname = 'only_in_a'"
        )
        .unwrap(),
        "0"
    );
    a.stop().unwrap();
    assert_eq!(psql(b.port(), "select 1").unwrap(), "1");
    b.stop().unwrap();
}

#[test]
fn settings_are_passed_to_the_server() {
    let cluster = ClusterBuilder::new()
        .setting("log_statement", "all")
        .setting("max_connections", "50")
        .start()
        .unwrap();
    assert_eq!(psql(cluster.port(), "show log_statement").unwrap(), "all");
    assert_eq!(psql(cluster.port(), "show max_connections").unwrap(), "50");
    cluster.stop().unwrap();
}

/// A loopback port kept from everyone but a server we start on it, for as
/// long as the returned descriptor lives.
///
/// A port found free and released (bind port 0, drop) can be handed to a
/// parallel test's server or to an outgoing connection before our server
/// binds it — here during the whole of `initdb`. This socket instead stays
/// bound, with `SO_REUSEADDR`, and never listens. While it is bound, the
/// kernel gives the port to no `bind(…:0)` and no outgoing connection; a
/// server that binds it explicitly with `SO_REUSEADDR`, as PostgreSQL does,
/// may share it (Linux refuses that only next to a listening socket), and
/// once that server listens the port refuses every other server.
fn reserve_port() -> (socket2::Socket, u16) {
    use socket2::{Domain, Socket, Type};

    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a TCP socket");
    socket.set_reuse_address(true).expect("SO_REUSEADDR");
    let any_port = std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 0));
    socket.bind(&any_port.into()).expect("bind 127.0.0.1:0");
    let port = socket
        .local_addr()
        .ok()
        .and_then(|address| address.as_socket())
        .expect("an IPv4 address")
        .port();
    (socket, port)
}

#[test]
fn fixed_port() {
    // Held until the end: no other test can take the port meanwhile.
    let (_reserved, port) = reserve_port();
    let cluster = ClusterBuilder::new().port(port).start().unwrap();
    assert_eq!(cluster.port(), port);
    assert_eq!(psql(port, "select 1").unwrap(), "1");

    // A second cluster on the same fixed port fails with the server's reason.
    let err = ClusterBuilder::new().port(port).start().unwrap_err();
    assert!(matches!(err, Error::ServerExited { .. }), "{err:?}");
    assert!(err.to_string().contains("could not"), "{err}");
    cluster.stop().unwrap();
}

#[test]
fn bad_setting_reports_the_server_log() {
    let err = ClusterBuilder::new()
        .setting("no_such_setting", "1")
        .start()
        .unwrap_err();
    let message = err.to_string();
    eprintln!("{message}");
    assert!(matches!(err, Error::ServerExited { .. }), "{err:?}");
    assert!(
        message.contains("unrecognized configuration parameter \"no_such_setting\""),
        "{message}"
    );
}

/// Runs a copy of this test binary with `MOVR_LOCALDB_CHILD=<mode>` that
/// starts a cluster (running only the test `test`), and returns the child and
/// the cluster's postmaster pid and root directory, which it prints.
fn spawn_child(test: &str, mode: &str) -> (std::process::Child, u32, PathBuf) {
    use std::io::BufRead;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture"])
        .env("MOVR_LOCALDB_CHILD", mode)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).unwrap();
        assert!(n > 0, "child exited without starting a cluster");
        // (libtest may print "test <name> ... " on the same line first.)
        if let Some(at) = line.find("CLUSTER ") {
            line.drain(..at);
            break;
        }
    }
    // Keep draining the child's stdout, or its later output would fail.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let mut parts = line.split_whitespace().skip(1);
    let pid: u32 = parts.next().unwrap().parse().unwrap();
    let root = PathBuf::from(parts.next().unwrap());
    assert!(process_exists(pid));
    assert!(root.exists());
    (child, pid, root)
}

/// In a child process: starts a cluster and prints where it is.
fn child_cluster() -> &'static LocalCluster {
    static CLUSTER: std::sync::OnceLock<LocalCluster> = std::sync::OnceLock::new();
    let cluster = CLUSTER.get_or_init(|| LocalCluster::start().unwrap());
    println!(
        "CLUSTER {} {}",
        cluster.pid(),
        cluster.data_dir().parent().unwrap().display()
    );
    cluster
}

/// The watchdog stops the server and removes the directory when the owning
/// process is killed (no destructors run).
#[test]
fn watchdog_cleans_up_after_the_process_is_killed() {
    if std::env::var_os("MOVR_LOCALDB_CHILD").is_some() {
        child_cluster();
        std::thread::sleep(Duration::from_secs(60));
        return;
    }
    let (mut child, pid, root) =
        spawn_child("watchdog_cleans_up_after_the_process_is_killed", "kill");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    eventually("watchdog stops the postmaster", || !process_exists(pid));
    eventually("watchdog removes the directory", || !root.exists());
}

/// The watchdog stops the server and removes the directory when the owning
/// process exits normally with the cluster in a `static OnceLock`, as the
/// test suites do.
#[test]
fn watchdog_cleans_up_a_static_cluster_at_exit() {
    if std::env::var_os("MOVR_LOCALDB_CHILD").is_some() {
        // Used from a thread that ends before the process does.
        std::thread::spawn(|| {
            let cluster = child_cluster();
            assert_eq!(psql(cluster.port(), "select 1").unwrap(), "1");
        })
        .join()
        .unwrap();
        return;
    }
    let (mut child, pid, root) = spawn_child("watchdog_cleans_up_a_static_cluster_at_exit", "exit");
    assert!(child.wait().unwrap().success());
    eventually("watchdog stops the postmaster", || !process_exists(pid));
    eventually("watchdog removes the directory", || !root.exists());
}

#[test]
fn a_crashed_server_restarts_on_its_data() {
    let mut cluster = ClusterBuilder::new()
        .setting("synchronous_commit", "on")
        .start()
        .unwrap();
    let port = cluster.port();
    psql(
        port,
        "create table kept (n int); insert into kept values (42)",
    )
    .unwrap();
    let before = cluster.pid();
    cluster.crash().unwrap();
    assert!(!process_exists(before), "the postmaster is gone");
    let refused = psql(port, "select 1").unwrap_err();
    assert!(refused.contains("refused"), "{refused}");
    cluster.restart().unwrap();
    assert_eq!(cluster.port(), port);
    assert_ne!(cluster.pid(), before);
    assert_eq!(psql(port, "select n from kept").unwrap(), "42");
    // Crash recovery ran: the log says so.
    let log = std::fs::read_to_string(cluster.log_file()).unwrap();
    assert!(
        log.contains("not properly shut down") || log.contains("automatic recovery"),
        "{log}"
    );
    cluster.stop().unwrap();
}
