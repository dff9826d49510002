//! The Prometheus text exposition format (version 0.0.4) of a set of family snapshots:
//! `# HELP` and `# TYPE` once per name, escaped label values, and for histograms the
//! cumulative `_bucket{le=...}` series ending at `+Inf`, then `_sum` and `_count`.

use std::collections::BTreeMap;

use crate::names::{escape_help, escape_label_value, write_float};
use crate::snapshot::{FamilySnapshot, Kind, SampleValue};

/// The `Content-Type` of a rendered page.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Renders `families` sorted by name. Families sharing a name and kind are written as one
/// (Prometheus refuses a name declared twice); a later family whose kind differs from the
/// first of its name is left out rather than make the whole page unreadable.
pub fn render(families: &[FamilySnapshot]) -> String {
    let mut by_name: BTreeMap<&str, Vec<&FamilySnapshot>> = BTreeMap::new();
    for family in families {
        by_name
            .entry(family.name.as_str())
            .or_default()
            .push(family);
    }

    let series: usize = families.iter().map(|f| f.series.len()).sum();
    let mut out = String::with_capacity(64 + series * 96);

    for (name, group) in by_name {
        let first = group[0];
        let same_kind = group.iter().filter(|f| f.kind == first.kind);
        if same_kind.clone().all(|f| f.series.is_empty()) {
            continue;
        }

        out.push_str("# HELP ");
        out.push_str(name);
        out.push(' ');
        escape_help(&mut out, &first.help);
        out.push_str("\n# TYPE ");
        out.push_str(name);
        out.push(' ');
        out.push_str(first.kind.as_str());
        out.push('\n');

        for family in same_kind {
            for series in &family.series {
                write_series(&mut out, name, &series.labels, &series.value);
            }
        }
    }
    out
}

fn write_series(out: &mut String, name: &str, labels: &[(String, String)], value: &SampleValue) {
    match value {
        SampleValue::Counter(v) | SampleValue::Gauge(v) => {
            write_line(out, name, "", labels, None, *v);
        }

        SampleValue::Histogram(h) => {
            let mut bound = String::new();
            for (le, count) in &h.buckets {
                bound.clear();
                write_float(&mut bound, *le);
                write_line(out, name, "_bucket", labels, Some(&bound), *count as f64);
            }
            write_line(out, name, "_bucket", labels, Some("+Inf"), h.count as f64);
            write_line(out, name, "_sum", labels, None, h.sum);
            write_line(out, name, "_count", labels, None, h.count as f64);
        }
    }
}

fn write_line(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &[(String, String)],
    le: Option<&str>,
    value: f64,
) {
    out.push_str(name);
    out.push_str(suffix);

    if !labels.is_empty() || le.is_some() {
        out.push('{');
        let mut first = true;
        let pairs = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(le.map(|le| ("le", le)));
        for (key, val) in pairs {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(key);
            out.push_str("=\"");
            escape_label_value(out, val);
            out.push('"');
        }
        out.push('}');
    }

    out.push(' ');
    write_float(out, value);
    out.push('\n');
}

/// Whether a family of `kind` may be written under `name` by convention: counters end in
/// `_total`, and nothing else does. Used by tests and by the docs check.
pub fn follows_conventions(name: &str, kind: Kind) -> bool {
    name.ends_with("_total") == (kind == Kind::Counter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{HistogramValue, SeriesSnapshot};

    #[test]
    fn histogram_lines_end_with_inf_sum_and_count() {
        let family = FamilySnapshot {
            name: "x_seconds".into(),
            help: "Latency \\ with\nnewline.".into(),
            kind: Kind::Histogram,
            series: vec![SeriesSnapshot {
                labels: vec![("route".into(), "/a\"b".into())],
                value: SampleValue::Histogram(HistogramValue {
                    buckets: vec![(0.1, 1), (1.0, 3)],
                    sum: 2.5,
                    count: 4,
                }),
            }],
        };

        let text = render(&[family]);

        assert_eq!(
            text,
            "# HELP x_seconds Latency \\\\ with\\nnewline.\n\
             # TYPE x_seconds histogram\n\
             x_seconds_bucket{route=\"/a\\\"b\",le=\"0.1\"} 1\n\
             x_seconds_bucket{route=\"/a\\\"b\",le=\"1\"} 3\n\
             x_seconds_bucket{route=\"/a\\\"b\",le=\"+Inf\"} 4\n\
             x_seconds_sum{route=\"/a\\\"b\"} 2.5\n\
             x_seconds_count{route=\"/a\\\"b\"} 4\n"
        );
    }

    #[test]
    fn families_of_one_name_are_declared_once() {
        let family = |v: f64| FamilySnapshot {
            name: "a_total".into(),
            help: "A.".into(),
            kind: Kind::Counter,
            series: vec![SeriesSnapshot {
                labels: vec![("k".into(), v.to_string())],
                value: SampleValue::Counter(v),
            }],
        };

        let text = render(&[family(1.0), family(2.0)]);

        assert_eq!(text.matches("# TYPE a_total counter").count(), 1, "{text}");
        assert!(text.contains("a_total{k=\"1\"} 1\n"), "{text}");
        assert!(text.contains("a_total{k=\"2\"} 2\n"), "{text}");
    }
}
