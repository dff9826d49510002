//! [`Aggregator`]: the merge of every component's and instance's samples into one set of
//! families, with the rules of docs/metrics.md:
//!
//! - counters are summed over instances; a value below the last one of the same instance
//!   and series is a restart, and the total reached before it is kept as an offset, so
//!   the sum never goes down;
//! - gauges are kept per instance (labels `component` and `instance`) and left out once
//!   their instance has been silent for the expiry window;
//! - histograms are summed bucket by bucket with the counters' restart rule; a series
//!   whose bounds change is refused;
//! - a record seen before (same `event_id`) counts once, and so does a replayed record
//!   the id memory has forgotten: a sample not newer than its instance's last one of the
//!   same series is dropped.
//!
//! An instance silent for the longer forget window is dropped: its counter and histogram
//! totals move into the series' retired part, so memory follows the live instances while
//! sums stay monotonic.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use crate::event::{Reject, Sample};
use crate::instrument::{Counter, Gauge};
use crate::registry::{Family, Registry};
use crate::snapshot::{FamilySnapshot, HistogramValue, Kind, SampleValue, SeriesSnapshot};

/// How the aggregator merges and forgets.
#[derive(Clone, Debug)]
pub struct MergeOptions {
    /// Gauges of an instance silent this long are no longer served (3 intervals).
    pub expire_after: Duration,
    /// An instance silent this long is forgotten; its totals stay in the sums.
    pub forget_after: Duration,
    /// How many recent `event_id`s are remembered to drop replays.
    pub seen_capacity: usize,
    /// At most this many merged series; records of new series past it are refused.
    pub max_series: usize,
}

impl Default for MergeOptions {
    fn default() -> Self {
        MergeOptions {
            expire_after: Duration::from_secs(45),
            forget_after: Duration::from_secs(3600),
            seen_capacity: 1_000_000,
            max_series: 100_000,
        }
    }
}

/// The merged state of every reported series.
#[derive(Debug)]
pub struct Aggregator {
    options: MergeOptions,
    seen: SeenSet,
    families: HashMap<String, FamilyState>,
    /// Last `occurred_at` per (component, instance).
    instances: HashMap<(String, String), i64>,
    series_count: usize,
    own: OwnMetrics,
    /// The aggregator's own metric names, which no reported sample may take.
    own_names: HashSet<String>,
}

#[derive(Debug)]
struct FamilyState {
    kind: Kind,
    help: String,
    series: HashMap<(String, Vec<(String, String)>), SeriesState>,
}

#[derive(Debug)]
enum SeriesState {
    Counter {
        retired: f64,
        live: HashMap<String, Track<f64>>,
    },
    Gauge {
        live: HashMap<String, Track<f64>>,
    },
    Histogram {
        bounds: Vec<f64>,
        retired: Hist,
        live: HashMap<String, Track<Hist>>,
    },
}

/// An instance's last reported value, when it was taken, and (for counters and
/// histograms) what the instance had reached before its restarts.
#[derive(Debug, Clone, Default)]
struct Track<T> {
    last: T,
    offset: T,
    at_micros: i64,
}

impl<T: Default> Track<T> {
    /// The track of `instance` in `live`, stamped with `at_micros`; `None` when the
    /// track already holds a sample as recent: a replay, which must change nothing.
    fn newer<'a>(
        live: &'a mut HashMap<String, Track<T>>,
        instance: &str,
        at_micros: i64,
    ) -> Option<&'a mut Track<T>> {
        let track = match live.entry(instance.to_owned()) {
            Entry::Occupied(entry) if at_micros <= entry.get().at_micros => return None,
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(Track::default()),
        };
        track.at_micros = at_micros;
        Some(track)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Hist {
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Hist {
    fn of(value: &HistogramValue) -> Hist {
        Hist {
            buckets: value.buckets.iter().map(|(_, n)| *n).collect(),
            sum: value.sum,
            count: value.count,
        }
    }

    fn add(&mut self, other: &Hist) {
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        // Counts come from outside: saturate rather than wrap or panic on overflow.
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine = mine.saturating_add(*theirs);
        }
        self.sum += other.sum;
        self.count = self.count.saturating_add(other.count);
    }

    /// Whether `next` is lower than `self` anywhere, which only a restart explains.
    fn restarted_before(&self, next: &Hist) -> bool {
        next.count < self.count || next.buckets.iter().zip(&self.buckets).any(|(n, l)| n < l)
    }
}

/// The aggregator's own figures, served with the merged ones.
#[derive(Debug)]
struct OwnMetrics {
    registry: Registry,
    merged: Counter,
    duplicates: Counter,
    rejected: Family<Counter>,
    resets: Counter,
    series: Gauge,
    instances: Gauge,
}

impl OwnMetrics {
    fn new() -> OwnMetrics {
        let registry = Registry::new();
        let define = || -> crate::Result<OwnMetrics> {
            let rejected = registry.counter_family(
                "aion_metrics_rejected_records_total",
                "Records of aion.metrics.runtime refused by the aggregator, by reason.",
                &["reason"],
            )?;
            for reason in Reject::ALL {
                rejected.with(&[reason.as_str()]);
            }

            Ok(OwnMetrics {
                merged: registry.counter(
                    "aion_metrics_merged_records_total",
                    "Records of aion.metrics.runtime merged into the served series.",
                )?,
                duplicates: registry.counter(
                    "aion_metrics_duplicate_records_total",
                    "Records dropped because their event_id was merged before.",
                )?,
                resets: registry.counter(
                    "aion_metrics_series_resets_total",
                    "Counter and histogram series seen going down: instance restarts.",
                )?,
                series: registry.gauge(
                    "aion_metrics_series",
                    "Series the aggregator holds, over every instance.",
                )?,
                instances: registry.gauge(
                    "aion_metrics_instances",
                    "Component instances that reported within the expiry window.",
                )?,
                rejected,
                registry: registry.clone(),
            })
        };

        match define() {
            Ok(own) => own,
            // The names above are constants checked by the tests; this cannot happen.
            Err(e) => unreachable!("aggregator metrics are well-formed: {e}"),
        }
    }
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new(options: MergeOptions) -> Aggregator {
        let own = OwnMetrics::new();
        let own_names = own
            .registry
            .snapshot()
            .into_iter()
            .map(|f| f.name)
            .collect();

        Aggregator {
            seen: SeenSet::new(options.seen_capacity),
            options,
            families: HashMap::new(),
            instances: HashMap::new(),
            series_count: 0,
            own,
            own_names,
        }
    }

    /// The registry of the aggregator's own figures.
    pub fn own_metrics(&self) -> &Registry {
        &self.own.registry
    }

    /// Counts a record refused before it could be read (undecodable, say).
    pub fn reject(&self, reason: Reject) {
        self.own.rejected.with(&[reason.as_str()]).inc();
    }

    /// Merges one sample. A replay is dropped and counted, not refused; a refusal is
    /// counted under its reason and leaves every series as it was.
    pub fn ingest(&mut self, sample: Sample) -> Result<(), Reject> {
        self.ingest_at(sample, super::now_micros())
    }

    /// [`Aggregator::ingest`] with the clock given: an `occurred_at` after `now_micros` is
    /// taken as now, so a writer whose clock runs ahead cannot keep an instance alive.
    pub fn ingest_at(&mut self, mut sample: Sample, now_micros: i64) -> Result<(), Reject> {
        if self.seen.contains(sample.event_id) {
            self.own.duplicates.inc();
            return Ok(());
        }
        sample.at_micros = sample.at_micros.min(now_micros);

        match self.merge(&sample) {
            Ok(Merged::Stale) => {
                self.seen.insert(sample.event_id);
                self.own.duplicates.inc();
                Ok(())
            }
            Ok(Merged::Applied) => {
                self.seen.insert(sample.event_id);
                self.own.merged.inc();
                let key = (sample.component, sample.instance_id);
                let last = self.instances.entry(key).or_insert(sample.at_micros);
                *last = (*last).max(sample.at_micros);
                Ok(())
            }
            Err(reason) => {
                self.reject(reason);
                Err(reason)
            }
        }
    }

    fn merge(&mut self, sample: &Sample) -> Result<Merged, Reject> {
        let kind = match &sample.value {
            SampleValue::Counter(_) => Kind::Counter,
            SampleValue::Gauge(_) => Kind::Gauge,
            SampleValue::Histogram(_) => Kind::Histogram,
        };
        if self.own_names.contains(&sample.name) {
            return Err(Reject::InvalidName);
        }

        // A new family costs memory like a series: the limit applies before it exists.
        if !self.families.contains_key(&sample.name) && self.series_count >= self.options.max_series
        {
            return Err(Reject::SeriesLimit);
        }
        let family = self
            .families
            .entry(sample.name.clone())
            .or_insert_with(|| FamilyState {
                kind,
                help: sample.help.clone(),
                series: HashMap::new(),
            });
        if family.kind != kind {
            return Err(Reject::KindConflict);
        }

        let key = (sample.component.clone(), sample.labels.clone());
        if !family.series.contains_key(&key) {
            if self.series_count >= self.options.max_series {
                return Err(Reject::SeriesLimit);
            }
            let state = match &sample.value {
                SampleValue::Counter(_) => SeriesState::Counter {
                    retired: 0.0,
                    live: HashMap::new(),
                },
                SampleValue::Gauge(_) => SeriesState::Gauge {
                    live: HashMap::new(),
                },
                SampleValue::Histogram(h) => SeriesState::Histogram {
                    bounds: h.buckets.iter().map(|(le, _)| *le).collect(),
                    retired: Hist::default(),
                    live: HashMap::new(),
                },
            };
            family.series.insert(key.clone(), state);
            self.series_count += 1;
        }
        let Some(series) = family.series.get_mut(&key) else {
            return Err(Reject::Malformed);
        };

        let instance = &sample.instance_id;
        let at = sample.at_micros;
        match (series, &sample.value) {
            (SeriesState::Counter { live, .. }, SampleValue::Counter(v)) => {
                let Some(track) = Track::newer(live, instance, at) else {
                    return Ok(Merged::Stale);
                };
                if *v < track.last {
                    track.offset += track.last;
                    self.own.resets.inc();
                }
                track.last = *v;
            }

            (SeriesState::Gauge { live }, SampleValue::Gauge(v)) => {
                let Some(track) = Track::newer(live, instance, at) else {
                    return Ok(Merged::Stale);
                };
                track.last = *v;
            }

            (SeriesState::Histogram { bounds, live, .. }, SampleValue::Histogram(h)) => {
                let same = bounds.len() == h.buckets.len()
                    && bounds.iter().zip(&h.buckets).all(|(a, (b, _))| a == b);
                if !same {
                    return Err(Reject::BucketsChanged);
                }

                let Some(track) = Track::newer(live, instance, at) else {
                    return Ok(Merged::Stale);
                };
                let next = Hist::of(h);
                if track.last.restarted_before(&next) {
                    let last = std::mem::take(&mut track.last);
                    track.offset.add(&last);
                    self.own.resets.inc();
                }
                track.last = next;
            }

            _ => return Err(Reject::KindConflict),
        }
        Ok(Merged::Applied)
    }

    /// Forgets instances silent for the forget window, keeping their totals.
    pub fn forget(&mut self, now_micros: i64) {
        let cutoff = now_micros.saturating_sub(micros(self.options.forget_after));
        let gone: HashSet<(String, String)> = self
            .instances
            .iter()
            .filter(|(_, last)| **last < cutoff)
            .map(|(key, _)| key.clone())
            .collect();
        if gone.is_empty() {
            return;
        }

        for family in self.families.values_mut() {
            for ((component, _), series) in family.series.iter_mut() {
                let is_gone =
                    |instance: &String| gone.contains(&(component.clone(), instance.clone()));
                match series {
                    SeriesState::Counter { retired, live } => live.retain(|instance, track| {
                        let keep = !is_gone(instance);
                        if !keep {
                            *retired += track.offset + track.last;
                        }
                        keep
                    }),
                    SeriesState::Gauge { live } => live.retain(|instance, _| !is_gone(instance)),
                    SeriesState::Histogram { retired, live, .. } => {
                        live.retain(|instance, track| {
                            let keep = !is_gone(instance);
                            if !keep {
                                retired.add(&track.offset);
                                retired.add(&track.last);
                            }
                            keep
                        })
                    }
                }
            }
        }
        self.instances.retain(|key, _| !gone.contains(key));
    }

    /// The merged families as of `now_micros`, then the aggregator's own.
    pub fn snapshot(&mut self, now_micros: i64) -> Vec<FamilySnapshot> {
        self.forget(now_micros);

        let fresh_after = now_micros.saturating_sub(micros(self.options.expire_after));
        let live: HashSet<(&str, &str)> = self
            .instances
            .iter()
            .filter(|(_, last)| **last >= fresh_after)
            .map(|((component, instance), _)| (component.as_str(), instance.as_str()))
            .collect();
        let fresh = |component: &str, instance: &str| live.contains(&(component, instance));

        let mut out = Vec::with_capacity(self.families.len() + 8);
        for (name, family) in &self.families {
            let mut series = Vec::with_capacity(family.series.len());

            for ((component, labels), state) in &family.series {
                match state {
                    SeriesState::Counter { retired, live } => {
                        let total = live
                            .values()
                            .fold(*retired, |sum, t| sum + t.offset + t.last);
                        series.push(SeriesSnapshot {
                            labels: with_labels(labels, component, None),
                            value: SampleValue::Counter(total),
                        });
                    }

                    SeriesState::Gauge { live } => {
                        for (instance, track) in live {
                            if fresh(component, instance) {
                                series.push(SeriesSnapshot {
                                    labels: with_labels(labels, component, Some(instance)),
                                    value: SampleValue::Gauge(track.last),
                                });
                            }
                        }
                    }

                    SeriesState::Histogram {
                        bounds,
                        retired,
                        live,
                    } => {
                        let mut total = retired.clone();
                        for track in live.values() {
                            total.add(&track.offset);
                            total.add(&track.last);
                        }
                        total.buckets.resize(bounds.len(), 0);
                        series.push(SeriesSnapshot {
                            labels: with_labels(labels, component, None),
                            value: SampleValue::Histogram(HistogramValue {
                                buckets: bounds.iter().copied().zip(total.buckets).collect(),
                                sum: total.sum,
                                count: total.count,
                            }),
                        });
                    }
                }
            }

            series.sort_by(|a, b| a.labels.cmp(&b.labels));
            out.push(FamilySnapshot {
                name: name.clone(),
                help: family.help.clone(),
                kind: family.kind,
                series,
            });
        }

        self.own.series.set(self.series_count as f64);
        self.own.instances.set(live.len() as f64);

        out.extend(self.own.registry.snapshot());
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }
}

/// What became of a sample that could be merged.
enum Merged {
    /// It changed its series.
    Applied,
    /// It was not newer than its instance's last sample of the series: a replay.
    Stale,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn with_labels(
    labels: &[(String, String)],
    component: &str,
    instance: Option<&str>,
) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(labels.len() + 2);
    out.extend_from_slice(labels);
    out.push(("component".to_owned(), component.to_owned()));
    if let Some(instance) = instance {
        out.push(("instance".to_owned(), instance.to_owned()));
    }
    out.sort();
    out
}

/// The most recent `capacity` event ids, oldest forgotten first.
#[derive(Debug)]
struct SeenSet {
    capacity: usize,
    ids: HashSet<u128>,
    order: VecDeque<u128>,
}

impl SeenSet {
    fn new(capacity: usize) -> SeenSet {
        SeenSet {
            capacity: capacity.max(1),
            ids: HashSet::new(),
            order: VecDeque::new(),
        }
    }

    fn contains(&self, id: u128) -> bool {
        self.ids.contains(&id)
    }

    fn insert(&mut self, id: u128) {
        if self.ids.insert(id) {
            self.order.push_back(id);
        }
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
    }
}

#[cfg(test)]
#[path = "merge_tests.rs"]
mod tests;
