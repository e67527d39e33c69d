//! Test support shared by every crate's tests: per-test PostgreSQL schemas,
//! ClickHouse databases, JetStream prefixes and temporary folders, each
//! removed when dropped. The servers come from `PORTAL_TEST_*` variables
//! exported by `scripts/test`; a test that needs one fails when it is
//! missing, it never skips.

mod servers;
pub use servers::{
    ChdbClickHouse, PrivateClickHouse, PrivateNats, PrivatePostgres, PrivateSmtp, ReceivedMail,
};

use infra::postgres::PgSettings;
use infra::settings::{ClickHouseSettings, NatsSettings};
use std::path::{Path, PathBuf};

fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// The value of a `PORTAL_TEST_*` variable; panics with how to get it when missing.
///
/// # Panics
/// When the variable is not set: the test needs the service and must fail, not skip.
pub fn required_env(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => panic!(
            "{var} is not set: this test needs a real server. Run the tests with scripts/test, \
             which starts PostgreSQL, NATS and ClickHouse and sets {var}."
        ),
    }
}

/// Runs a future to completion on a fresh runtime in its own thread (usable from `Drop`).
fn block_on_thread<F: std::future::Future<Output = ()> + Send + 'static>(f: F) {
    let handle = std::thread::spawn(move || {
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(f),
            Err(e) => eprintln!("cannot clean up after the test: {e}"),
        }
    });
    let _ = handle.join();
}

/// A PostgreSQL schema of its own for one test, dropped afterwards.
pub struct TestPostgres {
    /// Settings pointing at the schema.
    pub settings: PgSettings,
}

impl TestPostgres {
    /// A fresh schema name on the server of `PORTAL_TEST_DATABASE_URL` (created on first connect).
    ///
    /// # Panics
    /// When `PORTAL_TEST_DATABASE_URL` is not set.
    pub fn new() -> Self {
        Self {
            settings: PgSettings {
                url: required_env("PORTAL_TEST_DATABASE_URL"),
                schema: unique_name("t"),
                pool_size: 8,
            },
        }
    }
}

impl Default for TestPostgres {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        block_on_thread(async move {
            use std::str::FromStr;
            let Ok(config) = tokio_postgres::Config::from_str(&settings.url) else {
                return;
            };
            if let Ok((client, conn)) = config.connect(tokio_postgres::NoTls).await {
                let driver = tokio::spawn(conn);
                let _ = client
                    .batch_execute(&format!(
                        "DROP SCHEMA IF EXISTS {} CASCADE",
                        settings.schema
                    ))
                    .await;
                drop(client);
                let _ = driver.await;
            }
        });
    }
}

/// A JetStream prefix of its own for one test; its streams are deleted afterwards.
pub struct TestNats {
    /// Settings with the unique prefix.
    pub settings: NatsSettings,
}

impl TestNats {
    /// A fresh prefix on the server of `PORTAL_TEST_NATS_URL`.
    ///
    /// # Panics
    /// When `PORTAL_TEST_NATS_URL` is not set.
    pub fn new() -> Self {
        Self {
            settings: NatsSettings {
                url: required_env("PORTAL_TEST_NATS_URL"),
                prefix: unique_name("t"),
            },
        }
    }
}

impl Default for TestNats {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        block_on_thread(async move {
            use futures_util::StreamExt;
            let Ok(client) = async_nats::connect(settings.url.as_str()).await else {
                return;
            };
            let js = async_nats::jetstream::new(client);
            let mut names = js.stream_names();
            let mut mine = Vec::new();
            while let Some(Ok(name)) = names.next().await {
                if name.starts_with(&settings.prefix) {
                    mine.push(name);
                }
            }
            for name in mine {
                let _ = js.delete_stream(&name).await;
            }
        });
    }
}

/// A ClickHouse database of its own for one test, dropped afterwards.
pub struct TestClickHouse {
    /// Settings pointing at the database (created on first connect).
    pub settings: ClickHouseSettings,
}

impl TestClickHouse {
    /// A fresh database name on the server of `PORTAL_TEST_CLICKHOUSE_URL`.
    ///
    /// # Panics
    /// When `PORTAL_TEST_CLICKHOUSE_URL` is not set.
    pub fn new() -> Self {
        Self {
            settings: ClickHouseSettings {
                url: required_env("PORTAL_TEST_CLICKHOUSE_URL"),
                database: unique_name("t"),
                user: "default".into(),
                password: String::new(),
            },
        }
    }
}

impl Default for TestClickHouse {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestClickHouse {
    fn drop(&mut self) {
        let settings = self.settings.clone();
        block_on_thread(async move {
            let client = clickhouse::Client::default()
                .with_url(&settings.url)
                .with_user(&settings.user)
                .with_password(&settings.password);
            let _ = client
                .query(&format!("DROP DATABASE IF EXISTS {}", settings.database))
                .execute()
                .await;
        });
    }
}

/// A temporary folder removed when dropped.
pub struct TempDir(PathBuf);

/// The files of `dir` (recursively) whose bytes contain `needle`: what an
/// erasure must leave in none of them.
///
/// A file removed while the folder is read (SQLite drops its `-wal` and
/// `-shm` files when the last connection closes) holds nothing any more.
///
/// # Panics
/// When the folder or a file that is there cannot be read.
pub fn files_holding(dir: &Path, needle: &[u8]) -> Vec<String> {
    let gone = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the folder reads") {
        let path = entry.expect("the folder reads").path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
            continue;
        }
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if gone(&e) => continue,
            Err(e) => panic!("{} does not read: {e}", path.display()),
        };
        if bytes.windows(needle.len()).any(|w| w == needle) {
            found.push(path.display().to_string());
        }
    }
    found
}

impl TempDir {
    /// Creates a fresh folder under the system's temporary folder.
    ///
    /// # Panics
    /// When the folder cannot be created.
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(unique_name("portal-test"));
        std::fs::create_dir_all(&path).expect("cannot create a temporary folder");
        Self(path)
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A service binary started by a test, with a clean environment.
pub struct ServiceProcess {
    child: std::process::Child,
    /// Where it listens, as printed on its first line.
    pub addr: std::net::SocketAddr,
}

/// A command for `bin` with only `PATH`, `RUST_LOG` and `envs` set.
fn clean_command(bin: &str, envs: &[(&str, String)]) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin);
    cmd.env_clear();
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("RUST_LOG", "warn");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

impl ServiceProcess {
    /// Starts `bin` and waits (up to 60 s) for its `listening on http://ADDR` line.
    ///
    /// # Panics
    /// When it cannot start, exits, or does not say where it listens.
    pub fn spawn(bin: &str, envs: &[(&str, String)]) -> Self {
        use std::io::BufRead;
        let mut child = clean_command(bin, envs)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = match rx.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(addr) => addr,
            Err(_) => {
                let _ = child.kill();
                panic!("{bin} exited or did not say where it listens within 60 s");
            }
        };
        Self {
            child,
            addr: addr
                .parse()
                .unwrap_or_else(|_| panic!("{bin} printed a bad address {addr:?}")),
        }
    }

    /// Its resident memory now (VmRSS from `/proc`), in bytes.
    pub fn resident_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib * 1024)
    }

    /// Kills it with SIGKILL (a crash) and waits until it is gone.
    pub fn kill_hard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM and waits for the exit status.
    ///
    /// # Panics
    /// When the signal cannot be sent or the process does not exit within 30 s.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "cannot signal the process");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process ignored SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `bin` with a clean environment to its end (at most 60 s) and returns
/// whether it succeeded and what it wrote to stderr.
///
/// # Panics
/// When it cannot start or runs longer.
pub fn run_to_exit(bin: &str, envs: &[(&str, String)]) -> (bool, String) {
    let mut child = clean_command(bin, envs)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{bin} did not exit within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The token signing key of the tests' services.
pub const TEST_JWT_SECRET: &str = "test-secret-of-at-least-thirty-two-bytes";

/// The environment a distributed service needs, pointing at the test servers
/// and at fresh per-test schema, prefix and database.
pub fn distributed_env(
    pg: &TestPostgres,
    nats: &TestNats,
    ch: &TestClickHouse,
) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", pg.settings.url.clone()),
        ("DATABASE_SCHEMA", pg.settings.schema.clone()),
        ("NATS_URL", nats.settings.url.clone()),
        ("NATS_STREAM_PREFIX", nats.settings.prefix.clone()),
        ("CLICKHOUSE_URL", ch.settings.url.clone()),
        ("CLICKHOUSE_DATABASE", ch.settings.database.clone()),
        ("PORTAL_JWT_SECRET", TEST_JWT_SECRET.into()),
    ]
}

/// A plain HTTP/1.1 GET on loopback: the status and the body.
///
/// # Panics
/// When the server cannot be reached or answers garbage.
pub fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// What every distributed service binary must do: refuse to start, naming
/// the variable, when a required one is missing or its server unreachable;
/// start, report ready and stop cleanly on SIGTERM when all are there.
///
/// # Panics
/// When the binary does not behave so.
pub fn service_binary_contract(bin: &str, required: &[&str]) {
    let (pg, nats, ch) = (TestPostgres::new(), TestNats::new(), TestClickHouse::new());
    let full = distributed_env(&pg, &nats, &ch);
    let unreachable = |var: &str| match var {
        "DATABASE_URL" => "postgres://postgres@127.0.0.1:1/postgres",
        "NATS_URL" => "nats://127.0.0.1:1",
        "CLICKHOUSE_URL" => "http://127.0.0.1:1",
        other => panic!("no unreachable value for {other}"),
    };
    for var in required {
        let missing: Vec<_> = full.iter().filter(|(k, _)| k != var).cloned().collect();
        let (ok, stderr) = run_to_exit(bin, &missing);
        assert!(!ok, "{bin} started without {var}");
        assert!(stderr.contains(var), "{bin} without {var} said: {stderr}");
        if !var.ends_with("_URL") {
            continue;
        }
        let bad: Vec<_> = full
            .iter()
            .map(|(k, v)| {
                if k == var {
                    (*k, unreachable(var).to_string())
                } else {
                    (*k, v.clone())
                }
            })
            .collect();
        let (ok, stderr) = run_to_exit(bin, &bad);
        assert!(!ok, "{bin} started with an unreachable {var}");
        assert!(
            stderr.contains(var),
            "{bin} with an unreachable {var} said: {stderr}"
        );
    }
    let mut env = full;
    let addr_var = match bin.rsplit('/').next().unwrap_or(bin) {
        "command-service" => "COMMAND_SERVICE_ADDR",
        "query-service" => "QUERY_SERVICE_ADDR",
        "projection-service" => "PROJECTION_SERVICE_ADDR",
        _ => "PORTAL_HTTP_ADDR",
    };
    env.push((addr_var, "127.0.0.1:0".into()));
    let process = ServiceProcess::spawn(bin, &env);
    let (status, body) = http_get(process.addr, "/health");
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_get(process.addr, "/ready");
    assert_eq!(status, 200, "{body}");
    let (status, body) = http_get(process.addr, "/metrics");
    assert_eq!(status, 200);
    assert!(body.contains("dependency_up"), "{body}");
    let exit = process.terminate();
    assert!(
        exit.success(),
        "{bin} did not stop cleanly on SIGTERM: {exit}"
    );
}

/// The folder of the shared reference data: `PORTAL_SHARED_DATA`, or
/// `../shared/data` beside the project (where CI puts it).
///
/// # Panics
/// When neither exists: the test needs the real data.
pub fn shared_data_dir() -> PathBuf {
    let dir = std::env::var("PORTAL_SHARED_DATA").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data"),
        PathBuf::from,
    );
    assert!(
        dir.join("MANIFEST.md").exists(),
        "the shared reference data is not at {} (set PORTAL_SHARED_DATA)",
        dir.display()
    );
    dir
}
