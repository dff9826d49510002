//! `aion-events schemas`: generate the Avro mirrors, or check that the committed ones are
//! exactly what the JSON Schemas generate.

use std::path::Path;

use aion_catalog::Catalog;
use aion_catalog::mirror::{self, MirrorState};
use clap::Subcommand;

use crate::Outcome;

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Write every Avro mirror that differs from what its JSON Schema generates.
    Generate,
    /// Fail, naming each file, when a committed mirror differs from what would be generated.
    Check,
}

pub fn run(path: &Path, command: SchemasCommand) -> anyhow::Result<Outcome> {
    let catalog = Catalog::load(path)?;
    match command {
        SchemasCommand::Generate => generate(&catalog),
        SchemasCommand::Check => check(&catalog),
    }
}

fn generate(catalog: &Catalog) -> anyhow::Result<Outcome> {
    let written = mirror::write_all(catalog)?;
    for path in &written {
        println!("wrote {}", catalog.display_path(path).display());
    }

    let unchanged = catalog.topics().len() - written.len();
    println!("{} written, {unchanged} already up to date", written.len());
    Ok(Outcome::Clean)
}

fn check(catalog: &Catalog) -> anyhow::Result<Outcome> {
    let checks = mirror::check_all(catalog)?;
    let mut stale = 0;
    for check in &checks {
        let path = catalog.display_path(&check.path).display();
        match check.state {
            MirrorState::UpToDate => println!("ok       {path}"),
            MirrorState::Drifted => {
                stale += 1;
                println!(
                    "drifted  {path} (differs from what {} generates)",
                    check.topic
                );
            }
            MirrorState::Missing => {
                stale += 1;
                println!("missing  {path} (mirror of {})", check.topic);
            }
        }
    }

    if stale == 0 {
        println!("all {} Avro mirrors are up to date", checks.len());
        Ok(Outcome::Clean)
    } else {
        println!("{stale} Avro mirror(s) out of date; run `aion-events schemas generate`");
        Ok(Outcome::Findings)
    }
}
