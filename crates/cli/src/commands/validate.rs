//! `aion-events validate`: check events against a topic's schema and print every violation
//! of every bad event with its JSON pointer.

use std::io::Read;
use std::path::{Path, PathBuf};

use aion_catalog::input::read_events;
use aion_catalog::{Catalog, EventValidator};
use anyhow::Context;
use clap::Args;

use crate::Outcome;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Catalog topic whose schema the events must satisfy.
    #[arg(long)]
    topic: String,

    /// A JSON document (one event or an array of events) or JSON Lines; `-` reads stdin.
    #[arg(default_value = "-")]
    input: PathBuf,

    /// Print nothing for valid events and no summary; only the violations.
    #[arg(long, short)]
    quiet: bool,
}

pub fn run(catalog_path: &Path, args: ValidateArgs) -> anyhow::Result<Outcome> {
    let catalog = Catalog::load(catalog_path)?;
    let topic = catalog.require_topic(&args.topic)?;
    let validator = EventValidator::new(topic)?;
    let text = read_input(&args.input)?;

    let events = read_events(&text);
    let mut invalid = 0;
    for input in &events {
        let problems: Vec<String> = match &input.event {
            Err(reason) => vec![reason.clone()],
            Ok(event) => match validator.validate(event) {
                Ok(()) => Vec::new(),
                Err(violations) => violations.iter().map(ToString::to_string).collect(),
            },
        };

        if problems.is_empty() {
            continue;
        }
        invalid += 1;
        println!(
            "line {}: invalid ({} problem(s))",
            input.line,
            problems.len()
        );
        for problem in problems {
            println!("  {problem}");
        }
    }

    if !args.quiet {
        eprintln!(
            "{}: {} event(s), {} valid, {invalid} invalid",
            args.topic,
            events.len(),
            events.len() - invalid
        );
    }

    if events.is_empty() {
        anyhow::bail!("no events in {}", args.input.display());
    }
    Ok(if invalid == 0 {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read events from stdin")?;
        return Ok(text);
    }

    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}
