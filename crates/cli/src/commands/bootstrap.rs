//! `aion-events bootstrap`: reconcile a Kafka cluster and a schema registry
//! with the catalog for one environment. Prints the plan, then applies it
//! unless `--plan` is given. Exit codes: 0 done or nothing to do, 1 refused
//! or failed midway (the message says what was and was not applied), 2 the
//! command could not run (settings, catalog, unreachable services).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aion_bootstrap::{BootstrapError, DesiredState, Passwords, PlanOptions};
use aion_catalog::Catalog;
use anyhow::Context;
use clap::Args;

use crate::Outcome;

#[derive(Debug, Args)]
pub struct BootstrapArgs {
    /// The environment whose settings (retention) apply, as the catalog
    /// names it (e.g. dev, prod).
    #[arg(long)]
    env: String,

    /// Print the plan and change nothing.
    #[arg(long)]
    plan: bool,

    /// Delete ACLs of catalog accounts that the catalog does not generate.
    #[arg(long)]
    prune: bool,

    /// YAML map of service account to password (keep it out of version
    /// control; `chmod 600`). `AION_SA_<ACCOUNT>_PASSWORD` wins over it.
    #[arg(long, value_name = "FILE")]
    secrets: Option<PathBuf>,

    /// Replace the credentials of users that already exist.
    #[arg(long)]
    rotate_passwords: bool,

    /// Kafka client settings (YAML); default: the `AION_KAFKA_*` variables.
    #[arg(long, value_name = "FILE")]
    kafka_config: Option<PathBuf>,

    /// Registry settings (`url`, `basic.auth.user.info`); default:
    /// `AION_REGISTRY_URL` and `AION_REGISTRY_BASIC_AUTH`.
    #[arg(long, value_name = "FILE")]
    registry_config: Option<PathBuf>,

    /// How long reaching each service, and each request, may take.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    timeout: Duration,
}

pub fn run(catalog_path: &Path, args: BootstrapArgs) -> anyhow::Result<Outcome> {
    init_logging();

    let catalog = Catalog::load(catalog_path)?;
    let desired = DesiredState::from_catalog(&catalog, &args.env)?;
    let passwords = Passwords::load(&desired.users, args.secrets.as_deref())?;
    let kafka = aion_bootstrap::kafka_settings(args.kafka_config.as_deref())?;
    let registry = aion_bootstrap::registry_settings(args.registry_config.as_deref())?;
    let options = PlanOptions {
        prune: args.prune,
        rotate_passwords: args.rotate_passwords,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;

    runtime.block_on(async {
        let connections = aion_bootstrap::connect(&kafka, registry, args.timeout).await?;
        let plan = aion_bootstrap::plan(
            &desired,
            &connections.cluster,
            &connections.registry,
            &passwords,
            options,
        )
        .await?;
        // A closed pipe (`| head`) must not abort the run halfway.
        let _ = write!(std::io::stdout().lock(), "{plan}");

        if plan.is_refused() {
            eprintln!("error: the plan cannot be applied; nothing was changed");
            return Ok(Outcome::Findings);
        }
        if args.plan {
            return Ok(Outcome::Clean);
        }
        if plan.is_empty() {
            println!("Nothing to do.");
            return Ok(Outcome::Clean);
        }

        match aion_bootstrap::apply(
            &plan,
            &connections.cluster,
            &connections.registry,
            &passwords,
        )
        .await
        {
            Ok(report) => {
                println!("Applied {} change(s).", report.applied.len());
                Ok(Outcome::Clean)
            }
            Err(e @ (BootstrapError::Apply { .. } | BootstrapError::Refuse { .. })) => {
                eprintln!("error: {e}");
                Ok(Outcome::Findings)
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// Logs to stderr; `RUST_LOG` refines the default of warnings.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
