//! Shared helpers for the catalog's tests: where the repository's catalog is, and a
//! scratch copy of it that a test may break.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use aion_catalog::Catalog;

/// The repository root, two levels above this crate.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The repository's catalog, loaded.
pub fn catalog() -> Catalog {
    Catalog::load(repo_root().join("bigdata/topics.yaml")).unwrap()
}

/// A scratch copy of the catalog, its schemas and mirrors, laid out as in the repository.
#[derive(Debug)]
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn copy_of_repo() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let root = repo_root();
        for sub in ["bigdata", "schemas/events", "bigdata/schemas"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }

        std::fs::copy(
            root.join("bigdata/topics.yaml"),
            dir.path().join("bigdata/topics.yaml"),
        )
        .unwrap();
        for sub in ["schemas/events", "bigdata/schemas"] {
            for entry in std::fs::read_dir(root.join(sub)).unwrap() {
                let path = entry.unwrap().path();
                std::fs::copy(&path, dir.path().join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
        Scratch { dir }
    }

    pub fn catalog_path(&self) -> PathBuf {
        self.dir.path().join("bigdata/topics.yaml")
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Replace the first occurrence of `from` in a file of the copy; panics if absent, so
    /// a test never silently edits nothing.
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let path = self.path(relative);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{relative} does not contain {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
}
