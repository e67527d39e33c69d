//! How the pages write days, times, amounts, decimals and counts for people,
//! in the Czech way: `31. 12. 2027`, `14:05` in Prague local time (from the
//! time-zone database, not a rule of summer time in code), `1 500 000 Kč`,
//! `13,1 km`, "1 odpověď / 2 odpovědi / 5 odpovědí". The templates use them
//! as filters (`{{ call.deadline|day }}`): `use super::format::filters;`
//! beside a template's struct.

use super::page::Lang;
use std::sync::LazyLock;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Prague's zone: from the system's database, else the one built in.
static PRAGUE: LazyLock<jiff::tz::TimeZone> = LazyLock::new(|| {
    jiff::tz::TimeZone::get("Europe/Prague").unwrap_or_else(|e| {
        tracing::error!(error = %e, "no Europe/Prague in the time-zone database");
        jiff::tz::TimeZone::fixed(jiff::tz::offset(1))
    })
});

/// Prague's offset from UTC at an instant.
fn offset_at(t: OffsetDateTime) -> UtcOffset {
    let seconds = jiff::Timestamp::from_second(t.unix_timestamp())
        .map(|ts| PRAGUE.to_offset(ts).seconds())
        .unwrap_or(3600);
    UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
}

/// An instant in Prague local time.
pub fn local(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(offset_at(t))
}

/// A local time in Prague as an instant. A time that the change to summer
/// time skips is read as the hour after; one that the change back repeats,
/// as the first of the two (the "compatible" reading of RFC 9557).
pub fn prague(local: PrimitiveDateTime) -> OffsetDateTime {
    let civil = jiff::civil::DateTime::new(
        i16::try_from(local.year()).unwrap_or(9999),
        i8::try_from(u8::from(local.month())).unwrap_or(1),
        i8::try_from(local.day()).unwrap_or(1),
        i8::try_from(local.hour()).unwrap_or(0),
        i8::try_from(local.minute()).unwrap_or(0),
        i8::try_from(local.second()).unwrap_or(0),
        0,
    );
    let seconds = civil
        .ok()
        .and_then(|c| PRAGUE.to_ambiguous_timestamp(c).compatible().ok())
        .map(|ts| ts.as_second());
    let utc = seconds
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(|| local.assume_utc());
    utc.to_offset(offset_at(utc))
}

/// A day: `31. 12. 2027`.
pub fn day(d: Date) -> String {
    format!("{}. {}. {}", d.day(), u8::from(d.month()), d.year())
}

/// A day and time in Prague: `1. 12. 2026 14:05`.
pub fn day_time(t: OffsetDateTime) -> String {
    let t = local(t);
    format!("{} {:02}:{:02}", day(t.date()), t.hour(), t.minute())
}

/// Digits grouped by thousands with a no-break space: `1 500 000`.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::from(if n < 0 { "−" } else { "" });
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// An amount in crowns: `1 500 000 Kč`.
pub fn czk(n: i64) -> String {
    format!("{}\u{a0}Kč", grouped(n))
}

/// A number with one decimal, a decimal comma in Czech: `13,1`.
pub fn decimal(x: f64, lang: Lang) -> String {
    let text = format!("{x:.1}");
    match lang {
        Lang::Cs => text.replace('.', ","),
        Lang::En => text,
    }
}

/// The form of a counted noun (`forms`: one, two to four, five and more):
/// "1 výsledek", "2 výsledky", "5 výsledků"; English uses the first two.
pub fn plural(n: usize, forms: [&'static str; 3]) -> &'static str {
    match n {
        1 => forms[0],
        2..=4 => forms[1],
        _ => forms[2],
    }
}

/// A phone's `tel:` link (RFC 3966): its digits, and the `+` before them.
pub fn tel(phone: &str) -> String {
    let dial: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{dial}")
}

/// What can be written as a day.
pub trait AsDay {
    /// The day, in Prague for an instant.
    fn as_day(&self) -> Date;
}

impl AsDay for Date {
    fn as_day(&self) -> Date {
        *self
    }
}

impl AsDay for OffsetDateTime {
    fn as_day(&self) -> Date {
        local(*self).date()
    }
}

impl<T: AsDay> AsDay for &T {
    fn as_day(&self) -> Date {
        (*self).as_day()
    }
}

/// The formats as template filters.
pub mod filters {
    use super::AsDay;
    use std::borrow::Borrow;
    use time::OffsetDateTime;

    /// `{{ x|day }}`: `31. 12. 2027` (an instant's day in Prague).
    #[expect(clippy::unnecessary_wraps, reason = "askama's filter signature")]
    pub fn day(d: impl AsDay, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::day(d.as_day()))
    }

    /// `{{ t|day_time }}`: `1. 12. 2026 14:05`, Prague local time.
    #[expect(clippy::unnecessary_wraps, reason = "askama's filter signature")]
    pub fn day_time(
        t: impl Borrow<OffsetDateTime>,
        _: &dyn askama::Values,
    ) -> askama::Result<String> {
        Ok(super::day_time(*t.borrow()))
    }

    /// `{{ n|czk }}`: `1 500 000 Kč`.
    #[expect(clippy::unnecessary_wraps, reason = "askama's filter signature")]
    pub fn czk(n: impl Borrow<i64>, _: &dyn askama::Values) -> askama::Result<String> {
        Ok(super::czk(*n.borrow()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn prague_time_comes_from_the_time_zone_database() {
        assert_eq!(
            prague(datetime!(2026-12-01 14:00)),
            datetime!(2026-12-01 13:00 UTC)
        );
        assert_eq!(
            prague(datetime!(2026-07-01 14:00)),
            datetime!(2026-07-01 12:00 UTC)
        );
        // 2026: summer time from 29 March 02:00 to 25 October 03:00.
        assert_eq!(
            prague(datetime!(2026-03-29 01:30)),
            datetime!(2026-03-29 00:30 UTC)
        );
        // 02:30 does not exist that night: the hour after.
        assert_eq!(
            prague(datetime!(2026-03-29 02:30)),
            datetime!(2026-03-29 01:30 UTC)
        );
        // 02:30 happens twice on 25 October: the first.
        assert_eq!(
            prague(datetime!(2026-10-25 02:30)),
            datetime!(2026-10-25 00:30 UTC)
        );
        assert_eq!(
            prague(datetime!(2026-10-25 03:30)),
            datetime!(2026-10-25 02:30 UTC)
        );
        // 1946–1949 Czechoslovakia had summer time on other dates; 1979 began it again.
        assert_eq!(
            prague(datetime!(1978-07-01 12:00)),
            datetime!(1978-07-01 11:00 UTC)
        );
        for t in [
            datetime!(2026-12-01 14:00),
            datetime!(2026-07-01 14:00),
            datetime!(2026-03-29 03:30),
        ] {
            let there = local(prague(t));
            assert_eq!((there.date(), there.time()), (t.date(), t.time()), "{t}");
        }
        // The end of a day in summer, seen in UTC, is still that day in Prague.
        let deadline = prague(datetime!(2027-06-30 23:59:59));
        assert_eq!(deadline, datetime!(2027-06-30 21:59:59 UTC));
        assert_eq!(super::filters::day(deadline, &()).unwrap(), "30. 6. 2027");
        assert_eq!(
            day_time(datetime!(2026-12-31 23:30 UTC)),
            "1. 1. 2027 00:30"
        );
    }

    #[test]
    fn numbers_and_days_are_written_in_the_czech_way() {
        assert_eq!(day(date!(2027 - 12 - 31)), "31. 12. 2027");
        assert_eq!(day(date!(2027 - 01 - 05)), "5. 1. 2027");
        assert_eq!(czk(1_500_000), "1\u{a0}500\u{a0}000\u{a0}Kč");
        assert_eq!(czk(999), "999\u{a0}Kč");
        assert_eq!(czk(-25_000), "−25\u{a0}000\u{a0}Kč");
        assert_eq!(grouped(1000), "1\u{a0}000");
        assert_eq!(decimal(13.06, Lang::Cs), "13,1");
        assert_eq!(decimal(13.06, Lang::En), "13.1");
        assert_eq!(tel("+420 412 345 678"), "tel:+420412345678");
        assert_eq!(tel("412 345-678 (ústředna)"), "tel:412345678");
    }
}
