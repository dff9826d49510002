//! The publisher library's figures as metric families, read from
//! [`Publisher::stats`](aion_publisher::Publisher::stats) at every snapshot. The
//! publisher keeps plain atomics of its own (it cannot depend on this crate, which
//! publishes through it), and this collector names them.

use std::sync::Arc;

use aion_publisher::Publisher;

use crate::registry::Collector;
use crate::snapshot::{FamilySnapshot, Kind, SampleValue, SeriesSnapshot};

/// A collector of `aion_publisher_events_total{topic,outcome}` and
/// `aion_publisher_schema_id_lookups_total{topic,result}` for `publisher`. Topics that
/// have seen no publish are left out, so a service shows only the topics it uses.
pub fn publisher_collector(publisher: Arc<Publisher>) -> Collector {
    Box::new(move || {
        let mut events = Vec::new();
        let mut lookups = Vec::new();

        for stats in publisher.stats() {
            if stats.schema_id_hits + stats.schema_id_misses == 0 {
                continue;
            }
            let outcomes = [
                ("published", stats.published),
                ("invalid", stats.invalid),
                ("failed", stats.failed),
                ("queue_full", stats.queue_full),
            ];
            for (outcome, n) in outcomes {
                events.push(series(&stats.topic, "outcome", outcome, n));
            }
            lookups.push(series(&stats.topic, "result", "hit", stats.schema_id_hits));
            lookups.push(series(
                &stats.topic,
                "result",
                "miss",
                stats.schema_id_misses,
            ));
        }

        vec![
            FamilySnapshot {
                name: "aion_publisher_events_total".to_owned(),
                help: "Events given to the validating publisher, by topic and outcome.".to_owned(),
                kind: Kind::Counter,
                series: events,
            },
            FamilySnapshot {
                name: "aion_publisher_schema_id_lookups_total".to_owned(),
                help: "Schema id lookups of the publisher, by topic and cache result.".to_owned(),
                kind: Kind::Counter,
                series: lookups,
            },
        ]
    })
}

fn series(topic: &str, label: &str, value: &str, n: u64) -> SeriesSnapshot {
    let mut labels = vec![
        (label.to_owned(), value.to_owned()),
        ("topic".to_owned(), topic.to_owned()),
    ];
    labels.sort();
    SeriesSnapshot {
        labels,
        value: SampleValue::Counter(n as f64),
    }
}
