//! The `projection-service` binary: start-up errors name the variable; it
//! starts, reports ready and stops on SIGTERM with PostgreSQL, NATS and ClickHouse.

#[test]
fn the_binary_starts_and_stops_as_a_service_should() {
    test_support::service_binary_contract(
        env!("CARGO_BIN_EXE_projection-service"),
        &["DATABASE_URL", "NATS_URL", "CLICKHOUSE_URL"],
    );
}
