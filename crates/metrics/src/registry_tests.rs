//! Unit tests of the registry: series sharing, redefinition, refused definitions and
//! the overflow series.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::snapshot::SampleValue;

#[test]
fn series_are_shared_by_label_values() {
    let registry = Registry::new();
    let family = registry
        .counter_family(
            "aion_test_requests_total",
            "Requests.",
            &["route", "status"],
        )
        .unwrap();

    family.with(&["/a", "200"]).inc();
    family.with(&["/a", "200"]).inc_by(2);
    family.with(&["/a", "500"]).inc();

    let snapshot = registry.snapshot();
    assert_eq!(snapshot.len(), 1);
    let values: Vec<_> = snapshot[0].series.iter().map(|s| s.value.clone()).collect();
    assert_eq!(
        values,
        vec![SampleValue::Counter(3.0), SampleValue::Counter(1.0)]
    );
}

#[test]
fn redefinition_returns_the_same_family_or_refuses() {
    let registry = Registry::new();
    let a = registry
        .counter_family("aion_test_total", "T.", &["x"])
        .unwrap();
    let b = registry
        .counter_family("aion_test_total", "T.", &["x"])
        .unwrap();
    a.with(&["1"]).inc();
    assert_eq!(b.with(&["1"]).get(), 1);

    assert!(
        registry
            .gauge_family("aion_test_total", "T.", &["x"])
            .is_err()
    );
    assert!(
        registry
            .counter_family("aion_test_total", "T.", &["y"])
            .is_err()
    );
}

#[test]
fn bad_definitions_are_refused() {
    let registry = Registry::new();
    assert!(registry.counter("bad-name_total", "B.").is_err());
    assert!(
        registry
            .counter_family("aion_ok_total", "B.", &["__x"])
            .is_err()
    );
    assert!(
        registry
            .counter_family("aion_ok_total", "B.", &["instance"])
            .is_err()
    );
    assert!(
        registry
            .histogram("aion_h_seconds", "H.", &[1.0, 0.5])
            .is_err()
    );
    assert!(
        registry
            .histogram("aion_h_seconds", "H.", &[1.0, f64::INFINITY])
            .is_err()
    );
}

#[test]
fn series_past_the_limit_share_the_overflow_series() {
    let registry = Registry::new();
    let family = registry
        .counter_family("aion_test_total", "T.", &["id"])
        .unwrap();

    for i in 0..MAX_SERIES + 10 {
        family.with(&[&i.to_string()]).inc();
    }

    let snapshot = registry.snapshot();
    assert_eq!(snapshot[0].series.len(), MAX_SERIES + 1);
    let overflow = snapshot[0]
        .series
        .iter()
        .find(|s| s.labels[0].1 == OVERFLOW_VALUE)
        .unwrap();
    assert_eq!(overflow.value, SampleValue::Counter(10.0));
}
