//! Reading events from text: one JSON document (an event or an array of events), or JSON
//! Lines. Every event comes with the line it started on and fails on its own, so one bad
//! line never hides the others.

use serde_json::Value;

/// Largest event accepted, in bytes of JSON text. Kafka's default record limit is 1 MB;
/// anything larger would be refused by the broker after validation had passed.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// One event read from the input, or why the text at that place is not an event.
#[derive(Debug)]
pub struct InputEvent {
    /// 1-based line where the event starts.
    pub line: usize,
    /// The parsed event, or what is wrong with its text.
    pub event: Result<Value, String>,
}

/// Split input text into events.
///
/// A text that is one JSON document is one event, or several when the document is an
/// array. Otherwise every non-blank line is an event (JSON Lines).
pub fn read_events(text: &str) -> Vec<InputEvent> {
    if text.len() <= MAX_EVENT_BYTES
        && let Ok(document) = serde_json::from_str::<Value>(text)
    {
        let leading = text.len() - text.trim_start().len();
        let line = text[..leading].matches('\n').count() + 1;
        return match document {
            Value::Array(events) => events
                .into_iter()
                .map(|event| InputEvent {
                    line,
                    event: Ok(event),
                })
                .collect(),
            event => vec![InputEvent {
                line,
                event: Ok(event),
            }],
        };
    }

    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| InputEvent {
            line: index + 1,
            event: parse_line(line),
        })
        .collect()
}

fn parse_line(line: &str) -> Result<Value, String> {
    if line.len() > MAX_EVENT_BYTES {
        return Err(format!(
            "event is {} bytes, over the limit of {MAX_EVENT_BYTES} bytes",
            line.len()
        ));
    }

    serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_document_is_one_event() {
        let events = read_events("\n\n{\n  \"a\": 1\n}\n");
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].line, 3);
        assert_eq!(
            events[0].event.as_ref().ok(),
            Some(&serde_json::json!({"a": 1}))
        );
    }

    #[test]
    fn an_array_document_is_many_events() {
        let events = read_events("[{\"a\": 1}, {\"a\": 2}]");
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn json_lines_keep_their_line_numbers_and_fail_alone() {
        let events = read_events("{\"a\": 1}\n\n{broken\n{\"a\": 3}\n");
        let lines: Vec<usize> = events.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 3, 4]);
        assert!(events[0].event.is_ok());
        assert!(
            events[1]
                .event
                .as_ref()
                .is_err_and(|e| e.starts_with("not JSON"))
        );
        assert!(events[2].event.is_ok());
    }

    #[test]
    fn oversized_lines_are_refused_before_parsing() {
        let big = format!(
            "{{\"a\": \"{}\"}}\n{{\"a\": 1}}\n",
            "x".repeat(10 * 1024 * 1024)
        );
        let events = read_events(&big);
        assert_eq!(events.len(), 2);
        assert!(
            events[0]
                .event
                .as_ref()
                .is_err_and(|e| e.contains("over the limit"))
        );
        assert!(events[1].event.is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let events = read_events(&deep);
        assert!(events.iter().all(|e| e.event.is_err()));
    }

    #[test]
    fn empty_input_has_no_events() {
        assert!(read_events("").is_empty());
        assert!(read_events("\n  \n").is_empty());
    }
}
