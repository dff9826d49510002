//! A point-in-time copy of metric families: what the registry hands to the text renderer
//! and to the reporter, and what the aggregator builds from merged records. Plain data, so
//! every producer of figures and every consumer of them meet on one shape.

use serde::{Deserialize, Serialize};

/// The Prometheus type of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    /// The name used in `# TYPE` lines and in catalog events.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }

    /// The kind named `name` in a catalog event, if it is one.
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "counter" => Some(Kind::Counter),
            "gauge" => Some(Kind::Gauge),
            "histogram" => Some(Kind::Histogram),
            _ => None,
        }
    }
}

/// Histogram figures: cumulative counts per finite upper bound (ascending), the sum of
/// observations and their number (the `+Inf` bucket).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct HistogramValue {
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

/// The value of one series.
#[derive(Clone, Debug, PartialEq)]
pub enum SampleValue {
    /// A total since the process (or, aggregated, the series) started.
    Counter(f64),
    /// A current value.
    Gauge(f64),
    /// A distribution.
    Histogram(HistogramValue),
}

/// One series: its label pairs, sorted by name, and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSnapshot {
    pub labels: Vec<(String, String)>,
    pub value: SampleValue,
}

/// One family: a metric name with its help text, kind and series.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilySnapshot {
    pub name: String,
    pub help: String,
    pub kind: Kind,
    pub series: Vec<SeriesSnapshot>,
}
