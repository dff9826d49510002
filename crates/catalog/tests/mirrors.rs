//! The committed Avro mirrors are exactly what the JSON Schemas generate, and editing a
//! schema without regenerating is caught.
#![allow(clippy::unwrap_used)]

mod common;

use aion_catalog::Catalog;
use aion_catalog::mirror::{self, MirrorState};
use common::Scratch;

#[test]
fn committed_mirrors_are_up_to_date() {
    let catalog = common::catalog();
    for check in mirror::check_all(&catalog).unwrap() {
        assert_eq!(
            check.state,
            MirrorState::UpToDate,
            "{} is stale",
            check.path.display()
        );
    }
}

#[test]
fn generation_is_deterministic() {
    let catalog = common::catalog();
    for topic in catalog.topics() {
        let first = mirror::generate(&catalog, topic).unwrap();
        let second = mirror::generate(&catalog, topic).unwrap();
        assert_eq!(first, second);
    }
}

#[test]
fn an_edited_schema_makes_its_mirror_drift_and_generate_repairs_it() {
    let scratch = Scratch::copy_of_repo();
    scratch.edit(
        "schemas/events/tasks_lifecycle.schema.json",
        "\"description\": \"Attempts allowed before the task fails for good.\"",
        "\"description\": \"Attempts allowed before the task fails.\"",
    );
    let catalog = Catalog::load(scratch.catalog_path()).unwrap();

    let checks = mirror::check_all(&catalog).unwrap();
    let drifted: Vec<&str> = checks
        .iter()
        .filter(|c| c.state == MirrorState::Drifted)
        .map(|c| c.topic.as_str())
        .collect();
    assert_eq!(drifted, ["aion.tasks.lifecycle"]);

    let written = mirror::write_all(&catalog).unwrap();
    let root = scratch.dir.path().canonicalize().unwrap();
    assert_eq!(written, [root.join("bigdata/schemas/tasks_lifecycle.avsc")]);
    assert!(
        mirror::check_all(&catalog)
            .unwrap()
            .iter()
            .all(|c| c.state == MirrorState::UpToDate)
    );
}

#[test]
fn a_deleted_mirror_is_reported_missing() {
    let scratch = Scratch::copy_of_repo();
    std::fs::remove_file(scratch.path("bigdata/schemas/audit_activity.avsc")).unwrap();
    let catalog = Catalog::load(scratch.catalog_path()).unwrap();

    let missing: Vec<String> = mirror::check_all(&catalog)
        .unwrap()
        .into_iter()
        .filter(|c| c.state == MirrorState::Missing)
        .map(|c| c.topic)
        .collect();
    assert_eq!(missing, ["aion.audit.activity"]);
}

#[test]
fn a_schema_that_cannot_be_mirrored_writes_nothing() {
    let scratch = Scratch::copy_of_repo();
    scratch.edit(
        "schemas/events/metrics_runtime.schema.json",
        "\"value\": {",
        "\"value\": {\"oneOf\": [{\"type\": \"number\"}, {\"type\": \"string\"}],",
    );
    std::fs::remove_file(scratch.path("bigdata/schemas/audit_activity.avsc")).unwrap();
    let catalog = Catalog::load(scratch.catalog_path()).unwrap();

    let err = mirror::write_all(&catalog).unwrap_err().to_string();
    assert!(err.contains("metrics_runtime.schema.json"), "{err}");
    assert!(err.contains("/properties/value"), "{err}");
    assert!(!scratch.path("bigdata/schemas/audit_activity.avsc").exists());
}
