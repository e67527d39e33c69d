//! Files (issue #21): a file uploaded to and downloaded from the embedded
//! portal (its own process) over loopback, against `cp` of the same file on
//! the same disk in the same run; and the server's peak memory after a
//! small file and after a large one, which must stay flat (an upload is
//! streamed, never held whole).

use super::commands::{post, spawn, Server, PASSWORD};
use anyhow::Context;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::time::Instant;

/// The server's peak resident memory so far, in MiB.
fn peak_mib(server: &Server) -> f64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// A file of `mib` MiB of bytes that do not repeat (so nothing compresses them), as text.
fn make(path: &std::path::Path, mib: usize) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut line = [0u8; 64];
    for _ in 0..mib * 1024 * 1024 / 64 {
        for b in line.iter_mut().take(63) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = b'a' + u8::try_from(x % 26).unwrap_or(0);
        }
        line[63] = b'\n';
        f.write_all(&line)?;
    }
    f.flush()?;
    f.get_ref().sync_all()?;
    Ok(())
}

/// Uploads `path` by hand over TCP (the body read from the file as it goes); answers the JSON.
fn upload(base: &str, token: &str, path: &std::path::Path) -> anyhow::Result<Value> {
    let size = std::fs::metadata(path)?.len();
    let mut tcp = std::net::TcpStream::connect(base.trim_start_matches("http://"))?;
    write!(
        tcp,
        "POST /api/v1/files HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"bench.txt\"\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )?;
    std::io::copy(&mut std::fs::File::open(path)?, &mut tcp)?;
    let mut answer = String::new();
    tcp.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").context("no answer")?;
    anyhow::ensure!(
        head.starts_with("HTTP/1.1 20"),
        "upload refused: {head}\n{body}"
    );
    Ok(serde_json::from_str(body)?)
}

/// Measures one file of `mib` MiB; answers (upload MiB/s, download MiB/s, cp MiB/s, peak MiB after).
async fn one(
    server: &Server,
    http: &reqwest::Client,
    token: &str,
    dir: &std::path::Path,
    mib: usize,
) -> anyhow::Result<(f64, f64, f64, f64)> {
    let path = dir.join(format!("bench-{mib}.txt"));
    make(&path, mib)?;
    let started = Instant::now();
    std::fs::copy(&path, dir.join(format!("copy-{mib}.txt")))?;
    std::fs::File::open(dir.join(format!("copy-{mib}.txt")))?.sync_all()?;
    let cp = mib as f64 / started.elapsed().as_secs_f64();
    let (base, token, file) = (server.base.clone(), token.to_string(), path.clone());
    let started = Instant::now();
    let stored = tokio::task::spawn_blocking(move || upload(&base, &token, &file)).await??;
    let up = mib as f64 / started.elapsed().as_secs_f64();
    let url = format!("{}{}", server.base, stored["url"].as_str().context("url")?);
    let started = Instant::now();
    let mut response = http.get(&url).send().await?;
    let mut got = 0usize;
    while let Some(chunk) = response.chunk().await? {
        got += chunk.len();
    }
    let down = mib as f64 / started.elapsed().as_secs_f64();
    anyhow::ensure!(got == mib * 1024 * 1024, "downloaded {got} bytes");
    Ok((up, down, cp, peak_mib(server)))
}

/// Runs the measurement with a small (`small` MiB) and a large (`large` MiB) file.
///
/// # Errors
/// When the server does not start or a transfer fails.
pub async fn run(small: usize, large: usize) -> anyhow::Result<String> {
    let dir = std::env::var_os("BENCH_DATA_DIR")
        .map_or_else(std::env::temp_dir, std::path::PathBuf::from)
        .join(format!(
            "portal-bench-files-{}",
            uuid::Uuid::now_v7().simple()
        ));
    std::fs::create_dir_all(&dir)?;
    let server = spawn(
        "portal",
        &[
            ("PORTAL_HTTP_ADDR", "127.0.0.1:0".into()),
            ("PORTAL_DEMO_DATA", "0".into()),
            (
                "PORTAL_FILE_LIMIT_BYTES",
                ((large + 1) * 1024 * 1024).to_string(),
            ),
            ("PORTAL_DATA_DIR", dir.join("data").display().to_string()),
        ],
    )?;
    let http = reqwest::Client::new();
    let login = post(
        &http,
        &format!("{}/api/v1/auth/login", server.base),
        None,
        &json!({ "login": "admin", "password": PASSWORD }),
    )
    .await?;
    let token = login["token"].as_str().context("token")?.to_string();
    let idle = peak_mib(&server);
    let mut rows = Vec::new();
    for mib in [small, large] {
        let (up, down, cp, peak) = one(&server, &http, &token, &dir, mib).await?;
        rows.push(format!(
            "| {mib} MiB | {up:.0} MiB/s ({:.2} × cp) | {down:.0} MiB/s ({:.2} × cp) | {cp:.0} MiB/s | {peak:.0} MiB |",
            up / cp,
            down / cp
        ));
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(format!(
        "files through the embedded portal (upload: POST /api/v1/files over loopback; download: GET of its url), against cp of the same file on the same disk (with fsync)\n\
         server peak memory before any file: {idle:.0} MiB\n\n\
         | file | upload | download | cp | server peak after |\n|---|---:|---:|---:|---:|\n{}",
        rows.join("\n")
    ))
}
