//! `aion-events catalog`: load and check `topics.yaml`, and show what it defines.

use std::path::Path;

use aion_catalog::Catalog;
use clap::Subcommand;

use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Check the catalog and every schema it names; print one line per topic.
    Check,
}

pub fn run(path: &Path, command: CatalogCommand) -> anyhow::Result<Outcome> {
    match command {
        CatalogCommand::Check => check(path),
    }
}

fn check(path: &Path) -> anyhow::Result<Outcome> {
    let catalog = Catalog::load(path)?;

    for topic in catalog.topics() {
        let retention: Vec<String> = topic
            .retention
            .iter()
            .map(|(env, d)| format!("{env} {}", humantime::format_duration(*d)))
            .collect();
        println!(
            "{:<24} key {:<10} {:>3} partitions  retention {}  schema {}",
            topic.name,
            topic.key_field,
            topic.partitions,
            retention.join(", "),
            catalog.display_path(&topic.schema_path).display(),
        );
    }

    for topic in catalog.internal_topics() {
        println!(
            "{:<24} internal   {:>3} partitions  producers {}",
            topic.name,
            topic.partitions,
            topic.producers.join(", ")
        );
    }

    println!(
        "catalog {} is valid: {} topics, {} internal topics, {} service accounts",
        path.display(),
        catalog.topics().len(),
        catalog.internal_topics().len(),
        catalog.service_accounts.len()
    );
    Ok(Outcome::Clean)
}
