//! `aion-events publish`: validate events and publish them to a catalog topic through the
//! validating publisher, all or nothing: one invalid event and nothing is sent.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aion_catalog::Catalog;
use aion_catalog::input::read_events;
use aion_publisher::{PublishError, Publisher, PublisherOptions};
use anyhow::Context;
use clap::Args;

use crate::Outcome;
use crate::commands::connection::{ConnectionArgs, runtime};

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Catalog topic to publish to.
    #[arg(long)]
    topic: String,

    /// A JSON document (one event or an array of events) or JSON Lines; `-` reads stdin.
    #[arg(default_value = "-")]
    input: PathBuf,

    /// Register the topic's Avro mirror when the registry does not hold it yet.
    #[arg(long)]
    auto_register: bool,

    #[command(flatten)]
    connection: ConnectionArgs,
}

/// How long a bulk load waits for room in the producer's queue: a loader should slow
/// down, not give up, when Kafka is briefly behind.
const QUEUE_WAIT: Duration = Duration::from_secs(120);

pub fn run(catalog_path: &Path, args: PublishArgs) -> anyhow::Result<Outcome> {
    let catalog = Catalog::load(catalog_path)?;
    catalog.require_topic(&args.topic)?;
    let text = read_input(&args.input)?;
    let inputs = read_events(&text);
    if inputs.is_empty() {
        anyhow::bail!("no events in {}", args.input.display());
    }

    let kafka = args.connection.kafka()?;
    let registry = args.connection.registry()?;
    let options = PublisherOptions {
        auto_register: args.auto_register,
        queue_wait: QUEUE_WAIT,
    };
    // librdkafka's clients start their background work on the runtime they are built in.
    let runtime = runtime()?;
    let _entered = runtime.enter();
    let publisher = Publisher::new(&catalog, &kafka, registry, options)?;

    // Lines that are not JSON are rejections too; the rest is checked so that every
    // problem of the input is reported in one run.
    let mut problems: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut lines = Vec::new();
    let mut events = Vec::new();
    for input in inputs {
        match input.event {
            Ok(event) => {
                lines.push(input.line);
                events.push(event);
            }
            Err(reason) => problems.entry(input.line).or_default().push(reason),
        }
    }

    let total = lines.len() + problems.len();
    runtime.block_on(async {
        let outcome = if problems.is_empty() {
            publisher.publish_batch(&args.topic, events).await
        } else {
            publisher
                .check_batch(&args.topic, events)
                .await
                .map(|()| Vec::new())
        };

        match outcome {
            Err(PublishError::ValidateEvents { rejections, .. }) => {
                for rejection in rejections {
                    let line = lines.get(rejection.index).copied().unwrap_or_default();
                    let entry = problems.entry(line).or_default();
                    entry.extend(rejection.violations.iter().map(ToString::to_string));
                }
                report_rejections(&args.topic, total, &problems);
                Ok(Outcome::Findings)
            }
            Err(other) => Err(other.into()),
            Ok(_) if !problems.is_empty() => {
                report_rejections(&args.topic, total, &problems);
                Ok(Outcome::Findings)
            }
            Ok(deliveries) => {
                let mut failed = 0;
                for (line, outcome) in lines.iter().zip(&deliveries) {
                    if let Err(e) = outcome {
                        failed += 1;
                        println!("line {line}: not sent: {e}");
                    }
                }
                println!(
                    "{}: {total} event(s): sent {}, rejected 0, failed {failed}",
                    args.topic,
                    total - failed
                );
                Ok(if failed == 0 {
                    Outcome::Clean
                } else {
                    Outcome::Findings
                })
            }
        }
    })
}

fn report_rejections(topic: &str, total: usize, problems: &BTreeMap<usize, Vec<String>>) {
    for (line, reasons) in problems {
        println!("line {line}: rejected ({} problem(s))", reasons.len());
        for reason in reasons {
            println!("  {reason}");
        }
    }

    println!(
        "{topic}: {total} event(s): sent 0, rejected {}, failed 0 (nothing sent: the input \
         has invalid events)",
        problems.len()
    );
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
