//! The three instruments: a counter, a gauge and a histogram, each a few atomics updated
//! without locks or allocation, so recording on a request path costs a handful of
//! nanoseconds. Handles are cheap to clone and share the series they point at.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::snapshot::{HistogramValue, SampleValue};

/// Latency bounds, in seconds, suited to request handling from sub-millisecond to 10 s.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A monotonically increasing count.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n`.
    pub fn inc_by(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down, stored as the bits of an `f64`.
#[derive(Clone, Debug, Default)]
pub struct Gauge(Arc<AtomicU64>);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    /// Adds `delta` (negative to subtract).
    pub fn add(&self, delta: f64) {
        add_float(&self.0, delta);
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// Counts of observations per bucket, their sum and their number.
#[derive(Clone, Debug)]
pub struct Histogram(Arc<HistogramCell>);

#[derive(Debug)]
struct HistogramCell {
    bounds: Arc<[f64]>,
    /// Observations per bucket, not cumulative; the last slot is above every bound.
    buckets: Box<[AtomicU64]>,
    sum: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    /// A histogram with the ascending, finite upper bounds `bounds`.
    pub(crate) fn new(bounds: Arc<[f64]>) -> Histogram {
        let buckets = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Histogram(Arc::new(HistogramCell {
            bounds,
            buckets,
            sum: AtomicU64::new(0f64.to_bits()),
            count: AtomicU64::new(0),
        }))
    }

    /// A histogram of its own, outside any registry, for figures a service renders
    /// itself. Bounds that are not finite are left out; the rest are sorted.
    pub fn with_bounds(bounds: &[f64]) -> Histogram {
        let mut bounds: Vec<f64> = bounds.iter().copied().filter(|b| b.is_finite()).collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        Histogram::new(bounds.into())
    }

    /// Records one observation. NaN is not recorded: it would poison the sum for good.
    pub fn observe(&self, value: f64) {
        if value.is_nan() {
            return;
        }

        let cell = &self.0;
        let slot = cell.bounds.partition_point(|&bound| bound < value);
        cell.buckets[slot].fetch_add(1, Ordering::Relaxed);
        add_float(&cell.sum, value);
        cell.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a duration in seconds.
    pub fn observe_duration(&self, elapsed: Duration) {
        self.observe(elapsed.as_secs_f64());
    }

    /// The cumulative figures now. Read bucket by bucket while others may record, so the
    /// count is taken as the bucket total, which keeps the page self-consistent.
    pub fn value(&self) -> HistogramValue {
        let cell = &self.0;
        let mut cumulative = 0;
        let mut buckets = Vec::with_capacity(cell.bounds.len());

        for (bound, bucket) in cell.bounds.iter().zip(cell.buckets.iter()) {
            cumulative += bucket.load(Ordering::Relaxed);
            buckets.push((*bound, cumulative));
        }
        let above = cell.buckets[cell.bounds.len()].load(Ordering::Relaxed);

        HistogramValue {
            buckets,
            sum: f64::from_bits(cell.sum.load(Ordering::Relaxed)),
            count: cumulative + above,
        }
    }
}

/// What the registry keeps per series: [`Counter`], [`Gauge`] or [`Histogram`]. Sealed:
/// the exposition and the catalog events know only these three.
pub trait Instrument: sealed::Sealed + Clone + Send + Sync + 'static {
    /// A new series; `bounds` are a histogram's bucket bounds.
    fn create(bounds: &Arc<[f64]>) -> Self;
    /// The series' value now.
    fn sample(&self) -> SampleValue;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Counter {}
    impl Sealed for super::Gauge {}
    impl Sealed for super::Histogram {}
}

impl Instrument for Counter {
    fn create(_: &Arc<[f64]>) -> Self {
        Counter::default()
    }

    fn sample(&self) -> SampleValue {
        SampleValue::Counter(self.get() as f64)
    }
}

impl Instrument for Gauge {
    fn create(_: &Arc<[f64]>) -> Self {
        let gauge = Gauge::default();
        gauge.set(0.0);
        gauge
    }

    fn sample(&self) -> SampleValue {
        SampleValue::Gauge(self.get())
    }
}

impl Instrument for Histogram {
    fn create(bounds: &Arc<[f64]>) -> Self {
        Histogram::new(Arc::clone(bounds))
    }

    fn sample(&self) -> SampleValue {
        SampleValue::Histogram(self.value())
    }
}

fn add_float(cell: &AtomicU64, delta: f64) {
    // A compare-and-swap loop: there is no atomic float add, and contention on one series
    // is low enough that retries are rare.
    let mut current = cell.load(Ordering::Relaxed);
    loop {
        let next = (f64::from_bits(current) + delta).to_bits();
        match cell.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            Err(actual) => current = actual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_inclusive() {
        let h = Histogram::new(Arc::from(vec![0.1, 1.0]));
        for v in [0.05, 0.1, 0.5, 7.0, f64::NAN] {
            h.observe(v);
        }

        let value = h.value();

        assert_eq!(value.buckets, vec![(0.1, 2), (1.0, 3)]);
        assert_eq!(value.count, 4);
        assert!((value.sum - 7.65).abs() < 1e-9);
    }

    #[test]
    fn a_standalone_histogram_keeps_finite_sorted_bounds() {
        let h = Histogram::with_bounds(&[1.0, f64::INFINITY, 0.1, 1.0]);
        h.observe(0.5);

        assert_eq!(h.value().buckets, vec![(0.1, 0), (1.0, 1)]);
    }

    #[test]
    fn gauge_adds_and_sets() {
        let g = Gauge::create(&Arc::from(Vec::new()));
        g.add(2.5);
        g.add(-1.0);
        assert_eq!(g.get(), 1.5);
        g.set(-3.0);
        assert_eq!(g.get(), -3.0);
    }
}
