//! Avro naming rules and JSON pointer text, shared by the mirror generator and
//! the codec so both sides agree on what a valid name and a path look like.

/// True when `name` matches Avro's `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();

    let Some(first) = chars.next() else {
        return false;
    };

    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// True when `namespace` is empty or dot-separated valid names.
pub(crate) fn is_valid_namespace(namespace: &str) -> bool {
    namespace.is_empty() || namespace.split('.').all(is_valid_name)
}

/// `privacy_tier` -> `PrivacyTier`, `score-v2` -> `ScoreV2`.
///
/// Any character that is not ASCII alphanumeric separates words; the first
/// letter of each word is upper-cased and the rest kept, so `taskId` becomes
/// `TaskId`. The result may still be invalid (e.g. starting with a digit), so
/// callers check it with [`is_valid_name`].
pub(crate) fn pascal_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());

    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();

        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }

    out
}

/// Joins `namespace` and `name` into an Avro full name.
pub(crate) fn full_name(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_owned()
    } else {
        format!("{namespace}.{name}")
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as
/// RFC 6901 requires.
pub(crate) fn push_pointer_token(pointer: &mut String, token: &str) {
    pointer.push('/');

    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
}

/// Returns `pointer` extended by one token.
pub(crate) fn child_pointer(pointer: &str, token: &str) -> String {
    let mut out = pointer.to_owned();
    push_pointer_token(&mut out, token);
    out
}

/// Undoes RFC 6901 escaping of one reference token.
pub(crate) fn unescape_pointer_token(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        assert!(is_valid_name("RouterDecision"));
        assert!(is_valid_name("_private"));
        assert!(is_valid_name("p95_ms"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("9lives"));
        assert!(!is_valid_name("task-id"));
        assert!(!is_valid_name("Router Decision"));
        assert!(!is_valid_name("é"));
    }

    #[test]
    fn valid_namespaces() {
        assert!(is_valid_namespace("ai.aion.events"));
        assert!(is_valid_namespace(""));
        assert!(!is_valid_namespace("ai..events"));
        assert!(!is_valid_namespace("ai.aion."));
        assert!(!is_valid_namespace("ai.1on"));
    }

    #[test]
    fn pascal_case_words() {
        assert_eq!(pascal_case("privacy_tier"), "PrivacyTier");
        assert_eq!(pascal_case("candidates"), "Candidates");
        assert_eq!(pascal_case("score-v2"), "ScoreV2");
        assert_eq!(pascal_case("taskId"), "TaskId");
        assert_eq!(pascal_case("__x__y"), "XY");
        assert_eq!(pascal_case("_1abc"), "1abc");
    }

    #[test]
    fn pointer_tokens_are_escaped_and_unescaped() {
        assert_eq!(child_pointer("/properties", "a/b~c"), "/properties/a~1b~0c");
        assert_eq!(unescape_pointer_token("a~1b~0c"), "a/b~c");
        assert_eq!(unescape_pointer_token("~01"), "~1");
    }
}
