//! The catalog's `aion.metrics.runtime` events: one per series per report, built from a
//! registry snapshot on the producing side, and read back into a checked [`Sample`] on
//! the aggregating side. Records come from outside the aggregator, so reading one checks
//! everything the merge relies on and names the reason when a record is refused.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::names::{MAX_LABELS, RESERVED_LABELS, is_label_name, is_metric_name, unit_of};
use crate::snapshot::{FamilySnapshot, HistogramValue, Kind, SampleValue};

/// The `event_type` of every metric sample.
pub const EVENT_TYPE: &str = "metrics.sample.reported";

/// The catalog topic of runtime metrics.
pub const METRICS_TOPIC: &str = "aion.metrics.runtime";

/// Longest help text and label value the catalog schema accepts.
const MAX_HELP: usize = 512;
const MAX_LABEL_VALUE: usize = 256;
const MAX_INSTANCE_ID: usize = 128;
/// Longest component name: the schema's `^[a-z][a-z0-9-]{0,62}$`.
const MAX_COMPONENT: usize = 63;

/// Who reports: the component and the process instance.
#[derive(Clone, Debug)]
pub struct Origin<'a> {
    pub component: &'a str,
    pub instance_id: &'a str,
    pub occurred_at: &'a str,
}

/// One event per series of `families`. Help texts and label values longer than the schema
/// allows are cut, so one long value cannot make the whole report fail validation.
pub fn to_events(families: &[FamilySnapshot], origin: &Origin<'_>) -> Vec<Value> {
    let mut events = Vec::new();

    for family in families {
        let help = truncate(&family.help, MAX_HELP);
        let unit = unit_of(&family.name);

        for series in &family.series {
            let mut event = json!({
                "event_type": EVENT_TYPE,
                "occurred_at": origin.occurred_at,
                "producer": origin.component,
                "component": origin.component,
                "instance_id": origin.instance_id,
                "name": family.name,
                "kind": family.kind.as_str(),
                "help": help,
            });
            let Some(fields) = event.as_object_mut() else {
                continue;
            };
            if let Some(unit) = unit {
                fields.insert("unit".into(), unit.into());
            }

            let labels: Map<String, Value> = series
                .labels
                .iter()
                .take(MAX_LABELS)
                .map(|(k, v)| (k.clone(), Value::from(truncate(v, MAX_LABEL_VALUE))))
                .collect();
            if !labels.is_empty() {
                fields.insert("labels".into(), Value::Object(labels));
            }

            match &series.value {
                // JSON has no NaN or infinity; such a sample is left out of the report.
                SampleValue::Counter(v) | SampleValue::Gauge(v) if !v.is_finite() => continue,
                SampleValue::Counter(v) | SampleValue::Gauge(v) => {
                    fields.insert("value".into(), json!(v));
                }
                SampleValue::Histogram(h) if !h.sum.is_finite() => continue,
                SampleValue::Histogram(h) => {
                    let buckets: Vec<Value> = h
                        .buckets
                        .iter()
                        .map(|(le, count)| json!({ "le": le, "count": count }))
                        .collect();
                    fields.insert("buckets".into(), Value::Array(buckets));
                    fields.insert("sum".into(), json!(h.sum));
                    fields.insert("count".into(), json!(h.count));
                }
            }
            events.push(event);
        }
    }
    events
}

fn truncate(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

/// Why the aggregator refused a record; the `reason` label of
/// `aion_metrics_rejected_records_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reject {
    /// The value is not a framed record of a known schema.
    Undecodable,
    /// A number is NaN or infinite.
    NotANumber,
    /// A required field is missing or of the wrong type.
    Malformed,
    /// `kind` is not counter, gauge or histogram.
    UnknownKind,
    /// More labels than the schema allows.
    TooManyLabels,
    /// The metric name or a label name breaks Prometheus' rules, or a label is reserved.
    InvalidName,
    /// A counter went negative, or a histogram's buckets are not cumulative.
    InvalidValue,
    /// The name was seen before with another kind.
    KindConflict,
    /// A histogram series changed its bucket bounds.
    BucketsChanged,
    /// The aggregator holds as many series as it is allowed.
    SeriesLimit,
}

impl Reject {
    /// Every reason, for pre-creating the series.
    pub const ALL: [Reject; 10] = [
        Reject::Undecodable,
        Reject::NotANumber,
        Reject::Malformed,
        Reject::UnknownKind,
        Reject::TooManyLabels,
        Reject::InvalidName,
        Reject::InvalidValue,
        Reject::KindConflict,
        Reject::BucketsChanged,
        Reject::SeriesLimit,
    ];

    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::Undecodable => "undecodable",
            Reject::NotANumber => "not_a_number",
            Reject::Malformed => "malformed",
            Reject::UnknownKind => "unknown_kind",
            Reject::TooManyLabels => "too_many_labels",
            Reject::InvalidName => "invalid_name",
            Reject::InvalidValue => "invalid_value",
            Reject::KindConflict => "kind_conflict",
            Reject::BucketsChanged => "buckets_changed",
            Reject::SeriesLimit => "series_limit",
        }
    }
}

/// A record checked and ready to merge.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub event_id: u128,
    pub component: String,
    pub instance_id: String,
    pub name: String,
    pub help: String,
    /// Sorted by name.
    pub labels: Vec<(String, String)>,
    pub value: SampleValue,
    /// `occurred_at` in microseconds since the Unix epoch.
    pub at_micros: i64,
}

/// Reads a decoded event into a [`Sample`], or the reason it cannot be merged.
pub fn parse_sample(event: &Value) -> Result<Sample, Reject> {
    let text = |field: &str| {
        event
            .get(field)
            .and_then(Value::as_str)
            .ok_or(Reject::Malformed)
    };

    let event_id = uuid::Uuid::parse_str(text("event_id")?)
        .map_err(|_| Reject::Malformed)?
        .as_u128();
    let component = text("component")?;
    let instance_id = text("instance_id")?;
    let name = text("name")?;
    let kind = Kind::parse(text("kind")?).ok_or(Reject::UnknownKind)?;
    let at_micros = micros(text("occurred_at")?).ok_or(Reject::Malformed)?;

    if !is_metric_name(name) {
        return Err(Reject::InvalidName);
    }
    // The bounds of the catalog's schema, checked again: a writer with a looser schema
    // must not grow the aggregator's memory by a record's whole size.
    if component.is_empty()
        || component.len() > MAX_COMPONENT
        || instance_id.is_empty()
        || instance_id.chars().count() > MAX_INSTANCE_ID
    {
        return Err(Reject::Malformed);
    }

    let labels = labels(event.get("labels"))?;
    let value = value(event, kind)?;

    Ok(Sample {
        event_id,
        component: component.to_owned(),
        instance_id: instance_id.to_owned(),
        name: name.to_owned(),
        help: event
            .get("help")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .chars()
            .take(MAX_HELP)
            .collect(),
        labels,
        value,
        at_micros,
    })
}

fn micros(text: &str) -> Option<i64> {
    let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000).ok()
}

fn labels(field: Option<&Value>) -> Result<Vec<(String, String)>, Reject> {
    let map = match field {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(Reject::Malformed),
    };
    if map.len() > MAX_LABELS {
        return Err(Reject::TooManyLabels);
    }

    let mut labels = Vec::with_capacity(map.len());
    for (key, value) in map {
        if !is_label_name(key) || RESERVED_LABELS.contains(&key.as_str()) {
            return Err(Reject::InvalidName);
        }
        let value = value.as_str().ok_or(Reject::Malformed)?;
        if value.chars().count() > MAX_LABEL_VALUE {
            return Err(Reject::Malformed);
        }
        labels.push((key.clone(), value.to_owned()));
    }
    labels.sort();
    Ok(labels)
}

fn number(event: &Value, field: &str) -> Result<f64, Reject> {
    match event.get(field) {
        Some(Value::Number(n)) => n.as_f64().ok_or(Reject::Malformed),
        // serde_json turns a non-finite float into null.
        Some(Value::Null) => Err(Reject::NotANumber),
        _ => Err(Reject::Malformed),
    }
}

fn value(event: &Value, kind: Kind) -> Result<SampleValue, Reject> {
    match kind {
        Kind::Counter => {
            let v = finite(number(event, "value")?)?;
            if v < 0.0 {
                return Err(Reject::InvalidValue);
            }
            Ok(SampleValue::Counter(v))
        }

        Kind::Gauge => Ok(SampleValue::Gauge(finite(number(event, "value")?)?)),

        Kind::Histogram => {
            let sum = finite(number(event, "sum")?)?;
            let count = event
                .get("count")
                .and_then(Value::as_u64)
                .ok_or(Reject::Malformed)?;
            let Some(Value::Array(items)) = event.get("buckets") else {
                return Err(Reject::Malformed);
            };

            let mut buckets = Vec::with_capacity(items.len());
            for item in items {
                let le = finite(number(item, "le")?)?;
                let n = item
                    .get("count")
                    .and_then(Value::as_u64)
                    .ok_or(Reject::Malformed)?;
                buckets.push((le, n));
            }

            let ascending = buckets
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
            let within = buckets.last().is_none_or(|(_, n)| *n <= count);
            if buckets.is_empty() || !ascending || !within {
                return Err(Reject::InvalidValue);
            }
            Ok(SampleValue::Histogram(HistogramValue {
                buckets,
                sum,
                count,
            }))
        }
    }
}

fn finite(v: f64) -> Result<f64, Reject> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Reject::NotANumber)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::snapshot::SeriesSnapshot;

    fn origin() -> Origin<'static> {
        Origin {
            component: "gateway",
            instance_id: "host-1-abc",
            occurred_at: "2026-12-03T10:00:00Z",
        }
    }

    #[test]
    fn events_round_trip_into_samples() {
        let family = FamilySnapshot {
            name: "aion_gateway_request_duration_seconds".into(),
            help: "Latency.".into(),
            kind: Kind::Histogram,
            series: vec![SeriesSnapshot {
                labels: vec![("route".into(), "inbound".into())],
                value: SampleValue::Histogram(HistogramValue {
                    buckets: vec![(0.1, 1), (1.0, 2)],
                    sum: 1.5,
                    count: 3,
                }),
            }],
        };

        let mut events = to_events(std::slice::from_ref(&family), &origin());
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["unit"], "seconds");
        events[0]["event_id"] = json!(uuid::Uuid::new_v4().to_string());

        let sample = parse_sample(&events[0]).unwrap();

        assert_eq!(sample.component, "gateway");
        assert_eq!(sample.labels, family.series[0].labels);
        assert_eq!(sample.value, family.series[0].value);
    }

    #[test]
    fn bad_records_name_their_reason() {
        let good = json!({
            "event_id": uuid::Uuid::new_v4().to_string(),
            "occurred_at": "2026-12-03T10:00:00Z",
            "component": "gateway",
            "instance_id": "i",
            "name": "aion_x_total",
            "kind": "counter",
            "value": 1.0,
        });
        assert!(parse_sample(&good).is_ok());

        let with = |field: &str, value: Value| {
            let mut event = good.clone();
            event[field] = value;
            parse_sample(&event).unwrap_err()
        };
        let many: Map<String, Value> = (0..17).map(|i| (format!("l{i}"), json!("v"))).collect();

        assert_eq!(with("kind", json!("summary")), Reject::UnknownKind);
        assert_eq!(with("name", json!("bad-name")), Reject::InvalidName);
        assert_eq!(
            with("labels", json!({"instance": "x"})),
            Reject::InvalidName
        );
        assert_eq!(with("labels", Value::Object(many)), Reject::TooManyLabels);
        assert_eq!(with("value", Value::Null), Reject::NotANumber);
        assert_eq!(with("value", json!(-1.0)), Reject::InvalidValue);
        assert_eq!(with("event_id", json!("nope")), Reject::Malformed);
    }
}
