//! Runtime metrics of the Aion event backbone, from the hot path to one scrape endpoint.
//!
//! - [`Registry`]: counter, gauge and histogram families with bounded label sets,
//!   recorded with atomics; [`Registry::render`] writes the Prometheus text format.
//! - [`HttpMetrics`] and [`metrics_router`]: request counts and latencies for any axum
//!   router, and its `GET /metrics`.
//! - [`Reporter`]: publishes the registry to `aion.metrics.runtime` every interval
//!   through the validating publisher, configured by a service's [`MetricsConfig`].
//! - [`aggregate`]: the aggregator that merges every component's and instance's reports
//!   into one page (`aion-events metrics run`).
//!
//! docs/metrics.md lists every metric the project emits and the merge rules.

pub mod aggregate;
mod config;
mod error;
mod event;
mod http;
mod instrument;
pub mod names;
mod publisher;
mod registry;
mod reporter;
mod snapshot;
pub mod text;

pub use config::MetricsConfig;
pub use error::{MetricsError, Result};
pub use event::{EVENT_TYPE, METRICS_TOPIC, Origin, Reject, Sample, parse_sample, to_events};
pub use http::{HttpMetrics, metrics_router};
pub use instrument::{Counter, Gauge, Histogram, Instrument, LATENCY_BUCKETS};
pub use publisher::publisher_collector;
pub use registry::{Collector, Family, MAX_SERIES, OVERFLOW_VALUE, Registry};
pub use reporter::{Reporter, ReporterOptions, default_instance_id};
pub use snapshot::{FamilySnapshot, HistogramValue, Kind, SampleValue, SeriesSnapshot};
