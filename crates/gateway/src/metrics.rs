//! The gateway's counters and latency histograms, rendered as Prometheus text on
//! `GET /metrics`.
//!
//! Every label value comes from a bounded set the gateway owns: action names from the
//! policy's allow-list, error codes from the fixed refusal set, HTTP statuses, route names.
//! Caller ids, keys, tokens and payload values never become labels, so a caller cannot
//! grow the series count or read anything private from the page.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aion_metrics::{FamilySnapshot, Histogram, Kind, SampleValue, SeriesSnapshot};

use crate::audit::AuditHook;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Which endpoint a refusal or a latency belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Route {
    /// `POST /webhooks/inbound`.
    Inbound,
    /// `POST /v1/topics/{topic}/events`.
    Publish,
}

impl Route {
    fn label(self) -> &'static str {
        match self {
            Route::Inbound => "inbound",
            Route::Publish => "publish",
        }
    }
}

/// Counters and histograms of one gateway, shared by all requests.
#[derive(Debug)]
pub struct Metrics {
    /// Dispatched commands by action; the keys are fixed when the policy loads.
    accepted: BTreeMap<String, AtomicU64>,
    repeats: AtomicU64,
    refused: Mutex<BTreeMap<(Route, &'static str), u64>>,
    dispatch: Mutex<BTreeMap<&'static str, u64>>,
    publish_status: Mutex<BTreeMap<u16, u64>>,
    published_events: AtomicU64,
    inbound_latency: Histogram,
    publish_latency: Histogram,
}

impl Metrics {
    /// Metrics for a policy allowing `actions`.
    pub fn new<'a>(actions: impl IntoIterator<Item = &'a str>) -> Metrics {
        Metrics {
            accepted: actions
                .into_iter()
                .map(|a| (a.to_owned(), AtomicU64::new(0)))
                .collect(),
            repeats: AtomicU64::new(0),
            refused: Mutex::default(),
            dispatch: Mutex::default(),
            publish_status: Mutex::default(),
            published_events: AtomicU64::new(0),
            inbound_latency: Histogram::with_bounds(&BUCKETS),
            publish_latency: Histogram::with_bounds(&BUCKETS),
        }
    }

    /// A command of `action` was dispatched and answered 202.
    pub fn command_accepted(&self, action: &str) {
        // Only allow-listed actions reach dispatch, so the lookup always succeeds.
        if let Some(counter) = self.accepted.get(action) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An `Idempotency-Key` repeat was answered from memory.
    pub fn command_repeated(&self) {
        self.repeats.fetch_add(1, Ordering::Relaxed);
    }

    /// A request on `route` was refused with `code`.
    pub fn refused(&self, route: Route, code: &'static str) {
        bump(&self.refused, (route, code));
    }

    /// The control plane was asked to run a command; `outcome` is `accepted` or the
    /// refusal code of the failure.
    pub fn dispatched(&self, outcome: &'static str) {
        bump(&self.dispatch, outcome);
    }

    /// A publish request was answered with `status`.
    pub fn publish_answered(&self, status: u16) {
        bump(&self.publish_status, status);
    }

    /// Kafka acknowledged `delivered` events of a publish request.
    pub fn events_published(&self, delivered: u64) {
        self.published_events
            .fetch_add(delivered, Ordering::Relaxed);
    }

    /// A request on `route` took `elapsed` from arrival to answer.
    pub fn observe(&self, route: Route, elapsed: Duration) {
        match route {
            Route::Inbound => self.inbound_latency.observe_duration(elapsed),
            Route::Publish => self.publish_latency.observe_duration(elapsed),
        }
    }

    /// The Prometheus text exposition of every series, with the audit hook's delivery
    /// counts when it keeps them.
    pub fn render(&self, audit: &dyn AuditHook) -> String {
        aion_metrics::text::render(&self.snapshot(audit))
    }

    /// Every series now, as families: what `/metrics` renders and what the reporter
    /// publishes to `aion.metrics.runtime`.
    pub fn snapshot(&self, audit: &dyn AuditHook) -> Vec<FamilySnapshot> {
        let mut families = Vec::with_capacity(8);

        families.push(counters(
            "aion_gateway_commands_accepted_total",
            "Commands dispatched to the control plane and answered 202, by action.",
            self.accepted
                .iter()
                .map(|(action, n)| (vec![("action", action.clone())], n.load(Ordering::Relaxed)))
                .collect(),
        ));

        families.push(counters(
            "aion_gateway_commands_repeated_total",
            "Idempotency-Key repeats answered from memory without dispatching.",
            vec![(Vec::new(), self.repeats.load(Ordering::Relaxed))],
        ));

        families.push(counters(
            "aion_gateway_requests_refused_total",
            "Refused requests by route and error_code.",
            snapshot(&self.refused)
                .into_iter()
                .map(|((route, code), n)| {
                    let labels = vec![
                        ("route", route.label().to_owned()),
                        ("error_code", code.to_owned()),
                    ];
                    (labels, n)
                })
                .collect(),
        ));

        families.push(counters(
            "aion_gateway_dispatch_total",
            "Control-plane dispatches by outcome.",
            snapshot(&self.dispatch)
                .into_iter()
                .map(|(outcome, n)| (vec![("outcome", outcome.to_owned())], n))
                .collect(),
        ));

        if let Some((published, failed)) = audit.delivery_counts() {
            families.push(counters(
                "aion_gateway_audit_events_total",
                "Audit events of accepted commands by delivery outcome.",
                vec![
                    (vec![("outcome", "published".to_owned())], published),
                    (vec![("outcome", "failed".to_owned())], failed),
                ],
            ));
        }

        families.push(counters(
            "aion_gateway_publish_requests_total",
            "Answers of the publish endpoint by HTTP status.",
            snapshot(&self.publish_status)
                .into_iter()
                .map(|(status, n)| (vec![("status", status.to_string())], n))
                .collect(),
        ));

        families.push(counters(
            "aion_gateway_published_events_total",
            "Events acknowledged by Kafka through the publish endpoint.",
            vec![(Vec::new(), self.published_events.load(Ordering::Relaxed))],
        ));

        let latency = |route: Route, histogram: &Histogram| SeriesSnapshot {
            labels: vec![("route".to_owned(), route.label().to_owned())],
            value: SampleValue::Histogram(histogram.value()),
        };
        families.push(FamilySnapshot {
            name: "aion_gateway_request_duration_seconds".to_owned(),
            help: "Time from a request's arrival to its answer, by route.".to_owned(),
            kind: Kind::Histogram,
            series: vec![
                latency(Route::Inbound, &self.inbound_latency),
                latency(Route::Publish, &self.publish_latency),
            ],
        });

        families
    }
}

/// A counter family from label pairs (in exposition order) and counts.
fn counters(name: &str, help: &str, series: Vec<(Vec<(&str, String)>, u64)>) -> FamilySnapshot {
    FamilySnapshot {
        name: name.to_owned(),
        help: help.to_owned(),
        kind: Kind::Counter,
        series: series
            .into_iter()
            .map(|(labels, n)| SeriesSnapshot {
                labels: labels.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                value: SampleValue::Counter(n as f64),
            })
            .collect(),
    }
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    // A poisoned lock only means another request panicked mid-increment; the counts are
    // still usable.
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    *map.entry(key).or_insert(0) += 1;
}

fn snapshot<K: Ord + Clone>(map: &Mutex<BTreeMap<K, u64>>) -> Vec<(K, u64)> {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.iter().map(|(k, n)| (k.clone(), *n)).collect()
}
