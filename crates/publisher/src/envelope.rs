//! The common envelope fields a publisher fills in when the caller leaves them out: a
//! fresh `event_id` and the time of publishing as `occurred_at`.

use serde_json::Value;
use time::OffsetDateTime;

/// The envelope field holding the event's UUID.
pub const EVENT_ID: &str = "event_id";

/// The envelope field holding when the event happened.
pub const OCCURRED_AT: &str = "occurred_at";

/// Sets `event_id` (a random UUID v4) and `occurred_at` (`now`) on an event object that
/// lacks them. Values already present are kept, even invalid ones: validation reports
/// those. Anything but an object is left alone for validation to refuse.
pub fn fill_envelope(event: &mut Value, now: &str) {
    let Some(fields) = event.as_object_mut() else {
        return;
    };

    if !fields.contains_key(EVENT_ID) {
        fields.insert(
            EVENT_ID.to_owned(),
            Value::String(uuid::Uuid::new_v4().to_string()),
        );
    }

    if !fields.contains_key(OCCURRED_AT) {
        fields.insert(OCCURRED_AT.to_owned(), Value::String(now.to_owned()));
    }
}

/// The current time as RFC 3339 in UTC with exactly six fractional digits. Avro's
/// `timestamp-micros` cannot hold finer precision, so the rest is cut rather than
/// rounded, which keeps the text and its encoding equal.
pub fn now_rfc3339_micros() -> String {
    format_micros(OffsetDateTime::now_utc())
}

fn format_micros(at: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.microsecond()
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::format_description::well_known::Rfc3339;

    use super::*;

    #[test]
    fn missing_fields_are_filled_and_present_ones_kept() {
        let mut bare = json!({"task_id": "t-1"});
        fill_envelope(&mut bare, "2026-01-02T03:04:05.000006Z");

        let id = bare[EVENT_ID].as_str().unwrap_or_default();
        assert_eq!(
            uuid::Uuid::parse_str(id).map(|u| u.get_version_num()).ok(),
            Some(4)
        );
        assert_eq!(bare[OCCURRED_AT], "2026-01-02T03:04:05.000006Z");

        let mut given = json!({"event_id": "keep", "occurred_at": "also kept"});
        fill_envelope(&mut given, "ignored");
        assert_eq!(
            given,
            json!({"event_id": "keep", "occurred_at": "also kept"})
        );
    }

    #[test]
    fn non_objects_are_left_for_validation() {
        let mut event = json!([1, 2]);
        fill_envelope(&mut event, "now");
        assert_eq!(event, json!([1, 2]));
    }

    #[test]
    fn timestamps_are_utc_with_micros_and_parse_back() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let text = format_micros(at);

        assert_eq!(text, "2023-11-14T22:13:20.123456Z");
        assert!(OffsetDateTime::parse(&now_rfc3339_micros(), &Rfc3339).is_ok());
    }
}
