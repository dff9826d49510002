//! Topic patterns: which events a webhook subscribes to.
//!
//! A pattern is a dot-separated list of segments, matched against both the Kafka topic
//! name and the event's `event_type`; an event matches when either does.
//!
//! - a literal segment (`kernel`, `router-v2`) matches that segment exactly;
//! - `*` matches exactly one segment, whatever it is;
//! - `**`, allowed only as the last segment, matches one or more segments.
//!
//! So `kernel.proposal.*` matches `kernel.proposal.approved` but neither
//! `kernel.proposal` nor `kernel.proposal.approved.late`; `kernel.**` matches all three
//! of `kernel.proposal`, `kernel.proposal.approved` and `kernel.a.b.c`, but not `kernel`;
//! `aion.tasks.lifecycle` matches every event of that topic. Wildcards inside a segment
//! (`kern*`) are refused rather than guessed at.

use std::fmt;

/// One segment of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    One,
    Rest,
}

/// A parsed topic pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    segments: Vec<Segment>,
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Pattern {
    /// Parses a pattern, or says why it is not one.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err("a pattern must not be empty".to_owned());
        }

        let parts: Vec<&str> = text.split('.').collect();
        let mut segments = Vec::with_capacity(parts.len());
        for (index, part) in parts.iter().enumerate() {
            let last = index + 1 == parts.len();
            let segment = match *part {
                "" => return Err(format!("pattern {text:?} has an empty segment")),
                "*" => Segment::One,
                "**" if last => Segment::Rest,
                "**" => return Err(format!("in pattern {text:?}, `**` may only come last")),
                literal if literal.contains('*') => {
                    return Err(format!(
                        "in pattern {text:?}, segment {literal:?} mixes `*` with text; \
                         wildcards stand for whole segments"
                    ));
                }
                literal if !literal.chars().all(is_name_char) => {
                    return Err(format!(
                        "in pattern {text:?}, segment {literal:?} has characters no topic \
                         or event type uses (letters, digits, `_` and `-` only)"
                    ));
                }
                literal => Segment::Literal(literal.to_owned()),
            };
            segments.push(segment);
        }

        Ok(Pattern {
            text: text.to_owned(),
            segments,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `name` (a topic name or an event type) matches.
    pub fn matches(&self, name: &str) -> bool {
        let mut parts = name.split('.');

        for segment in &self.segments {
            match segment {
                Segment::Rest => return parts.next().is_some_and(|p| !p.is_empty()),
                Segment::One => match parts.next() {
                    Some(part) if !part.is_empty() => {}
                    _ => return false,
                },
                Segment::Literal(literal) => {
                    if parts.next() != Some(literal.as_str()) {
                        return false;
                    }
                }
            }
        }
        parts.next().is_none()
    }

    /// Whether some valid event type (`<domain>.<entity>.<verb>`, each segment
    /// `[a-z][a-z0-9_]*`) could match.
    pub fn can_match_event_type(&self) -> bool {
        let literals_valid = self.segments.iter().all(|s| match s {
            Segment::Literal(l) => is_event_type_segment(l),
            _ => true,
        });
        let count_fits = match self.segments.last() {
            Some(Segment::Rest) => self.segments.len() <= EVENT_TYPE_SEGMENTS,
            _ => self.segments.len() == EVENT_TYPE_SEGMENTS,
        };
        literals_valid && count_fits
    }

    /// Whether the pattern matches an event and its topic.
    pub fn matches_event(&self, topic: &str, event_type: Option<&str>) -> bool {
        self.matches(topic) || event_type.is_some_and(|t| self.matches(t))
    }
}

/// Segments of an event type: domain, entity, verb.
const EVENT_TYPE_SEGMENTS: usize = 3;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `[a-z][a-z0-9_]*`, as the catalog's schemas require of each event type segment.
fn is_event_type_segment(segment: &str) -> bool {
    let mut chars = segment.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `text` is a valid event type.
pub fn is_event_type(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == EVENT_TYPE_SEGMENTS && parts.iter().all(|p| is_event_type_segment(p))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn p(text: &str) -> Pattern {
        Pattern::parse(text).unwrap()
    }

    #[test]
    fn star_is_exactly_one_segment() {
        let pattern = p("kernel.proposal.*");

        assert!(pattern.matches("kernel.proposal.approved"));
        assert!(pattern.matches("kernel.proposal.rejected"));
        assert!(!pattern.matches("kernel.proposal"));
        assert!(!pattern.matches("kernel.proposal.approved.late"));
        assert!(!pattern.matches("kernel.module.installed"));
        assert!(!pattern.matches("kernel.proposal."));
    }

    #[test]
    fn trailing_double_star_is_one_or_more_segments() {
        let pattern = p("kernel.**");

        assert!(pattern.matches("kernel.proposal"));
        assert!(pattern.matches("kernel.proposal.approved"));
        assert!(pattern.matches("kernel.a.b.c.d"));
        assert!(!pattern.matches("kernel"));
        assert!(!pattern.matches("kernels.proposal"));
        assert!(p("**").matches("aion.tasks.lifecycle"));
    }

    #[test]
    fn literal_matches_whole_name_only() {
        let pattern = p("aion.tasks.lifecycle");

        assert!(pattern.matches("aion.tasks.lifecycle"));
        assert!(!pattern.matches("aion.tasks"));
        assert!(!pattern.matches("aion.tasks.lifecycle.v2"));
        assert!(!pattern.matches("aion.tasks.lifecycles"));
    }

    #[test]
    fn matches_either_topic_or_event_type() {
        let pattern = p("kernel.proposal.*");

        assert!(pattern.matches_event("aion.audit.activity", Some("kernel.proposal.approved")));
        assert!(!pattern.matches_event("aion.audit.activity", Some("task.run.started")));
        assert!(!pattern.matches_event("aion.audit.activity", None));
        assert!(p("aion.audit.*").matches_event("aion.audit.activity", Some("x.y.z")));
    }

    #[test]
    fn malformed_patterns_are_refused_with_reason() {
        let cases = [
            ("", "empty"),
            ("kernel..approved", "empty segment"),
            ("**.approved", "only come last"),
            ("kernel.prop*", "whole segments"),
            ("kernel.proposal.approved!", "characters"),
            ("kernel proposal", "characters"),
        ];

        for (text, reason) in cases {
            let error = Pattern::parse(text).unwrap_err();
            assert!(error.contains(reason), "{text:?}: {error}");
        }
    }

    #[test]
    fn event_type_reachability() {
        assert!(p("kernel.proposal.*").can_match_event_type());
        assert!(p("*.*.*").can_match_event_type());
        assert!(p("kernel.**").can_match_event_type());
        assert!(p("kernel.proposal.**").can_match_event_type());
        assert!(p("**").can_match_event_type());

        assert!(!p("kernel.proposal").can_match_event_type());
        assert!(!p("kernel.proposal.approved.late").can_match_event_type());
        assert!(!p("kernel.proposal.approved.**").can_match_event_type());
        assert!(!p("Kernel.proposal.*").can_match_event_type());
        assert!(!p("kernel.pro-posal.*").can_match_event_type());
        assert!(!p("1kernel.proposal.*").can_match_event_type());
    }

    #[test]
    fn event_types_are_three_lowercase_segments() {
        assert!(is_event_type("kernel.proposal.approved"));
        assert!(is_event_type("task2.run_state.changed"));
        assert!(!is_event_type("kernel.proposal"));
        assert!(!is_event_type("Kernel.proposal.approved"));
        assert!(!is_event_type("kernel.proposal.approved.x"));
    }
}
