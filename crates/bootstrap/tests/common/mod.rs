//! Shared set-up for the bootstrap tests: a copy of the real catalog whose
//! topics and service accounts carry a name of the test's own, a registry
//! instance on port 0 over a schemas topic of its own, and passwords for
//! every account.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aion_bootstrap::{DesiredState, Passwords, Plan, PlanOptions};
use aion_catalog::Catalog;
use aion_kafka::{KafkaAdmin, Secret};
use aion_registry_client::{RegistryClient, RegistryClientConfig};
use aion_testkit::{TestRegistry, broker, random_password, unique_name};

/// The accounts of `bigdata/topics.yaml`.
pub const ACCOUNTS: [&str; 5] = [
    "control-plane",
    "gateway",
    "webhook-dispatcher",
    "metrics",
    "spark",
];

/// The topics of `bigdata/topics.yaml`, without the `aion.` prefix.
pub const TOPICS: [&str; 4] = [
    "router.decisions",
    "tasks.lifecycle",
    "metrics.runtime",
    "audit.activity",
];

/// The repository root, where the real catalog and schemas live.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A private copy of the catalog and what a run needs around it.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub catalog_path: PathBuf,
    /// Prefix of this fixture's topic and account names.
    pub tag: String,
    pub passwords: Passwords,
    pub secrets: BTreeMap<String, Secret>,
    pub registry: RegistryClient,
    pub registry_url: String,
    _registry: TestRegistry,
}

impl Fixture {
    /// A fresh fixture with its own registry.
    pub async fn new() -> Fixture {
        let tag = unique_name("bt");
        let dir = tempfile::tempdir().unwrap();
        let catalog_path = dir.path().join("topics.yaml");
        std::fs::write(&catalog_path, catalog_text(&tag, &BTreeMap::new())).unwrap();

        let secrets: BTreeMap<String, Secret> = ACCOUNTS
            .iter()
            .map(|a| (format!("{tag}-{a}"), random_password()))
            .collect();
        let passwords = secrets
            .iter()
            .fold(Passwords::none(), |p, (a, s)| p.with(a, s.clone()));

        // A registry as a service account of its own, over a schemas topic of its own.
        let account = broker().await.registry_account("bt").await.unwrap();
        let running = TestRegistry::start(account.registry_config()).await;
        let registry_url = running.url.clone();
        let registry =
            RegistryClient::new(RegistryClientConfig::new(registry_url.as_str()).unwrap()).unwrap();

        Fixture {
            dir,
            catalog_path,
            tag,
            passwords,
            secrets,
            registry,
            registry_url,
            _registry: running,
        }
    }

    /// The fixture's name of a catalog topic (`router.decisions`).
    pub fn topic(&self, short: &str) -> String {
        format!("{}.{short}", self.tag)
    }

    /// The fixture's name of a catalog account (`spark`).
    pub fn account(&self, short: &str) -> String {
        format!("{}-{short}", self.tag)
    }

    /// The password given to an account.
    pub fn password(&self, short: &str) -> Secret {
        self.secrets[&self.account(short)].clone()
    }

    /// Rewrites the catalog, replacing lines as `replace` says (whole
    /// trimmed line -> new line) on top of the renaming.
    pub fn rewrite_catalog(&self, replace: &BTreeMap<String, String>) {
        std::fs::write(&self.catalog_path, catalog_text(&self.tag, replace)).unwrap();
    }

    /// The desired state of `env` from the fixture's catalog.
    pub fn desired(&self, env: &str) -> DesiredState {
        let catalog = Catalog::load(&self.catalog_path).unwrap();
        DesiredState::from_catalog(&catalog, env).unwrap()
    }

    /// The admin connection of the shared broker.
    pub async fn admin(&self) -> &'static KafkaAdmin {
        broker().await.admin()
    }

    /// Plans `env` with the given options.
    pub async fn plan_with(&self, env: &str, options: PlanOptions) -> Plan {
        aion_bootstrap::plan(
            &self.desired(env),
            self.admin().await,
            &self.registry,
            &self.passwords,
            options,
        )
        .await
        .unwrap()
    }

    /// Plans `env` with default options.
    pub async fn plan(&self, env: &str) -> Plan {
        self.plan_with(env, PlanOptions::default()).await
    }

    /// Plans and applies `env`, returning the plan that was applied.
    pub async fn bootstrap(&self, env: &str) -> Plan {
        let plan = self.plan(env).await;
        assert!(!plan.is_refused(), "{plan}");
        aion_bootstrap::apply(&plan, self.admin().await, &self.registry, &self.passwords)
            .await
            .unwrap();
        plan
    }
}

/// The real catalog with topics `aion.X` renamed `<tag>.X`, accounts `A`
/// renamed `<tag>-A`, the root made absolute, and any line of `replace`
/// (matched trimmed) substituted.
fn catalog_text(tag: &str, replace: &BTreeMap<String, String>) -> String {
    let original = std::fs::read_to_string(repo_root().join("bigdata/topics.yaml")).unwrap();
    let rename_list = |list: &str| -> String {
        list.split(',')
            .map(|a| format!("{tag}-{}", a.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };

    let mut out = String::new();
    for line in original.lines() {
        let trimmed = line.trim();
        let indent = &line[..line.len() - line.trim_start().len()];
        let rewritten = if let Some(new) = replace.get(trimmed) {
            format!("{indent}{new}")
        } else if trimmed.starts_with("root:") {
            format!("root: {}", repo_root().display())
        } else if let Some(name) = trimmed.strip_prefix("- name: aion.") {
            format!("{indent}- name: {tag}.{name}")
        } else if let Some((key, list)) = trimmed
            .strip_prefix("producers: [")
            .map(|l| ("producers", l))
            .or_else(|| {
                trimmed
                    .strip_prefix("consumers: [")
                    .map(|l| ("consumers", l))
            })
        {
            format!(
                "{indent}{key}: [{}]",
                rename_list(list.trim_end_matches(']'))
            )
        } else if indent == "  " && ACCOUNTS.iter().any(|a| trimmed == format!("{a}:")) {
            format!("  {tag}-{trimmed}")
        } else {
            line.to_owned()
        };
        out.push_str(&rewritten);
        out.push('\n');
    }
    out
}
