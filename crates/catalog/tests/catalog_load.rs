//! Loading `topics.yaml`: the repository's catalog loads, and every kind of mistake is
//! refused with the file, the line and the reason.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use aion_catalog::{Catalog, CatalogError, Compatibility};
use common::Scratch;

const DAY: u64 = 24 * 3600;

#[test]
fn the_repository_catalog_loads_with_its_four_topics() {
    let catalog = common::catalog();
    let names: Vec<&str> = catalog.topics().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "aion.router.decisions",
            "aion.tasks.lifecycle",
            "aion.metrics.runtime",
            "aion.audit.activity"
        ]
    );

    let decisions = catalog.topic("aion.router.decisions").unwrap();
    assert_eq!(decisions.key_field, "task_id");
    assert_eq!(decisions.retention["dev"], Duration::from_secs(7 * DAY));
    assert_eq!(decisions.retention["prod"], Duration::from_secs(30 * DAY));
    assert_eq!(decisions.compatibility, Compatibility::Backward);
    assert_eq!(decisions.value_subject(), "aion.router.decisions-value");
    assert_eq!(
        catalog.topic("aion.metrics.runtime").unwrap().key_field,
        "component"
    );
    assert_eq!(
        catalog.topic("aion.audit.activity").unwrap().key_field,
        "actor_id"
    );
    assert!(catalog.service_accounts.contains_key("spark"));

    let internal: Vec<&str> = catalog
        .internal_topics()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(
        internal,
        [
            "aion.webhooks.retry.1s",
            "aion.webhooks.retry.10s",
            "aion.webhooks.retry.1m",
            "aion.webhooks.retry.10m",
            "aion.webhooks.dlq"
        ]
    );
    assert_eq!(
        catalog.internal_topics()[4].producers,
        ["webhook-dispatcher"]
    );
}

#[test]
fn internal_topics_are_checked_like_event_topics() {
    let text = error_after(
        "bigdata/topics.yaml",
        "    description: Webhook deliveries that used up their attempts",
        "    descriptio: Webhook deliveries that used up their attempts",
    );
    assert!(text.contains("descriptio"), "{text}");

    let text = error_after(
        "bigdata/topics.yaml",
        "  - name: aion.webhooks.dlq",
        "  - name: aion.router.decisions",
    );
    assert!(
        text.contains("duplicate topic \"aion.router.decisions\""),
        "{text}"
    );
}

/// Load the scratch catalog after an edit and return the error text, which must name the
/// file and the line.
fn error_after(relative: &str, from: &str, to: &str) -> String {
    let scratch = Scratch::copy_of_repo();
    scratch.edit(relative, from, to);
    let err = Catalog::load(scratch.catalog_path()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("topics.yaml"),
        "error does not name the file: {text}"
    );
    text
}

fn line_of(needle: &str) -> usize {
    let text = std::fs::read_to_string(common::repo_root().join("bigdata/topics.yaml")).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn unknown_keys_are_refused_with_their_line() {
    let text = error_after(
        "bigdata/topics.yaml",
        "    cleanup_policy: delete\n",
        "    cleanup: x\n",
    );
    assert!(text.contains("cleanup"), "{text}");
    assert!(
        text.contains(&format!("line {}", line_of("cleanup_policy: delete"))),
        "{text}"
    );
}

#[test]
fn duplicate_topics_are_refused_naming_both_lines() {
    let text = error_after(
        "bigdata/topics.yaml",
        "- name: aion.tasks.lifecycle",
        "- name: aion.router.decisions",
    );
    let first = line_of("- name: aion.router.decisions");
    let second = line_of("- name: aion.tasks.lifecycle");
    assert!(
        text.contains("duplicate topic \"aion.router.decisions\""),
        "{text}"
    );
    assert!(text.contains(&format!("line {second}")), "{text}");
    assert!(
        text.contains(&format!("first defined on line {first}")),
        "{text}"
    );
}

#[test]
fn a_key_field_that_is_not_a_property_is_refused() {
    let text = error_after(
        "bigdata/topics.yaml",
        "key_field: component",
        "key_field: host",
    );
    assert!(
        text.contains("key_field \"host\" is not a property"),
        "{text}"
    );
    assert!(
        text.contains(&format!("line {}", line_of("key_field: component"))),
        "{text}"
    );
}

#[test]
fn a_key_field_that_is_optional_is_refused() {
    let text = error_after(
        "bigdata/topics.yaml",
        "key_field: actor_id",
        "key_field: reason",
    );
    assert!(
        text.contains("key_field \"reason\" is not required"),
        "{text}"
    );
}

#[test]
fn a_key_field_that_is_not_a_string_is_refused() {
    let text = error_after(
        "bigdata/topics.yaml",
        "key_field: task_id",
        "key_field: latency_ms",
    );
    assert!(
        text.contains("key_field \"latency_ms\" is not of type string"),
        "{text}"
    );
}

#[test]
fn a_missing_schema_file_is_refused() {
    let text = error_after(
        "bigdata/topics.yaml",
        "schemas/events/audit_activity.schema.json",
        "schemas/events/nope.schema.json",
    );
    assert!(text.contains("nope.schema.json\" cannot be read"), "{text}");
    assert!(
        text.contains(&format!("line {}", line_of("audit_activity.schema.json"))),
        "{text}"
    );
}

#[test]
fn bad_durations_are_refused() {
    let text = error_after(
        "bigdata/topics.yaml",
        "      prod: 30d",
        "      prod: thirty days",
    );
    assert!(text.contains("retention for prod"), "{text}");
    assert!(text.contains("not a duration"), "{text}");
}

#[test]
fn a_missing_environment_in_retention_is_refused() {
    let text = error_after("bigdata/topics.yaml", "      dev: 7d\n", "");
    assert!(
        text.contains("retention for environment \"dev\" is missing"),
        "{text}"
    );
}

#[test]
fn unknown_service_accounts_are_refused() {
    let text = error_after(
        "bigdata/topics.yaml",
        "consumers: [metrics]",
        "consumers: [metrics, billing]",
    );
    assert!(
        text.contains("unknown service account \"billing\""),
        "{text}"
    );
}

#[test]
fn min_insync_above_the_replication_factor_is_refused() {
    let text = error_after(
        "bigdata/topics.yaml",
        "min_insync_replicas: 2",
        "min_insync_replicas: 4",
    );
    assert!(
        text.contains("min_insync_replicas 4 must be between 1 and"),
        "{text}"
    );
}

#[test]
fn a_schema_that_is_not_draft_2020_12_is_refused() {
    let text = error_after(
        "schemas/events/router_decision.schema.json",
        "https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/draft-07/schema#",
    );
    assert!(text.contains("draft-07"), "{text}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let scratch = Scratch::copy_of_repo();
    scratch.edit("bigdata/topics.yaml", "      prod: 30d", "      prod: soon");
    scratch.edit(
        "bigdata/topics.yaml",
        "key_field: component",
        "key_field: host",
    );
    let err = Catalog::load(scratch.catalog_path()).unwrap_err();
    let CatalogError::CheckCatalog { problems, .. } = err else {
        panic!("expected a list of problems, got {err}");
    };
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn yaml_that_does_not_parse_names_its_line() {
    let text = error_after("bigdata/topics.yaml", "partitions: 6", "partitions: [6");
    assert!(text.contains("line"), "{text}");
}
