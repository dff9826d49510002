//! Per-webhook delivery figures, in Prometheus' text format: deliveries made, failed
//! attempts, retries parked, dead letters, and a latency histogram of attempts.
//!
//! Counters are plain atomics updated on the delivery path; rendering reads them without
//! stopping anything. The consumer lag of the dispatcher's group, per partition, is
//! measured apart from the delivery path (`lag.rs`) and kept here for rendering.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aion_metrics::{FamilySnapshot, Histogram, HistogramValue, Kind, SampleValue, SeriesSnapshot};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// A counter's name, help text and reader.
type Counter = (&'static str, &'static str, fn(&WebhookMetrics) -> u64);

/// The figures of one webhook.
#[derive(Debug)]
pub struct WebhookMetrics {
    delivered: AtomicU64,
    failed_attempts: AtomicU64,
    retried: AtomicU64,
    dead_lettered: AtomicU64,
    latency: Histogram,
}

impl Default for WebhookMetrics {
    fn default() -> Self {
        WebhookMetrics {
            delivered: AtomicU64::default(),
            failed_attempts: AtomicU64::default(),
            retried: AtomicU64::default(),
            dead_lettered: AtomicU64::default(),
            latency: Histogram::with_bounds(&BUCKETS),
        }
    }
}

impl WebhookMetrics {
    /// Records one attempt's duration and whether it delivered.
    pub fn attempt(&self, took: Duration, delivered: bool) {
        self.latency.observe_duration(took);

        let counter = if delivered {
            &self.delivered
        } else {
            &self.failed_attempts
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a failed delivery parked for another attempt.
    pub fn retried(&self) {
        self.retried.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a delivery sent to the dead-letter topic.
    pub fn dead_lettered(&self) {
        self.dead_lettered.fetch_add(1, Ordering::Relaxed);
    }

    /// Deliveries that got a 2xx.
    pub fn delivered_total(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Attempts that did not.
    pub fn failed_attempts_total(&self) -> u64 {
        self.failed_attempts.load(Ordering::Relaxed)
    }

    /// Failures parked in a retry tier.
    pub fn retried_total(&self) -> u64 {
        self.retried.load(Ordering::Relaxed)
    }

    /// Deliveries dead-lettered.
    pub fn dead_lettered_total(&self) -> u64 {
        self.dead_lettered.load(Ordering::Relaxed)
    }

    /// The attempt-latency histogram now, with cumulative buckets.
    pub fn latency(&self) -> HistogramValue {
        self.latency.value()
    }
}

/// The figures of every webhook of a dispatcher. Cheap to clone; clones share counters.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    webhooks: Arc<BTreeMap<String, WebhookMetrics>>,
    lag: Arc<Mutex<BTreeMap<(String, i32), i64>>>,
    readiness: crate::Readiness,
}

impl Metrics {
    /// Counters, all zero, for the given webhook ids.
    pub fn new<'a>(ids: impl IntoIterator<Item = &'a str>) -> Metrics {
        let webhooks = ids
            .into_iter()
            .map(|id| (id.to_owned(), WebhookMetrics::default()))
            .collect();

        Metrics {
            webhooks: Arc::new(webhooks),
            lag: Arc::default(),
            readiness: crate::Readiness::default(),
        }
    }

    /// Replace the consumer-lag figures with a new measurement.
    pub fn set_lag(&self, lags: &[crate::PartitionLag]) {
        let figures = lags
            .iter()
            .map(|l| ((l.topic.clone(), l.partition), l.lag))
            .collect();
        if let Ok(mut lag) = self.lag.lock() {
            *lag = figures;
        }
    }

    /// The dispatcher's readiness, served on `GET /readyz` beside the figures.
    pub fn readiness(&self) -> &crate::Readiness {
        &self.readiness
    }

    /// The figures of webhook `id`, if it is known.
    pub fn webhook(&self, id: &str) -> Option<&WebhookMetrics> {
        self.webhooks.get(id)
    }

    /// Every figure in Prometheus' text exposition format.
    pub fn render(&self) -> String {
        aion_metrics::text::render(&self.snapshot())
    }

    /// Every figure now, as families: what `/metrics` renders and what the reporter
    /// publishes to `aion.metrics.runtime`.
    pub fn snapshot(&self) -> Vec<FamilySnapshot> {
        let counters: [Counter; 4] = [
            ("delivered", "Deliveries answered with a 2xx.", |m| {
                m.delivered_total()
            }),
            ("failed_attempts", "Attempts that failed.", |m| {
                m.failed_attempts_total()
            }),
            (
                "retried",
                "Failed deliveries parked for another attempt.",
                |m| m.retried_total(),
            ),
            (
                "dead_lettered",
                "Deliveries sent to the dead-letter topic.",
                |m| m.dead_lettered_total(),
            ),
        ];
        let webhook = |id: &str| vec![("webhook".to_owned(), id.to_owned())];

        let mut families: Vec<FamilySnapshot> = counters
            .into_iter()
            .map(|(name, help, read)| FamilySnapshot {
                name: format!("aion_webhook_{name}_total"),
                help: help.to_owned(),
                kind: Kind::Counter,
                series: self
                    .webhooks
                    .iter()
                    .map(|(id, figures)| SeriesSnapshot {
                        labels: webhook(id),
                        value: SampleValue::Counter(read(figures) as f64),
                    })
                    .collect(),
            })
            .collect();

        families.push(FamilySnapshot {
            name: "aion_webhook_attempt_seconds".to_owned(),
            help: "Duration of one attempt.".to_owned(),
            kind: Kind::Histogram,
            series: self
                .webhooks
                .iter()
                .map(|(id, figures)| SeriesSnapshot {
                    labels: webhook(id),
                    value: SampleValue::Histogram(figures.latency()),
                })
                .collect(),
        });

        let lag = self.lag.lock().map(|lag| lag.clone()).unwrap_or_default();
        families.push(FamilySnapshot {
            name: "aion_webhook_consumer_lag".to_owned(),
            help: "Records the dispatcher's group has not committed.".to_owned(),
            kind: Kind::Gauge,
            series: lag
                .into_iter()
                .map(|((topic, partition), records)| SeriesSnapshot {
                    labels: vec![
                        ("topic".to_owned(), topic),
                        ("partition".to_owned(), partition.to_string()),
                    ],
                    value: SampleValue::Gauge(records as f64),
                })
                .collect(),
        });

        families
    }
}

/// Starts reporting `metrics` to `aion.metrics.runtime` as `webhook-dispatcher`, when the
/// policy's `metrics` section enables it and the catalog is known (the publisher needs the
/// topic's schema and mirror). A reporter that cannot be set up is logged, not fatal: the
/// deliveries matter more than their figures.
pub(crate) fn start_reporter(config: &crate::DispatcherConfig) -> Option<aion_metrics::Reporter> {
    let options = match config.policy.metrics.reporter_options("webhook-dispatcher") {
        Ok(Some(options)) => options,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(error = %e, "metrics reporting off");
            return None;
        }
    };
    let catalog = config.catalog.as_ref()?;

    let registry = aion_metrics::Registry::new();
    let metrics = config.metrics.clone();
    registry.register_collector(Box::new(move || metrics.snapshot()));
    aion_metrics::Reporter::start_publishing(
        registry,
        catalog,
        &config.kafka,
        config.registry.clone(),
        options,
    )
}

/// Serves `GET /metrics`, `GET /healthz` and `GET /readyz` on `listener` until `shutdown`
/// completes.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    metrics: Metrics,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let readiness = metrics.readiness().clone();
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let metrics = metrics.clone();
            async move {
                (
                    [("content-type", aion_metrics::text::CONTENT_TYPE)],
                    metrics.render(),
                )
            }
        }),
    );
    let app = app.merge(crate::health::routes(readiness));

    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_counted_and_rendered() {
        let metrics = Metrics::new(["crm", "billing"]);
        let crm = metrics.webhook("crm").map(|m| {
            m.attempt(Duration::from_millis(3), false);
            m.retried();
            m.attempt(Duration::from_millis(40), true);
        });
        assert!(crm.is_some());

        let text = metrics.render();

        assert!(
            text.contains("aion_webhook_delivered_total{webhook=\"crm\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("aion_webhook_failed_attempts_total{webhook=\"crm\"} 1\n"));
        assert!(text.contains("aion_webhook_retried_total{webhook=\"crm\"} 1\n"));
        assert!(text.contains("aion_webhook_dead_lettered_total{webhook=\"billing\"} 0\n"));
        assert!(text.contains("attempt_seconds_bucket{webhook=\"crm\",le=\"0.005\"} 1\n"));
        assert!(text.contains("attempt_seconds_bucket{webhook=\"crm\",le=\"0.05\"} 2\n"));
        assert!(text.contains("attempt_seconds_count{webhook=\"crm\"} 2\n"));
        assert!(metrics.webhook("unknown").is_none());
    }
}
