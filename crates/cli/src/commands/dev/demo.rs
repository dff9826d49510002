//! The steps of a dev session that talk to the running services: bootstrapping the
//! catalog with passwords made for the session, publishing sample events, and sending
//! one signed command through the gateway.

use std::path::Path;
use std::time::{Duration, Instant};

use aion_bootstrap::{DesiredState, Passwords, PlanOptions};
use aion_catalog::Catalog;
use aion_kafka::{KafkaConfig, Secret, Security};
use aion_publisher::{Publisher, PublisherOptions};
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use aion_signature::Signer;
use anyhow::{Context, bail};
use serde_json::{Value, json};

/// How long the cluster may take to show every change of the bootstrap.
const SETTLE_WITHIN: Duration = Duration::from_secs(60);

/// The environment of the catalog a dev session bootstraps.
const ENVIRONMENT: &str = "dev";

/// Reconciles the cluster and the registry with the catalog's dev environment,
/// creating each service account with a password from `passwords`, then waits until
/// the broker shows every change (SCRAM and ACL changes become visible eventually).
/// The plan goes to `log`; the screen gets a count.
pub async fn bootstrap(
    catalog: &Catalog,
    admin: &KafkaConfig,
    registry: RegistryClientConfig,
    passwords: &Passwords,
    log: &Path,
) -> anyhow::Result<usize> {
    let desired = DesiredState::from_catalog(catalog, ENVIRONMENT)?;
    let connections = aion_bootstrap::connect(admin, registry, Duration::from_secs(30)).await?;
    let options = PlanOptions {
        prune: false,
        rotate_passwords: false,
    };

    let plan = aion_bootstrap::plan(
        &desired,
        &connections.cluster,
        &connections.registry,
        passwords,
        options,
    )
    .await?;
    std::fs::write(log, plan.to_string())
        .with_context(|| format!("cannot write {}", log.display()))?;
    if plan.is_refused() {
        bail!("the bootstrap plan was refused; see {}", log.display());
    }
    let report = aion_bootstrap::apply(
        &plan,
        &connections.cluster,
        &connections.registry,
        passwords,
    )
    .await?;

    // Planning again shows what the broker sees now; nothing left to do means every
    // topic, user and ACL is in place.
    let started = Instant::now();
    loop {
        let again = aion_bootstrap::plan(
            &desired,
            &connections.cluster,
            &connections.registry,
            passwords,
            options,
        )
        .await?;
        if again.is_empty() {
            break;
        }
        if started.elapsed() > SETTLE_WITHIN {
            bail!("the cluster did not show the bootstrap's changes within {SETTLE_WITHIN:?}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(report.applied.len())
}

/// The connection of service account `account`, with its session password.
pub fn account(
    admin: &KafkaConfig,
    account: &str,
    passwords: &Passwords,
) -> anyhow::Result<KafkaConfig> {
    let password = passwords
        .get(account)
        .with_context(|| format!("no session password for service account {account}"))?;
    let security = Security::SaslScram {
        mechanism: Default::default(),
        username: account.to_owned(),
        password: password.clone(),
        tls: false,
        ca_file: None,
    };

    Ok(KafkaConfig::new(&admin.bootstrap_servers, security)
        .with_client_id(format!("aion-dev-{account}")))
}

/// A password for every service account of the catalog, random for this session.
pub fn session_passwords(catalog: &Catalog) -> anyhow::Result<Passwords> {
    let desired = DesiredState::from_catalog(catalog, ENVIRONMENT)?;

    Ok(desired
        .users
        .iter()
        .fold(Passwords::none(), |passwords, user| {
            passwords.with(user.clone(), Secret::new(super::random_token()))
        }))
}

/// Publishes the first valid fixture event of every catalog topic as `kafka`, printing
/// where each landed.
pub async fn publish_samples(
    catalog: &Catalog,
    root: &Path,
    kafka: &KafkaConfig,
    registry: RegistryClient,
) -> anyhow::Result<usize> {
    let publisher = Publisher::new(catalog, kafka, registry, PublisherOptions::default())?;
    let mut published = 0;

    for topic in catalog.topics() {
        let fixtures = root
            .join("schemas/fixtures")
            .join(&topic.name)
            .join("valid.jsonl");
        let Ok(text) = std::fs::read_to_string(&fixtures) else {
            continue;
        };
        let Some(event) = text
            .lines()
            .find_map(|l| serde_json::from_str::<Value>(l).ok())
        else {
            continue;
        };
        let event_type = event["event_type"].as_str().unwrap_or("?").to_owned();

        let delivered = publisher
            .publish(&topic.name, event)
            .await
            .with_context(|| format!("cannot publish the sample event of {}", topic.name))?;
        println!(
            "published  {event_type:<28} to   {:<24} partition {} offset {}",
            topic.name, delivered.partition, delivered.offset
        );
        published += 1;
    }

    publisher.flush(Duration::from_secs(10))?;
    Ok(published)
}

/// What a caller of the gateway holds: its id, its HMAC secret and an API key.
#[derive(Clone)]
pub struct Caller {
    /// The id sent in `X-Aion-Caller`.
    pub id: String,
    /// The secret requests are signed with.
    pub hmac_secret: String,
    /// The API key sent in `X-Api-Key`.
    pub api_key: String,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Sends a signed `approve_kernel_proposal` command to the gateway and returns its
/// `command_id`.
pub async fn send_command(gateway: &str, caller: &Caller) -> anyhow::Result<String> {
    let body = json!({
        "action": "approve_kernel_proposal",
        "payload": {
            "proposal_id": "kp-2026-0147",
            "reason": "dev session: benchmarks pass",
            "rollout": "canary"
        }
    })
    .to_string();
    let signature = Signer::new([caller.hmac_secret.as_bytes()]).sign(body.as_bytes());

    let response = reqwest::Client::new()
        .post(format!("{gateway}/webhooks/inbound"))
        .header("content-type", "application/json")
        .header("x-aion-caller", &caller.id)
        .header("x-aion-signature", signature)
        .header("x-api-key", &caller.api_key)
        .header("idempotency-key", format!("dev-{}", super::random_token()))
        .header("x-request-id", "dev-session")
        .body(body)
        .send()
        .await
        .context("cannot reach the gateway")?;

    let status = response.status();
    let answer: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("the gateway refused the command: {status} {answer}");
    }
    let command_id = answer["command_id"].as_str().unwrap_or_default().to_owned();

    println!(
        "command    approve_kernel_proposal sent to the gateway: {status}, command_id {command_id}"
    );
    Ok(command_id)
}
