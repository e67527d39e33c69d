//! The shared HTTP server: a client that sends its headers slowly is cut
//! off, `/metrics` can live on an address of its own, the client's address
//! reaches the handlers, and a stop lets the request in flight finish.

use axum::routing::get;
use axum::Router;
use infra::http::Server;
use infra::settings::HttpSettings;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn get_raw(addr: SocketAddr, path: &str) -> String {
    let mut socket = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    answer
}

fn app() -> Router {
    Router::new()
        .route(
            "/peer",
            get(
                |axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>| async move {
                    peer.ip().to_string()
                },
            ),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                "done"
            }),
        )
}

#[tokio::test]
async fn slow_headers_are_cut_off_and_metrics_can_be_elsewhere() {
    let mut settings = HttpSettings::for_tests();
    settings.header_read_timeout = Duration::from_secs(1);
    settings.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    let server = Server::bind(app(), "test", &settings).await.unwrap();
    let (addr, metrics) = (server.addr(), server.metrics_addr().unwrap());
    let stop = server.shutdown_handle();
    let running = tokio::spawn(server.run_until_stopped());

    assert!(get_raw(addr, "/peer").await.ends_with("127.0.0.1"));
    assert!(get_raw(addr, "/metrics").await.starts_with("HTTP/1.1 404"));
    let scraped = get_raw(metrics, "/metrics").await;
    assert!(scraped.starts_with("HTTP/1.1 200"), "{scraped}");
    assert!(scraped.contains("http_request_duration_seconds"));

    // Half a request's headers, then nothing: the server closes the connection.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the connection was held for 10 s");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));

    // A stop lets the request in flight finish.
    let in_flight = tokio::spawn(get_raw(addr, "/slow"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.trigger();
    assert!(in_flight.await.unwrap().ends_with("done"));
    running.await.unwrap().unwrap();
}
