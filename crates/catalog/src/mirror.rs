//! Avro mirrors of the catalog's JSON Schemas: generating them, and finding committed ones
//! that no longer match what would be generated.

use std::path::PathBuf;

use crate::{Catalog, CatalogError, Topic};

/// How a committed mirror compares with the one the schema generates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorState {
    /// Byte for byte what would be generated.
    UpToDate,
    /// The file is missing.
    Missing,
    /// The file differs from what would be generated.
    Drifted,
}

/// The result of checking one topic's mirror.
#[derive(Debug, Clone)]
pub struct MirrorCheck {
    pub topic: String,
    pub path: PathBuf,
    pub state: MirrorState,
}

/// The Avro schema text generated from a topic's JSON Schema.
pub fn generate(catalog: &Catalog, topic: &Topic) -> Result<String, CatalogError> {
    aion_avro::generate_mirror(&topic.schema, &catalog.avro_namespace).map_err(|cause| {
        CatalogError::GenerateMirror {
            path: topic.schema_path.clone(),
            cause,
        }
    })
}

/// Generate every mirror and write the ones that changed; returns the paths written.
pub fn write_all(catalog: &Catalog) -> Result<Vec<PathBuf>, CatalogError> {
    // Generate all first, so a schema that cannot be mirrored leaves every file untouched.
    let generated: Vec<(&Topic, String)> = catalog
        .topics()
        .iter()
        .map(|t| generate(catalog, t).map(|text| (t, text)))
        .collect::<Result<_, _>>()?;

    let mut written = Vec::new();
    for (topic, text) in generated {
        let path = &topic.avro_mirror_path;
        if std::fs::read_to_string(path).ok().as_deref() == Some(text.as_str()) {
            continue;
        }

        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|cause| CatalogError::WriteFile {
                path: parent.to_path_buf(),
                cause,
            })?;
        }
        std::fs::write(path, &text).map_err(|cause| CatalogError::WriteFile {
            path: path.clone(),
            cause,
        })?;
        written.push(path.clone());
    }
    Ok(written)
}

/// Compare every committed mirror with what its schema generates.
pub fn check_all(catalog: &Catalog) -> Result<Vec<MirrorCheck>, CatalogError> {
    catalog
        .topics()
        .iter()
        .map(|topic| {
            let expected = generate(catalog, topic)?;
            let state = match std::fs::read_to_string(&topic.avro_mirror_path) {
                Ok(actual) if actual == expected => MirrorState::UpToDate,
                Ok(_) => MirrorState::Drifted,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => MirrorState::Missing,
                Err(cause) => {
                    return Err(CatalogError::ReadFile {
                        path: topic.avro_mirror_path.clone(),
                        cause,
                    });
                }
            };

            Ok(MirrorCheck {
                topic: topic.name.clone(),
                path: topic.avro_mirror_path.clone(),
                state,
            })
        })
        .collect()
}
