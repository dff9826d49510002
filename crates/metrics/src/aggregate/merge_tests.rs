//! Unit tests of the merge rules, on samples built in memory.

#![allow(clippy::unwrap_used)]

use super::*;

const SECOND: i64 = 1_000_000;

fn sample(instance: &str, name: &str, value: SampleValue, at: i64) -> Sample {
    Sample {
        event_id: uuid::Uuid::new_v4().as_u128(),
        component: "gateway".into(),
        instance_id: instance.into(),
        name: name.into(),
        help: "Help.".into(),
        labels: vec![("route".into(), "inbound".into())],
        value,
        at_micros: at,
    }
}

fn find<'a>(families: &'a [FamilySnapshot], name: &str) -> &'a FamilySnapshot {
    families.iter().find(|f| f.name == name).unwrap()
}

fn hist(counts: [u64; 2], count: u64, sum: f64) -> SampleValue {
    SampleValue::Histogram(HistogramValue {
        buckets: vec![(0.1, counts[0]), (1.0, counts[1])],
        sum,
        count,
    })
}

#[test]
fn counters_sum_over_instances_and_survive_restarts() {
    let mut agg = Aggregator::new(MergeOptions::default());
    let c = |v| SampleValue::Counter(v);

    agg.ingest(sample("a", "x_total", c(10.0), 0)).unwrap();
    agg.ingest(sample("b", "x_total", c(5.0), 0)).unwrap();
    agg.ingest(sample("a", "x_total", c(2.0), SECOND)).unwrap();

    let out = agg.snapshot(2 * SECOND);
    assert_eq!(find(&out, "x_total").series[0].value, c(17.0));
}

#[test]
fn replays_count_once() {
    let mut agg = Aggregator::new(MergeOptions::default());
    let first = sample("a", "x_total", SampleValue::Counter(3.0), 0);

    agg.ingest(first.clone()).unwrap();
    agg.ingest(first).unwrap();

    let out = agg.snapshot(SECOND);
    let duplicates = find(&out, "aion_metrics_duplicate_records_total");
    assert_eq!(duplicates.series[0].value, SampleValue::Counter(1.0));
}

#[test]
fn gauges_expire_with_their_instance() {
    let options = MergeOptions {
        expire_after: Duration::from_secs(30),
        ..MergeOptions::default()
    };
    let mut agg = Aggregator::new(options);

    agg.ingest(sample("a", "g", SampleValue::Gauge(1.0), 0))
        .unwrap();
    agg.ingest(sample("b", "g", SampleValue::Gauge(2.0), 20 * SECOND))
        .unwrap();

    let out = agg.snapshot(40 * SECOND);
    let series = &find(&out, "g").series;
    assert_eq!(series.len(), 1);
    assert!(series[0].labels.contains(&("instance".into(), "b".into())));
}

#[test]
fn histograms_merge_by_bucket_and_refuse_new_bounds() {
    let mut agg = Aggregator::new(MergeOptions::default());

    agg.ingest(sample("a", "h", hist([1, 2], 3, 1.0), 0))
        .unwrap();
    agg.ingest(sample("b", "h", hist([2, 2], 2, 0.2), 0))
        .unwrap();
    agg.ingest(sample("a", "h", hist([0, 1], 1, 0.5), SECOND))
        .unwrap();

    let moved = SampleValue::Histogram(HistogramValue {
        buckets: vec![(0.2, 1), (1.0, 1)],
        sum: 0.1,
        count: 1,
    });
    assert_eq!(
        agg.ingest(sample("b", "h", moved, SECOND)),
        Err(Reject::BucketsChanged)
    );

    let out = agg.snapshot(2 * SECOND);
    assert_eq!(find(&out, "h").series[0].value, hist([3, 5], 6, 1.7));
}

#[test]
fn forgotten_instances_keep_their_totals() {
    let options = MergeOptions {
        forget_after: Duration::from_secs(60),
        ..MergeOptions::default()
    };
    let mut agg = Aggregator::new(options);

    agg.ingest(sample("a", "x_total", SampleValue::Counter(4.0), 0))
        .unwrap();
    agg.ingest(sample(
        "b",
        "x_total",
        SampleValue::Counter(1.0),
        100 * SECOND,
    ))
    .unwrap();

    let out = agg.snapshot(120 * SECOND);
    assert_eq!(
        find(&out, "x_total").series[0].value,
        SampleValue::Counter(5.0)
    );
    assert_eq!(agg.instances.len(), 1);
}

#[test]
fn kind_conflicts_are_refused_and_counted() {
    let mut agg = Aggregator::new(MergeOptions::default());

    agg.ingest(sample("a", "x", SampleValue::Gauge(1.0), 0))
        .unwrap();
    let refused = agg.ingest(sample("a", "x", SampleValue::Counter(1.0), 0));

    assert_eq!(refused, Err(Reject::KindConflict));
    let out = agg.snapshot(SECOND);
    let rejected = find(&out, "aion_metrics_rejected_records_total");
    let conflict = rejected
        .series
        .iter()
        .find(|s| s.labels[0].1 == "kind_conflict")
        .unwrap();
    assert_eq!(conflict.value, SampleValue::Counter(1.0));
}

#[test]
fn replays_the_id_memory_forgot_change_nothing() {
    let options = MergeOptions {
        seen_capacity: 1,
        ..MergeOptions::default()
    };
    let mut agg = Aggregator::new(options);
    let c = |v| SampleValue::Counter(v);
    let ten = sample("a", "x_total", c(10.0), SECOND);

    agg.ingest(ten.clone()).unwrap();
    agg.ingest(sample("a", "x_total", c(15.0), 2 * SECOND))
        .unwrap();
    agg.ingest(sample("b", "x_total", c(1.0), 2 * SECOND))
        .unwrap();
    // The id of `ten` is forgotten by now; without the time check, 10 after 15 would
    // read as a restart and add 15 again.
    agg.ingest(ten).unwrap();

    let out = agg.snapshot(3 * SECOND);
    assert_eq!(find(&out, "x_total").series[0].value, c(16.0));
    let resets = find(&out, "aion_metrics_series_resets_total");
    assert_eq!(resets.series[0].value, c(0.0));
    let duplicates = find(&out, "aion_metrics_duplicate_records_total");
    assert_eq!(duplicates.series[0].value, c(1.0));
}

#[test]
fn an_old_gauge_sample_does_not_overwrite_a_newer_one() {
    let mut agg = Aggregator::new(MergeOptions::default());

    agg.ingest(sample("a", "g", SampleValue::Gauge(7.0), 2 * SECOND))
        .unwrap();
    agg.ingest(sample("a", "g", SampleValue::Gauge(1.0), SECOND))
        .unwrap();

    let out = agg.snapshot(3 * SECOND);
    assert_eq!(find(&out, "g").series[0].value, SampleValue::Gauge(7.0));
}

#[test]
fn a_clock_far_ahead_does_not_keep_an_instance_alive() {
    let options = MergeOptions {
        expire_after: Duration::from_secs(30),
        ..MergeOptions::default()
    };
    let mut agg = Aggregator::new(options);
    let year_2100 = 4_102_444_800 * SECOND;

    agg.ingest_at(
        sample("a", "g", SampleValue::Gauge(1.0), year_2100),
        10 * SECOND,
    )
    .unwrap();

    assert_eq!(find(&agg.snapshot(20 * SECOND), "g").series.len(), 1);
    assert!(find(&agg.snapshot(60 * SECOND), "g").series.is_empty());
}

#[test]
fn histogram_counts_saturate_instead_of_overflowing() {
    let mut agg = Aggregator::new(MergeOptions::default());
    let huge = u64::MAX - 1;

    agg.ingest(sample("a", "h", hist([huge, huge], huge, 1.0), 0))
        .unwrap();
    agg.ingest(sample("b", "h", hist([huge, huge], huge, 1.0), 0))
        .unwrap();

    let out = agg.snapshot(SECOND);
    assert_eq!(
        find(&out, "h").series[0].value,
        hist([u64::MAX, u64::MAX], u64::MAX, 2.0)
    );
}

#[test]
fn the_aggregators_own_names_cannot_be_taken() {
    let mut agg = Aggregator::new(MergeOptions::default());

    let refused = agg.ingest(sample(
        "a",
        "aion_metrics_series",
        SampleValue::Counter(1.0),
        0,
    ));

    assert_eq!(refused, Err(Reject::InvalidName));
    let out = agg.snapshot(SECOND);
    let own = find(&out, "aion_metrics_series");
    assert_eq!(own.kind, Kind::Gauge);
}

#[test]
fn new_families_past_the_series_limit_are_refused() {
    let options = MergeOptions {
        max_series: 1,
        ..MergeOptions::default()
    };
    let mut agg = Aggregator::new(options);

    agg.ingest(sample("a", "one_total", SampleValue::Counter(1.0), 0))
        .unwrap();
    let refused = agg.ingest(sample("a", "two_total", SampleValue::Counter(1.0), 0));

    assert_eq!(refused, Err(Reject::SeriesLimit));
    assert!(!agg.families.contains_key("two_total"));
}
