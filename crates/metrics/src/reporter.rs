//! [`Reporter`]: every interval, a snapshot of the process's registry is published to
//! `aion.metrics.runtime` through the validating publisher, one event per series, keyed
//! by component. A last report is published when the reporter stops. A failed report is
//! logged and counted in the registry itself; it never stops the service.

use std::sync::Arc;
use std::time::Duration;

use aion_catalog::Catalog;
use aion_kafka::KafkaConfig;
use aion_publisher::{Publisher, PublisherOptions, now_rfc3339_micros};
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use rand::Rng;
use rand::distr::Alphanumeric;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::event::{Origin, to_events};
use crate::instrument::Counter;
use crate::registry::{Family, Registry};

/// How long one report may take before it is abandoned.
const REPORT_WITHIN: Duration = Duration::from_secs(10);

/// What a reporter reports as, and how often.
#[derive(Clone, Debug, PartialEq)]
pub struct ReporterOptions {
    /// The component, e.g. `gateway`; the record key.
    pub component: String,
    /// This process's id among the component's replicas.
    pub instance_id: String,
    /// Time between two reports.
    pub interval: Duration,
    /// The topic, `aion.metrics.runtime` normally.
    pub topic: String,
}

/// `<hostname>-<pid>-<6 random characters>`: unique per process, readable in a dashboard.
pub fn default_instance_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_owned());
    let suffix: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(6)
        .map(|c| char::from(c).to_ascii_lowercase())
        .collect();

    let mut id = format!("{host}-{}-{suffix}", std::process::id());
    id.truncate(128);
    id
}

/// A running reporter; [`Reporter::stop`] publishes the last report.
#[derive(Debug)]
pub struct Reporter {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Reporter {
    /// Starts reporting `registry` through `publisher` on the current runtime. The first
    /// report goes out after one interval.
    pub fn start(
        registry: Registry,
        publisher: Arc<Publisher>,
        options: ReporterOptions,
    ) -> Reporter {
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(report_loop(registry, publisher, options, stopped));
        Reporter { stop, task }
    }

    /// Starts reporting `registry` through a publisher of its own, made from `catalog`,
    /// `kafka` and the schema registry at `schemas`; the publisher's own figures join the
    /// report. A reporter that cannot be set up is logged and `None`: a service's work
    /// matters more than its figures.
    pub fn start_publishing(
        registry: Registry,
        catalog: &Catalog,
        kafka: &KafkaConfig,
        schemas: RegistryClientConfig,
        options: ReporterOptions,
    ) -> Option<Reporter> {
        let publisher = RegistryClient::new(schemas)
            .map_err(|e| e.to_string())
            .and_then(|client| {
                Publisher::new(catalog, kafka, client, PublisherOptions::default())
                    .map_err(|e| e.to_string())
            });
        let publisher = match publisher {
            Ok(publisher) => Arc::new(publisher),
            Err(reason) => {
                let component = &options.component;
                tracing::warn!(component, error = %reason, "metrics reporting off");
                return None;
            }
        };

        registry.register_collector(crate::publisher_collector(Arc::clone(&publisher)));
        Some(Reporter::start(registry, publisher, options))
    }

    /// Publishes one last report and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "metrics reporter ended abnormally");
        }
    }
}

/// The reporter's own figures, in the registry it reports.
#[derive(Clone, Debug)]
struct ReportMetrics {
    reports: Family<Counter>,
    samples: Counter,
}

impl ReportMetrics {
    fn new(registry: &Registry) -> Option<ReportMetrics> {
        let defined = (|| -> crate::Result<ReportMetrics> {
            Ok(ReportMetrics {
                reports: registry.counter_family(
                    "aion_metrics_reports_total",
                    "Reports to aion.metrics.runtime by outcome (published, failed).",
                    &["outcome"],
                )?,
                samples: registry.counter(
                    "aion_metrics_reported_samples_total",
                    "Samples acknowledged by Kafka on aion.metrics.runtime.",
                )?,
            })
        })();

        match defined {
            Ok(metrics) => Some(metrics),
            Err(e) => {
                tracing::warn!(error = %e, "the reporter's own metrics are not recorded");
                None
            }
        }
    }
}

async fn report_loop(
    registry: Registry,
    publisher: Arc<Publisher>,
    options: ReporterOptions,
    mut stop: watch::Receiver<bool>,
) {
    let own = ReportMetrics::new(&registry);
    let mut ticks = tokio::time::interval(options.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;

    tracing::info!(
        component = %options.component,
        instance_id = %options.instance_id,
        interval = ?options.interval,
        "metrics reporter started"
    );
    loop {
        let last = tokio::select! {
            _ = ticks.tick() => false,
            _ = stop.changed() => true,
        };

        // A report must not wait on an unreachable broker for long, least of all the last
        // one, which a stopping service waits for.
        let sent = report(&registry, &publisher, &options, own.as_ref());
        if tokio::time::timeout(REPORT_WITHIN, sent).await.is_err() {
            tracing::warn!(component = %options.component, "metrics report timed out");
        }
        if last {
            tracing::info!(component = %options.component, "metrics reporter stopped");
            return;
        }
    }
}

/// Publishes one report; returns how many samples Kafka acknowledged.
async fn report(
    registry: &Registry,
    publisher: &Publisher,
    options: &ReporterOptions,
    own: Option<&ReportMetrics>,
) -> usize {
    let occurred_at = now_rfc3339_micros();
    let origin = Origin {
        component: &options.component,
        instance_id: &options.instance_id,
        occurred_at: &occurred_at,
    };
    let events = to_events(&registry.snapshot(), &origin);
    if events.is_empty() {
        return 0;
    }
    let total = events.len();

    let delivered = match publisher.publish_batch(&options.topic, events).await {
        Ok(outcomes) => {
            let failed: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
            if let Some(first) = failed.first() {
                tracing::warn!(
                    topic = %options.topic,
                    failed = failed.len(),
                    total,
                    error = %first,
                    "metrics report partly failed"
                );
            }
            total - failed.len()
        }
        Err(e) => {
            tracing::warn!(topic = %options.topic, error = %e, "metrics report failed");
            0
        }
    };

    if let Some(own) = own {
        let outcome = if delivered == total {
            "published"
        } else {
            "failed"
        };
        own.reports.with(&[outcome]).inc();
        own.samples.inc_by(delivered as u64);
    }
    delivered
}
