//! `aion-events tail`: consume a topic and print each record as one line of JSON,
//! resolving writer schemas through the registry. A record that cannot be decoded is
//! reported with its partition and offset, and the tail goes on.

use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aion_publisher::SchemaDecoder;
use anyhow::Context;
use clap::Args;
use rdkafka::Message;
use rdkafka::consumer::Consumer;

use crate::Outcome;
use crate::commands::connection::{ConnectionArgs, runtime};

#[derive(Debug, Args)]
pub struct TailArgs {
    /// Topic to read.
    #[arg(long)]
    topic: String,

    /// Start at the earliest retained record instead of only new ones.
    #[arg(long)]
    from_beginning: bool,

    /// Stop after this many records.
    #[arg(long, value_name = "N")]
    max: Option<u64>,

    /// Stop when no record arrives for this long (e.g. `10s`); runs until interrupted
    /// otherwise.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    idle_timeout: Option<Duration>,

    /// Consumer group to read as (it needs Read on the group under ACLs); a fresh
    /// `aion-events-tail-…` group by default, so no offsets are shared or committed.
    #[arg(long)]
    group: Option<String>,

    #[command(flatten)]
    connection: ConnectionArgs,
}

pub fn run(args: TailArgs) -> anyhow::Result<Outcome> {
    let mut kafka = args.connection.kafka()?;
    let reset = if args.from_beginning {
        "earliest"
    } else {
        "latest"
    };
    kafka
        .properties
        .insert("auto.offset.reset".to_owned(), reset.to_owned());

    // librdkafka's clients start their background work on the runtime they are built in.
    let runtime = runtime()?;
    let _entered = runtime.enter();
    let group = args.group.clone().unwrap_or_else(fresh_group);
    let consumer = kafka.consumer(&group)?;
    consumer
        .subscribe(&[args.topic.as_str()])
        .with_context(|| format!("cannot subscribe to {}", args.topic))?;
    let decoder = SchemaDecoder::new(args.connection.registry()?);

    runtime.block_on(async {
        let mut seen = 0u64;
        let mut undecodable = 0u64;
        let mut stdout = std::io::stdout().lock();

        while args.max.is_none_or(|max| seen < max) {
            let next = consumer.recv();
            let message = match args.idle_timeout {
                Some(idle) => match tokio::time::timeout(idle, next).await {
                    Ok(message) => message,
                    Err(_) => break,
                },
                None => tokio::select! {
                    message = next => message,
                    _ = tokio::signal::ctrl_c() => break,
                },
            };
            let message = message.with_context(|| format!("cannot consume {}", args.topic))?;
            seen += 1;

            let place = format!(
                "{} partition {} offset {}",
                message.topic(),
                message.partition(),
                message.offset()
            );
            let decoded = match message.payload() {
                Some(bytes) => decoder.decode(bytes).await.map_err(|e| e.to_string()),
                None => Err("the record has no value".to_owned()),
            };

            match decoded {
                Ok(event) => writeln!(stdout, "{event}").context("cannot write to stdout")?,
                Err(reason) => {
                    undecodable += 1;
                    eprintln!("error: {place}: {reason}");
                }
            }
        }

        stdout.flush().context("cannot write to stdout")?;
        Ok(if undecodable == 0 {
            Outcome::Clean
        } else {
            Outcome::Findings
        })
    })
}

fn fresh_group() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("aion-events-tail-{}-{nanos:x}", std::process::id())
}
