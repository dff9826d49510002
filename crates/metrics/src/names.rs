//! Prometheus naming rules and the escaping of the text exposition format, shared by the
//! registry (names checked when a metric is defined) and the aggregator (names checked on
//! every record, since records come from outside).

/// At most this many labels on a series, as the catalog schema allows.
pub const MAX_LABELS: usize = 16;

/// Label names the aggregator adds itself, so a series may not carry them.
pub const RESERVED_LABELS: [&str; 3] = ["component", "instance", "le"];

/// Whether `name` is a Prometheus metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`), at most 200
/// characters as the catalog schema allows.
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };

    name.len() <= 200
        && (first.is_ascii_alphabetic() || first == '_' || first == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Whether `name` is a Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`), at most 64
/// characters, and not one of the `__`-prefixed names Prometheus keeps for itself.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };

    name.len() <= 64
        && !name.starts_with("__")
        && (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Appends `value` escaped for a label value: backslash, double quote and line feed.
pub fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Appends `help` escaped for a `# HELP` line: backslash and line feed.
pub fn escape_help(out: &mut String, help: &str) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Appends a sample value the way Prometheus writes it (`+Inf`, `-Inf`, `NaN`).
pub fn write_float(out: &mut String, value: f64) {
    use std::fmt::Write as _;

    if value.is_nan() {
        out.push_str("NaN");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
    } else {
        let _ = write!(out, "{value}");
    }
}

/// The unit a metric name implies by its suffix, for the catalog event's `unit` field.
pub fn unit_of(name: &str) -> Option<&'static str> {
    let base = name.strip_suffix("_total").unwrap_or(name);
    ["seconds", "bytes", "ratio"]
        .into_iter()
        .find(|unit| base.ends_with(&format!("_{unit}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_rules() {
        assert!(is_metric_name("aion_gateway_requests_total"));
        assert!(is_metric_name("ns:rule_name"));
        assert!(!is_metric_name("9lives"));
        assert!(!is_metric_name("bad-name"));
        assert!(!is_metric_name(""));

        assert!(is_label_name("route"));
        assert!(!is_label_name("__name__"));
        assert!(!is_label_name("with:colon"));
    }

    #[test]
    fn escaping_covers_the_three_characters() {
        let mut out = String::new();
        escape_label_value(&mut out, "a\"b\\c\nd");
        assert_eq!(out, "a\\\"b\\\\c\\nd");

        let mut out = String::new();
        escape_help(&mut out, "x \"quoted\" \\ \n");
        assert_eq!(out, "x \"quoted\" \\\\ \\n");
    }

    #[test]
    fn special_values_are_written_as_prometheus_does() {
        let mut out = String::new();
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 3.0, 0.25] {
            write_float(&mut out, v);
            out.push(' ');
        }
        assert_eq!(out, "NaN +Inf -Inf 3 0.25 ");
    }

    #[test]
    fn units_come_from_suffixes() {
        assert_eq!(
            unit_of("aion_registry_request_duration_seconds"),
            Some("seconds")
        );
        assert_eq!(unit_of("aion_x_sent_bytes_total"), Some("bytes"));
        assert_eq!(unit_of("aion_x_requests_total"), None);
    }
}
