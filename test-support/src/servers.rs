//! Servers of a test's own, on free loopback ports with data folders of
//! their own, that a fault test may stop and start again: NATS, PostgreSQL
//! (the distribution's binaries; as root it runs as the `postgres` user) and
//! ClickHouse. Each panics with what to install when its binary is missing.

use super::{unique_name, TempDir};
use infra::postgres::PgSettings;
use infra::settings::ClickHouseSettings;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn wait_until(what: &str, timeout: Duration, mut up: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !up() {
        assert!(
            Instant::now() < deadline,
            "{what} did not come up within {timeout:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A NATS server (JetStream) of a test's own, on a free loopback port with a
/// data folder of its own, that the test may stop and start again (fault
/// tests). Needs `nats-server` on the PATH (scripts/test installs it).
pub struct PrivateNats {
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
    port: u16,
    dir: TempDir,
    child: Option<std::process::Child>,
}

impl PrivateNats {
    /// Starts it and waits until it accepts connections.
    ///
    /// # Panics
    /// When `nats-server` is missing or does not come up within 20 s.
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut nats = Self {
            url: format!("nats://127.0.0.1:{port}"),
            port,
            dir: TempDir::new(),
            child: None,
        };
        nats.restart();
        nats
    }

    /// Kills it (SIGKILL) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data folder.
    ///
    /// # Panics
    /// When `nats-server` is missing or does not come up within 20 s.
    pub fn restart(&mut self) {
        self.stop();
        let child = std::process::Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"])
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start nats-server ({e}): install it, or run the tests with scripts/test")
            });
        self.child = Some(child);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "nats-server did not come up on port {}",
                self.port
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A PostgreSQL server of a test's own (initdb into a temporary folder).
pub struct PrivatePostgres {
    /// Settings pointing at it (a schema of the test's own).
    pub settings: PgSettings,
    port: u16,
    bindir: PathBuf,
    dir: TempDir,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PrivatePostgres {
    /// Creates the cluster and starts it.
    ///
    /// # Panics
    /// When PostgreSQL's binaries are missing (`/usr/lib/postgresql/*/bin`) or it does not start.
    pub fn start() -> Self {
        let bindir = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                let mut dirs: Vec<PathBuf> = versions
                    .filter_map(|v| v.ok().map(|v| v.path().join("bin")))
                    .filter(|b| b.join("initdb").exists())
                    .collect();
                dirs.sort();
                dirs.pop()
            })
            .expect("PostgreSQL's binaries are missing: install postgresql, or run the tests with scripts/test");
        let dir = TempDir::new();
        let pg = Self {
            settings: PgSettings {
                url: String::new(),
                schema: unique_name("t"),
                pool_size: 8,
            },
            port: free_port(),
            bindir,
            dir,
        };
        if running_as_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres"])
                .arg(pg.dir.path())
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "cannot hand the folder to the postgres user"
            );
        }
        let data = pg.data();
        let log = pg.dir.path().join("initdb.log");
        let ok = pg
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-N",
            ])
            .stdout(std::fs::File::create(&log).expect("log"))
            .stderr(Stdio::inherit())
            .status()
            .expect("initdb");
        assert!(ok.success(), "initdb failed; see {}", log.display());
        let mut pg = pg;
        pg.settings.url = format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port);
        pg.start_server();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A command of the cluster's binaries, as the `postgres` user when running as root.
    fn command(&self, bin: &str) -> Command {
        let path = self.bindir.join(bin);
        if running_as_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    fn pg_ctl(&self, args: &[&str]) -> bool {
        self.command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        let log = log.to_string_lossy();
        assert!(
            self.pg_ctl(&["-l", &log, "-w", "-t", "60", "-o", &options, "start"]),
            "PostgreSQL did not start; see {log}"
        );
        wait_until("PostgreSQL", Duration::from_secs(30), || {
            port_open(self.port)
        });
    }

    /// Stops it at once, as a crash would (`-m immediate`: no checkpoint, every connection cut).
    pub fn crash(&mut self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }

    /// Starts it again on the same port and data (recovering from the WAL).
    pub fn start_again(&mut self) {
        self.start_server();
    }

    /// The folder of the server's files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }
}

/// A ClickHouse server of a test's own.
pub struct PrivateClickHouse {
    /// Settings pointing at it (a database of the test's own).
    pub settings: ClickHouseSettings,
    http: u16,
    tcp: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl PrivateClickHouse {
    /// Writes its configuration and starts it.
    ///
    /// # Panics
    /// When `clickhouse-server` is missing or does not come up within 60 s.
    pub fn start() -> Self {
        let (http, tcp) = (free_port(), free_port());
        let mut ch = Self {
            settings: ClickHouseSettings {
                url: format!("http://127.0.0.1:{http}"),
                database: unique_name("t"),
                user: "default".into(),
                password: String::new(),
            },
            http,
            tcp,
            dir: TempDir::new(),
            child: None,
        };
        let d = ch.dir.path().display().to_string();
        std::fs::write(
            ch.dir.path().join("config.xml"),
            format!(
                r#"<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
    <http_port>{http}</http_port><tcp_port>{tcp}</tcp_port><listen_host>127.0.0.1</listen_host>
    <path>{d}/data/</path><tmp_path>{d}/tmp/</tmp_path><user_files_path>{d}/user_files/</user_files_path>
    <format_schema_path>{d}/format_schemas/</format_schema_path><users_config>{d}/users.xml</users_config>
    <default_profile>default</default_profile><default_database>default</default_database><timezone>UTC</timezone>
    <mark_cache_size>67108864</mark_cache_size><max_concurrent_queries>100</max_concurrent_queries>
</yandex>"#,
                http = ch.http,
                tcp = ch.tcp
            ),
        )
        .expect("config");
        std::fs::write(
            ch.dir.path().join("users.xml"),
            r#"<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
        <profile>default</profile><quota>default</quota></default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>"#,
        )
        .expect("users");
        ch.start_again();
        ch
    }

    /// Kills it (SIGKILL) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same ports and data.
    ///
    /// # Panics
    /// When `clickhouse-server` is missing or does not come up within 60 s.
    pub fn start_again(&mut self) {
        self.stop();
        let child = Command::new("clickhouse-server")
            .arg(format!("--config-file={}/config.xml", self.dir.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start clickhouse-server ({e}): install it, or run the tests with scripts/test")
            });
        self.child = Some(child);
        let http = self.http;
        wait_until("clickhouse-server", Duration::from_secs(60), || {
            use std::io::{Read, Write};
            let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", http)) else {
                return false;
            };
            let mut answer = String::new();
            s.write_all(b"GET /ping HTTP/1.0\r\n\r\n").is_ok()
                && s.read_to_string(&mut answer).is_ok()
                && answer.contains("Ok.")
        });
    }
}

impl Drop for PrivateClickHouse {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A message an SMTP server of a test's own received, as stored in its Maildir.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope's recipients (`X-RcptTo`).
    pub to: String,
    /// The headers, names lower-case, values unfolded (RFC 2047 words left as they are).
    pub headers: Vec<(String, String)>,
    /// The whole message as received.
    pub raw: String,
}

impl ReceivedMail {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of the message's parts, transfer encodings undone
    /// (quoted-printable, base64): what a reader sees.
    pub fn text(&self) -> String {
        use base64::Engine;
        let mut out = String::new();
        for part in self.raw.split("\r\n--").chain(std::iter::once("")) {
            let Some((head, body)) = part.split_once("\r\n\r\n") else {
                continue;
            };
            let head = head.to_ascii_lowercase();
            if head.contains("content-transfer-encoding: base64") {
                let joined: String = body
                    .split_whitespace()
                    .take_while(|l| !l.starts_with("--"))
                    .collect();
                if let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(joined) {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                }
            } else if head.contains("content-transfer-encoding: quoted-printable") {
                out.push_str(&decode_quoted_printable(body));
            } else {
                out.push_str(body);
            }
            out.push('\n');
        }
        out
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let body = body.replace("=\r\n", "");
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() + 1 {
            if let Some(b) = std::str::from_utf8(&bytes[i + 1..(i + 3).min(bytes.len())])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An SMTP server of a test's own (Debian's `python3-aiosmtpd`, which
/// scripts/test installs) on a free loopback port, keeping what it receives
/// in a Maildir; the test may stop it and start it again.
pub struct PrivateSmtp {
    /// `smtp://127.0.0.1:PORT`.
    pub url: String,
    port: u16,
    dir: TempDir,
    child: Option<Child>,
}

impl PrivateSmtp {
    /// Starts it and waits until it accepts connections.
    ///
    /// # Panics
    /// When aiosmtpd is missing or does not come up within 20 s.
    pub fn start() -> Self {
        let port = free_port();
        let mut smtp = Self {
            url: format!("smtp://127.0.0.1:{port}"),
            port,
            dir: TempDir::new(),
            child: None,
        };
        smtp.start_again();
        smtp
    }

    /// Kills it (SIGKILL): connections are refused until it starts again.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and Maildir.
    ///
    /// # Panics
    /// When aiosmtpd is missing or does not come up within 20 s.
    pub fn start_again(&mut self) {
        self.stop();
        // Debian's interpreter, which python3-aiosmtpd is installed for.
        let python =
            std::env::var("PORTAL_TEST_SMTP_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.dir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start an SMTP server with {python} -m aiosmtpd ({e}): install python3-aiosmtpd, or run the tests with scripts/test")
            });
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !port_open(self.port) {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("the SMTP server ({python} -m aiosmtpd) exited with {status}: install python3-aiosmtpd, or run the tests with scripts/test");
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP server did not come up within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every message received so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let dir = self.dir.path().join("maildir").join("new");
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| {
                        let modified = e.metadata().ok()?.modified().ok()?;
                        Some((modified, e.path()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read(path).ok())
            .map(|bytes| {
                let raw = String::from_utf8_lossy(&bytes)
                    .replace("\r\n", "\n")
                    .replace('\n', "\r\n");
                let head = raw.split("\r\n\r\n").next().unwrap_or_default();
                let mut headers: Vec<(String, String)> = Vec::new();
                for line in head.split("\r\n") {
                    if line.starts_with([' ', '\t']) {
                        if let Some(last) = headers.last_mut() {
                            last.1.push(' ');
                            last.1.push_str(line.trim());
                        }
                    } else if let Some((name, value)) = line.split_once(':') {
                        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                    }
                }
                let to = headers
                    .iter()
                    .find(|(n, _)| n == "x-rcptto")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                ReceivedMail { to, headers, raw }
            })
            .collect()
    }

    /// Waits until at least `n` messages arrived (or `timeout` passed) and answers them.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for PrivateSmtp {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A current ClickHouse of a test's own: chDB (ClickHouse 26 in process,
/// PyPI `chdb`) behind ClickHouse's HTTP interface (`chdb_http.py`), on a
/// free loopback port, with the Python of `PORTAL_TEST_CHDB_PYTHON`
/// (scripts/test makes a virtual environment with chdb in `target/chdb`).
/// So the statements written for Debian's ClickHouse 18.16 are run by a
/// current one too.
pub struct ChdbClickHouse {
    /// Settings pointing at it (a database of the test's own).
    pub settings: ClickHouseSettings,
    _dir: TempDir,
    child: Child,
}

impl ChdbClickHouse {
    /// Starts it and waits until it answers.
    ///
    /// # Panics
    /// When `PORTAL_TEST_CHDB_PYTHON` is not set, or chDB does not come up within 60 s.
    pub fn start() -> Self {
        let python = std::env::var("PORTAL_TEST_CHDB_PYTHON").unwrap_or_else(|_| {
            panic!(
                "PORTAL_TEST_CHDB_PYTHON is not set: a Python with chdb (scripts/test makes one)"
            )
        });
        let port = free_port();
        let dir = TempDir::new();
        let script = dir.path().join("chdb_http.py");
        std::fs::write(&script, include_str!("chdb_http.py")).expect("script");
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} with chdb: {e}"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while !port_open(port) {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("chdb_http.py ({python}) exited with {status}");
            }
            assert!(
                Instant::now() < deadline,
                "chDB did not come up within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            settings: ClickHouseSettings {
                url: format!("http://127.0.0.1:{port}"),
                database: unique_name("t"),
                user: "default".into(),
                password: String::new(),
            },
            _dir: dir,
            child,
        }
    }
}

impl Drop for ChdbClickHouse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
