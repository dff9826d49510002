//! [`Registry`]: the metric families of one process. A family is defined once with its
//! label names; each distinct label-value tuple is a series, created on first use and
//! kept for the life of the process. Looking a series up hashes the values in place, so a
//! hot path that records through [`Family::with`] allocates only the first time a tuple
//! is seen. A family holds at most [`MAX_SERIES`] series: label values past that are
//! recorded under one `overflow` series, so a caller-controlled value can never grow
//! memory without bound.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

use crate::error::{MetricsError, Result};
use crate::instrument::{Counter, Gauge, Histogram, Instrument};
use crate::names::{MAX_LABELS, RESERVED_LABELS, is_label_name, is_metric_name};
use crate::snapshot::{FamilySnapshot, Kind, SeriesSnapshot};

/// Series per family beyond which new label values share the overflow series.
pub const MAX_SERIES: usize = 2_000;

/// The label value every label of the overflow series carries.
pub const OVERFLOW_VALUE: &str = "overflow";

/// A source of families computed at snapshot time, for figures kept elsewhere (a
/// library's own atomics) that are cheaper to read than to mirror.
pub type Collector = Box<dyn Fn() -> Vec<FamilySnapshot> + Send + Sync>;

/// The metric families of a process. Clones share the same families.
#[derive(Clone, Default)]
pub struct Registry {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    families: RwLock<Vec<Arc<dyn AnyFamily>>>,
    collectors: RwLock<Vec<Collector>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let families = self.inner.families.read().map(|f| f.len()).unwrap_or(0);
        f.debug_struct("Registry")
            .field("families", &families)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// A counter family; its name should end in `_total`.
    pub fn counter_family(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> Result<Family<Counter>> {
        self.family(name, help, Kind::Counter, labels, &[])
    }

    /// A counter without labels.
    pub fn counter(&self, name: &str, help: &str) -> Result<Counter> {
        Ok(self.counter_family(name, help, &[])?.with(&[]))
    }

    /// A gauge family.
    pub fn gauge_family(&self, name: &str, help: &str, labels: &[&str]) -> Result<Family<Gauge>> {
        self.family(name, help, Kind::Gauge, labels, &[])
    }

    /// A gauge without labels.
    pub fn gauge(&self, name: &str, help: &str) -> Result<Gauge> {
        Ok(self.gauge_family(name, help, &[])?.with(&[]))
    }

    /// A histogram family with the ascending, finite upper bounds `buckets`.
    pub fn histogram_family(
        &self,
        name: &str,
        help: &str,
        labels: &[&str],
        buckets: &[f64],
    ) -> Result<Family<Histogram>> {
        let ascending = buckets.windows(2).all(|w| w[0] < w[1]);
        if buckets.is_empty() || buckets.len() > 63 || !ascending {
            return Err(MetricsError::DefineMetric {
                name: name.to_owned(),
                reason: "buckets must be 1 to 63 ascending bounds".to_owned(),
            });
        }
        if buckets.iter().any(|b| !b.is_finite()) {
            return Err(MetricsError::DefineMetric {
                name: name.to_owned(),
                reason: "bucket bounds must be finite; +Inf is implied".to_owned(),
            });
        }

        self.family(name, help, Kind::Histogram, labels, buckets)
    }

    /// A histogram without labels.
    pub fn histogram(&self, name: &str, help: &str, buckets: &[f64]) -> Result<Histogram> {
        Ok(self.histogram_family(name, help, &[], buckets)?.with(&[]))
    }

    /// Adds a source of families read at every snapshot.
    pub fn register_collector(&self, collector: Collector) {
        let mut collectors = self
            .inner
            .collectors
            .write()
            .unwrap_or_else(|e| e.into_inner());
        collectors.push(collector);
    }

    /// Every family and collector's figures now, families sorted by name.
    pub fn snapshot(&self) -> Vec<FamilySnapshot> {
        let families = self
            .inner
            .families
            .read()
            .unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<FamilySnapshot> = families.iter().map(|f| f.snapshot()).collect();
        drop(families);

        let collectors = self
            .inner
            .collectors
            .read()
            .unwrap_or_else(|e| e.into_inner());
        for collect in collectors.iter() {
            out.extend(collect());
        }

        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The Prometheus text page of [`Registry::snapshot`].
    pub fn render(&self) -> String {
        crate::text::render(&self.snapshot())
    }

    fn family<T: Instrument>(
        &self,
        name: &str,
        help: &str,
        kind: Kind,
        labels: &[&str],
        buckets: &[f64],
    ) -> Result<Family<T>> {
        check_definition(name, labels)?;

        let mut families = self
            .inner
            .families
            .write()
            .unwrap_or_else(|e| e.into_inner());

        // Defining the same family twice returns the first one, so independent parts of a
        // process (two routers, say) can each ask for it.
        if let Some(existing) = families.iter().find(|f| f.name() == name) {
            let Some(family) = existing.as_any().downcast_ref::<Family<T>>() else {
                return Err(MetricsError::RedefineMetric {
                    name: name.to_owned(),
                    reason: format!("it is a {}", existing.kind().as_str()),
                });
            };
            if family
                .shared
                .labels
                .iter()
                .map(String::as_str)
                .ne(labels.iter().copied())
                || *family.shared.bounds != *buckets
            {
                return Err(MetricsError::RedefineMetric {
                    name: name.to_owned(),
                    reason: "its labels or buckets differ".to_owned(),
                });
            }
            return Ok(family.clone());
        }

        let family = Family {
            shared: Arc::new(Shared {
                name: name.to_owned(),
                help: help.to_owned(),
                kind,
                labels: labels.iter().map(|l| (*l).to_owned()).collect(),
                bounds: Arc::from(buckets),
                series: RwLock::new(HashMap::new()),
            }),
        };
        families.push(Arc::new(family.clone()));
        Ok(family)
    }
}

fn check_definition(name: &str, labels: &[&str]) -> Result<()> {
    if !is_metric_name(name) {
        return Err(MetricsError::DefineMetric {
            name: name.to_owned(),
            reason: "not a Prometheus metric name".to_owned(),
        });
    }
    if labels.len() > MAX_LABELS {
        return Err(MetricsError::DefineMetric {
            name: name.to_owned(),
            reason: format!("more than {MAX_LABELS} labels"),
        });
    }

    for (i, label) in labels.iter().enumerate() {
        let reason = if !is_label_name(label) {
            Some("not a Prometheus label name")
        } else if RESERVED_LABELS.contains(label) {
            Some("reserved for the aggregator")
        } else if labels[..i].contains(label) {
            Some("given twice")
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(MetricsError::DefineLabel {
                metric: name.to_owned(),
                label: (*label).to_owned(),
                reason: reason.to_owned(),
            });
        }
    }
    Ok(())
}

/// A family of series of one instrument, keyed by label values.
#[derive(Debug)]
pub struct Family<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Family<T> {
    fn clone(&self) -> Self {
        Family {
            shared: Arc::clone(&self.shared),
        }
    }
}

type Bucket<T> = Vec<(Box<[String]>, T)>;

#[derive(Debug)]
struct Shared<T> {
    name: String,
    help: String,
    kind: Kind,
    labels: Vec<String>,
    bounds: Arc<[f64]>,
    /// Series by a hash of their label values; a collision keeps both in the bucket.
    series: RwLock<HashMap<u64, Bucket<T>>>,
}

impl<T: Instrument> Family<T> {
    /// The series for `values`, one per label name in definition order. Missing values
    /// are empty; extra ones are ignored.
    pub fn with(&self, values: &[&str]) -> T {
        let shared = &self.shared;
        let key = hash_values(values, shared.labels.len());

        {
            let series = shared.series.read().unwrap_or_else(|e| e.into_inner());
            if let Some(found) = find(&series, key, values, shared.labels.len()) {
                return found.clone();
            }
        }

        let mut series = shared.series.write().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = find(&series, key, values, shared.labels.len()) {
            return found.clone();
        }

        let count: usize = series.values().map(Vec::len).sum();
        let (key, owned) = if count >= MAX_SERIES {
            let overflow = vec![OVERFLOW_VALUE; shared.labels.len()];
            if let Some(found) = find(
                &series,
                hash_values(&overflow, overflow.len()),
                &overflow,
                overflow.len(),
            ) {
                return found.clone();
            }
            tracing::warn!(
                metric = %shared.name,
                limit = MAX_SERIES,
                "series limit reached; recording under overflow"
            );
            (
                hash_values(&overflow, overflow.len()),
                owned_values(&overflow, overflow.len()),
            )
        } else {
            (key, owned_values(values, shared.labels.len()))
        };

        let instrument = T::create(&shared.bounds);
        series
            .entry(key)
            .or_default()
            .push((owned, instrument.clone()));
        instrument
    }

    /// The metric name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }
}

fn find<'a, T>(
    series: &'a HashMap<u64, Bucket<T>>,
    key: u64,
    values: &[&str],
    arity: usize,
) -> Option<&'a T> {
    series.get(&key)?.iter().find_map(|(have, instrument)| {
        let equal = (0..arity).all(|i| have[i] == *values.get(i).unwrap_or(&""));
        equal.then_some(instrument)
    })
}

fn hash_values(values: &[&str], arity: usize) -> u64 {
    let mut hasher = DefaultHasher::new();
    for i in 0..arity {
        values.get(i).unwrap_or(&"").hash(&mut hasher);
    }
    hasher.finish()
}

fn owned_values(values: &[&str], arity: usize) -> Box<[String]> {
    (0..arity)
        .map(|i| (*values.get(i).unwrap_or(&"")).to_owned())
        .collect()
}

/// What the registry needs of a family whatever its instrument.
trait AnyFamily: Send + Sync {
    fn name(&self) -> &str;
    fn kind(&self) -> Kind;
    fn snapshot(&self) -> FamilySnapshot;
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: Instrument> AnyFamily for Family<T> {
    fn name(&self) -> &str {
        &self.shared.name
    }

    fn kind(&self) -> Kind {
        self.shared.kind
    }

    fn snapshot(&self) -> FamilySnapshot {
        let shared = &self.shared;
        let series = shared.series.read().unwrap_or_else(|e| e.into_inner());

        let mut out: Vec<SeriesSnapshot> = series
            .values()
            .flatten()
            .map(|(values, instrument)| {
                let mut labels: Vec<(String, String)> = shared
                    .labels
                    .iter()
                    .cloned()
                    .zip(values.iter().cloned())
                    .collect();
                labels.sort();
                SeriesSnapshot {
                    labels,
                    value: instrument.sample(),
                }
            })
            .collect();
        out.sort_by(|a, b| a.labels.cmp(&b.labels));

        FamilySnapshot {
            name: shared.name.clone(),
            help: shared.help.clone(),
            kind: shared.kind,
            series: out,
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
