//! The two logical types: RFC 3339 date-times as UTC microseconds since the
//! epoch, and hyphenated UUID text.
//!
//! The RFC 3339 reader is written out here rather than taken from `time`
//! because `time`'s parser accepts any separator byte between date and time
//! and drops fraction digits past the ninth; either would let a malformed or
//! over-precise timestamp through. `time` still does the calendar arithmetic.

use std::fmt::Write as _;

use time::{Date, Month};

/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Parses an RFC 3339 date-time (any offset) into UTC microseconds since the
/// Unix epoch. A fraction finer than a microsecond is an error, not rounded.
pub(crate) fn parse_timestamp_micros(text: &str) -> Result<i64, String> {
    let b = text.as_bytes();
    let malformed = || "not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.f]Z or ±HH:MM)".to_owned();

    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return Err(malformed());
    }

    if !matches!(b[10], b'T' | b't') {
        return Err(malformed());
    }

    let year = digits(&b[0..4]).ok_or_else(malformed)?;
    let month = digits(&b[5..7]).ok_or_else(malformed)?;
    let day = digits(&b[8..10]).ok_or_else(malformed)?;
    let hour = digits(&b[11..13]).ok_or_else(malformed)?;
    let minute = digits(&b[14..16]).ok_or_else(malformed)?;
    let second = digits(&b[17..19]).ok_or_else(malformed)?;

    if hour > 23 || minute > 59 {
        return Err(malformed());
    }

    if second == 60 {
        return Err("a leap second (:60) cannot be represented as timestamp-micros".to_owned());
    }

    if second > 59 {
        return Err(malformed());
    }

    let (fraction_micros, rest) = parse_fraction(&b[19..])?;
    let offset_seconds = parse_offset(rest).ok_or_else(malformed)?;

    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(malformed)?;
    let day = u8::try_from(day).map_err(|_| malformed())?;
    let year = i32::try_from(year).map_err(|_| malformed())?;
    let date =
        Date::from_calendar_date(year, month, day).map_err(|_| "not a calendar date".to_owned())?;

    // Years 0000-9999 keep every step far inside i64.
    let days = i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY;
    let seconds = hour * 3_600 + minute * 60 + second - offset_seconds;

    Ok(days * MICROS_PER_DAY + seconds * MICROS_PER_SECOND + fraction_micros)
}

/// Reads an optional `.digits` fraction; returns microseconds and the rest.
fn parse_fraction(b: &[u8]) -> Result<(i64, &[u8]), String> {
    let Some(rest) = b.strip_prefix(b".") else {
        return Ok((0, b));
    };

    let count = rest.iter().take_while(|c| c.is_ascii_digit()).count();

    if count == 0 {
        return Err("a `.` in a date-time must be followed by digits".to_owned());
    }

    let (fraction, rest) = rest.split_at(count);

    if fraction.iter().skip(6).any(|&c| c != b'0') {
        return Err(
            "more than microsecond precision: timestamp-micros would truncate it".to_owned(),
        );
    }

    let mut micros = 0;

    for position in 0..6 {
        let digit = fraction.get(position).map_or(0, |c| i64::from(c - b'0'));
        micros = micros * 10 + digit;
    }

    Ok((micros, rest))
}

/// Reads `Z`, `z` or `±HH:MM` ending the text; returns seconds east of UTC.
fn parse_offset(b: &[u8]) -> Option<i64> {
    match b {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;

            if hours > 23 || minutes > 59 {
                return None;
            }

            let seconds = hours * 3_600 + minutes * 60;
            Some(if *sign == b'-' { -seconds } else { seconds })
        }
        _ => None,
    }
}

/// Parses ASCII digits; `None` if any byte is not one.
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Formats UTC microseconds as RFC 3339 with `Z`: no fraction when it is
/// zero, three digits for whole milliseconds, six otherwise.
pub(crate) fn format_timestamp_micros(micros: i64) -> Result<String, String> {
    let days = micros.div_euclid(MICROS_PER_DAY);
    let within_day = micros.rem_euclid(MICROS_PER_DAY);
    let out_of_range = || "timestamp is outside years 0000-9999".to_owned();

    let julian_day = days
        .checked_add(UNIX_EPOCH_JULIAN_DAY)
        .and_then(|d| i32::try_from(d).ok())
        .ok_or_else(out_of_range)?;
    let date = Date::from_julian_day(julian_day).map_err(|_| out_of_range())?;
    let (year, month, day) = date.to_calendar_date();

    if !(0..=9999).contains(&year) {
        return Err(out_of_range());
    }

    let seconds = within_day / MICROS_PER_SECOND;
    let fraction = within_day % MICROS_PER_SECOND;

    let mut text = String::with_capacity(27);
    // Writing to a String cannot fail.
    let _ = write!(
        text,
        "{year:04}-{:02}-{day:02}T{:02}:{:02}:{:02}",
        u8::from(month),
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60,
    );

    if fraction % 1_000 == 0 {
        if fraction != 0 {
            let _ = write!(text, ".{:03}", fraction / 1_000);
        }
    } else {
        let _ = write!(text, ".{fraction:06}");
    }

    text.push('Z');

    Ok(text)
}

/// True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in either hex case.
pub(crate) fn is_hyphenated_uuid(text: &str) -> bool {
    let b = text.as_bytes();

    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_and_offsets_to_the_same_instant() {
        let utc = parse_timestamp_micros("2024-05-01T12:30:00Z");
        let east = parse_timestamp_micros("2024-05-01T14:30:00+02:00");
        let west = parse_timestamp_micros("2024-05-01T07:00:00-05:30");

        assert_eq!(utc, Ok(1_714_566_600_000_000));
        assert_eq!(east, utc);
        assert_eq!(west, utc);
    }

    #[test]
    fn parses_fractions_up_to_micros() {
        assert_eq!(
            parse_timestamp_micros("1970-01-01T00:00:00.5Z"),
            Ok(500_000)
        );
        assert_eq!(parse_timestamp_micros("1970-01-01T00:00:00.000001Z"), Ok(1));
        assert_eq!(
            parse_timestamp_micros("1970-01-01T00:00:00.123456000Z"),
            Ok(123_456)
        );
        assert_eq!(
            parse_timestamp_micros("1969-12-31T23:59:59.999999Z"),
            Ok(-1)
        );
    }

    #[test]
    fn refuses_sub_microsecond_precision() {
        let err = parse_timestamp_micros("2024-05-01T12:30:00.1234567Z");
        assert!(err.is_err_and(|e| e.contains("microsecond")));

        // A non-zero digit far past the ninth must not be dropped either.
        let err = parse_timestamp_micros("2024-05-01T12:30:00.1234560000001Z");
        assert!(err.is_err());
    }

    #[test]
    fn refuses_malformed_text() {
        for text in [
            "2024-05-01 12:30:00Z",
            "2024-05-01X12:30:00Z",
            "2024-05-01T12:30:00",
            "2024-05-01T12:30:00+0200",
            "2024-02-30T12:30:00Z",
            "2024-13-01T12:30:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T12:30:00.Z",
            "2024-05-01T12:30:00+24:00",
            "2024-05-01T23:59:60Z",
            "２０２４-05-01T12:30:00Z",
            "",
        ] {
            assert!(parse_timestamp_micros(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn accepts_lower_case_separators() {
        assert_eq!(
            parse_timestamp_micros("1970-01-01t00:00:01z"),
            Ok(1_000_000)
        );
    }

    #[test]
    fn formats_with_the_shortest_exact_fraction() {
        assert_eq!(
            format_timestamp_micros(1_714_566_600_000_000).as_deref(),
            Ok("2024-05-01T12:30:00Z")
        );
        assert_eq!(
            format_timestamp_micros(1_714_566_600_120_000).as_deref(),
            Ok("2024-05-01T12:30:00.120Z")
        );
        assert_eq!(
            format_timestamp_micros(1_714_566_600_000_001).as_deref(),
            Ok("2024-05-01T12:30:00.000001Z")
        );
        assert_eq!(
            format_timestamp_micros(-1).as_deref(),
            Ok("1969-12-31T23:59:59.999999Z")
        );
    }

    #[test]
    fn formats_the_edges_of_the_year_range() {
        let first = parse_timestamp_micros("0000-01-01T00:00:00Z");
        let last = parse_timestamp_micros("9999-12-31T23:59:59.999999Z");

        assert_eq!(
            first.clone().and_then(format_timestamp_micros).as_deref(),
            Ok("0000-01-01T00:00:00Z")
        );
        assert_eq!(
            last.clone().and_then(format_timestamp_micros).as_deref(),
            Ok("9999-12-31T23:59:59.999999Z")
        );
        assert!(first.and_then(|m| format_timestamp_micros(m - 1)).is_err());
        assert!(last.and_then(|m| format_timestamp_micros(m + 1)).is_err());
        assert!(format_timestamp_micros(i64::MIN).is_err());
        assert!(format_timestamp_micros(i64::MAX).is_err());
    }

    #[test]
    fn uuid_shape() {
        assert!(is_hyphenated_uuid("3f1c2b7a-9d4e-4c1a-8b2f-6a7e9d0c1b2a"));
        assert!(is_hyphenated_uuid("3F1C2B7A-9D4E-4C1A-8B2F-6A7E9D0C1B2A"));
        assert!(!is_hyphenated_uuid("3f1c2b7a9d4e4c1a8b2f6a7e9d0c1b2a"));
        assert!(!is_hyphenated_uuid("3f1c2b7a-9d4e-4c1a-8b2f-6a7e9d0c1b2g"));
        assert!(!is_hyphenated_uuid(
            "{3f1c2b7a-9d4e-4c1a-8b2f-6a7e9d0c1b2a}"
        ));
    }
}
