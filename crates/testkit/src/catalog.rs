//! Scratch copies of the repository's catalog, so a test publishes to topics of its own
//! under the rules of the real catalog.

use std::path::{Path, PathBuf};

/// The repository's root folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Writes into `dir` a copy of `bigdata/topics.yaml` in which each `(catalog topic, new
/// name)` of `renames` is renamed, with the JSON Schemas and Avro mirrors copied beside it
/// at the same relative paths. Returns the copy's path. Panics (failing the test) when a
/// topic to rename is not in the catalog or a file cannot be copied.
pub fn scratch_catalog(dir: &Path, renames: &[(&str, &str)]) -> PathBuf {
    for sub in ["bigdata/schemas", "schemas/events"] {
        copy_repo_folder(sub, dir);
    }

    let path = repo_root().join("bigdata/topics.yaml");
    let mut text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    for (template, topic) in renames {
        let from = format!("name: {template}\n");
        assert!(text.contains(&from), "the catalog has no topic {template}");
        text = text.replacen(&from, &format!("name: {topic}\n"), 1);
    }

    let copy = dir.join("bigdata/topics.yaml");
    std::fs::write(&copy, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", copy.display()));
    copy
}

/// Copies the files of the repository's folder `sub` (not its subfolders) to the same
/// relative path under `dir`. Panics (failing the test) when a file cannot be copied.
pub fn copy_repo_folder(sub: &str, dir: &Path) {
    let (from, to) = (repo_root().join(sub), dir.join(sub));
    let fail = |e: std::io::Error| -> ! { panic!("cannot copy {}: {e}", from.display()) };

    std::fs::create_dir_all(&to).unwrap_or_else(|e| fail(e));
    for entry in std::fs::read_dir(&from).unwrap_or_else(|e| fail(e)) {
        let source = entry.unwrap_or_else(|e| fail(e)).path();
        let name = source.file_name().unwrap_or_default();
        std::fs::copy(&source, to.join(name)).unwrap_or_else(|e| fail(e));
    }
}
