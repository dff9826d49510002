//! Service-account passwords: from `AION_SA_<ACCOUNT>_PASSWORD` or from a
//! secrets file (a YAML map of account to password). The file must never be
//! committed; one that everyone on the machine can read is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aion_kafka::Secret;

use crate::error::{BootstrapError, Result};

/// The passwords available to a run, and where each would come from.
#[derive(Clone, Debug, Default)]
pub struct Passwords {
    from_env: BTreeMap<String, Secret>,
    from_file: BTreeMap<String, Secret>,
    file: Option<PathBuf>,
}

/// The environment variable holding an account's password:
/// `AION_SA_<ACCOUNT>_PASSWORD`, upper-case, `-` and `.` as `_`.
pub fn password_var(account: &str) -> String {
    let name: String = account
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    format!("AION_SA_{name}_PASSWORD")
}

impl Passwords {
    /// No passwords at all.
    pub fn none() -> Self {
        Self::default()
    }

    /// Passwords of `accounts` from the process environment and, when given,
    /// the secrets file. The environment wins over the file.
    pub fn load(accounts: &[String], secrets_file: Option<&Path>) -> Result<Self> {
        Self::load_with(accounts, secrets_file, |name| std::env::var(name).ok())
    }

    /// As [`Passwords::load`], with variables looked up by `lookup`.
    pub fn load_with(
        accounts: &[String],
        secrets_file: Option<&Path>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let from_env = accounts
            .iter()
            .filter_map(|account| {
                lookup(&password_var(account))
                    .filter(|v| !v.is_empty())
                    .map(|v| (account.clone(), Secret::new(v)))
            })
            .collect();

        let from_file = match secrets_file {
            Some(path) => read_secrets_file(path)?,
            None => BTreeMap::new(),
        };

        Ok(Passwords {
            from_env,
            from_file,
            file: secrets_file.map(Path::to_owned),
        })
    }

    /// Adds a password directly (tests and embedding programs).
    pub fn with(mut self, account: impl Into<String>, password: Secret) -> Self {
        self.from_env.insert(account.into(), password);
        self
    }

    /// The password of `account`, if one was supplied.
    pub fn get(&self, account: &str) -> Option<&Secret> {
        self.from_env
            .get(account)
            .or_else(|| self.from_file.get(account))
    }

    /// Where a password for `account` is looked for, for messages.
    pub fn sources(&self, account: &str) -> String {
        match &self.file {
            Some(file) => format!("{} or {}", password_var(account), file.display()),
            None => format!("{} (or a --secrets file)", password_var(account)),
        }
    }
}

fn read_secrets_file(path: &Path) -> Result<BTreeMap<String, Secret>> {
    let fail = |reason: String| BootstrapError::ReadSecrets {
        path: path.to_owned(),
        reason,
    };

    check_permissions(path).map_err(fail)?;
    let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;

    // The parser's message may quote the offending line, which may hold a
    // password: report only where it is.
    let map: BTreeMap<String, String> = serde_saphyr::from_str(&text).map_err(|e| {
        let text = e.to_string();
        let position = text
            .find("line ")
            .map(|at| text[at..].split([':', '\n']).next().unwrap_or(""))
            .unwrap_or("");
        fail(format!(
            "not a YAML map of service account to password {position}"
        ))
    })?;

    if let Some((account, _)) = map.iter().find(|(_, password)| password.is_empty()) {
        return Err(fail(format!("the password of {account} is empty")));
    }
    Ok(map.into_iter().map(|(k, v)| (k, Secret::new(v))).collect())
}

#[cfg(unix)]
fn check_permissions(path: &Path) -> std::result::Result<(), String> {
    use std::os::unix::fs::PermissionsExt;

    let mode = std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .permissions()
        .mode();
    if mode & 0o004 != 0 {
        return Err(format!(
            "readable by every user of the machine (mode {:o}); `chmod 600` it",
            mode & 0o777
        ));
    }
    if mode & 0o040 != 0 {
        tracing::warn!(
            path = %path.display(),
            "the secrets file is readable by its group; `chmod 600` keeps it to its owner"
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_permissions(_path: &Path) -> std::result::Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let path = dir.join("secrets.yaml");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn variable_names_follow_the_account() {
        assert_eq!(
            password_var("webhook-dispatcher"),
            "AION_SA_WEBHOOK_DISPATCHER_PASSWORD"
        );
        assert_eq!(password_var("spark"), "AION_SA_SPARK_PASSWORD");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "spark: from-file\nmetrics: file-only\n", 0o600);
        let accounts = vec![
            "spark".to_owned(),
            "metrics".to_owned(),
            "gateway".to_owned(),
        ];

        let passwords = Passwords::load_with(&accounts, Some(&file), |name| {
            (name == "AION_SA_SPARK_PASSWORD").then(|| "from-env".to_owned())
        })
        .unwrap();

        assert_eq!(passwords.get("spark").unwrap().expose(), "from-env");
        assert_eq!(passwords.get("metrics").unwrap().expose(), "file-only");
        assert!(passwords.get("gateway").is_none());
        assert!(
            passwords
                .sources("gateway")
                .contains("AION_SA_GATEWAY_PASSWORD")
        );
    }

    #[test]
    fn a_world_readable_or_malformed_file_is_refused_without_echoing_it() {
        let dir = tempfile::tempdir().unwrap();
        let open = write(dir.path(), "spark: hunter2hunter2\n", 0o644);
        let error = Passwords::load_with(&[], Some(&open), |_| None).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");

        let broken = write(dir.path(), "- hunter2hunter2\n", 0o600);
        let error = Passwords::load_with(&[], Some(&broken), |_| None).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("secrets.yaml"), "{text}");
        assert!(!text.contains("hunter2hunter2"), "{text}");
    }
}
