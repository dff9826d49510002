//! SCRAM users: creating or changing a credential (with a fresh random salt),
//! deleting it, and listing which mechanisms a user has. Kafka stores the
//! credentials in its metadata log; passwords never leave this process in
//! clear, only the salted proofs do.

use rand::RngCore;

use super::native::{ScramDescription, from_scram_mechanism};
use super::{KafkaAdmin, ffi};
use crate::config::ScramMechanism;
use crate::error::{Error, Result};
use crate::secret::Secret;

/// Iterations used for new credentials: twice Kafka's minimum of 4096.
pub const DEFAULT_SCRAM_ITERATIONS: i32 = 8192;

/// Kafka's accepted range of SCRAM iterations.
const ITERATIONS_RANGE: std::ops::RangeInclusive<i32> = 4096..=16384;

/// Bytes of random salt per credential, as librdkafka itself would generate.
const SALT_LEN: usize = 64;

/// A credential to create or replace.
#[derive(Clone, Debug)]
pub struct ScramUpsert {
    pub user: String,
    pub mechanism: ScramMechanism,
    pub password: Secret,
    pub iterations: i32,
}

impl ScramUpsert {
    /// A SCRAM-SHA-512 credential with [`DEFAULT_SCRAM_ITERATIONS`].
    pub fn new(user: impl Into<String>, password: Secret) -> Self {
        ScramUpsert {
            user: user.into(),
            mechanism: ScramMechanism::default(),
            password,
            iterations: DEFAULT_SCRAM_ITERATIONS,
        }
    }

    /// The same credential for another mechanism.
    pub fn with_mechanism(mut self, mechanism: ScramMechanism) -> Self {
        self.mechanism = mechanism;
        self
    }

    /// The same credential with another iteration count (4096 to 16384).
    pub fn with_iterations(mut self, iterations: i32) -> Self {
        self.iterations = iterations;
        self
    }

    fn check(&self) -> Result<()> {
        let refuse = |reason: String| Error::AlterScramCredentials {
            user: self.user.clone(),
            code: None,
            reason,
        };

        if self.user.trim().is_empty() {
            return Err(refuse("the user name is empty".to_owned()));
        }
        if self.password.is_empty() {
            return Err(refuse("the password is empty".to_owned()));
        }
        if !ITERATIONS_RANGE.contains(&self.iterations) {
            return Err(refuse(format!(
                "{} iterations is outside Kafka's range {}..={}",
                self.iterations,
                ITERATIONS_RANGE.start(),
                ITERATIONS_RANGE.end()
            )));
        }
        Ok(())
    }
}

/// One SCRAM credential of a user (the salt and keys stay on the broker).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScramCredential {
    pub mechanism: ScramMechanism,
    pub iterations: i32,
}

/// A user and the SCRAM credentials it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScramUser {
    pub user: String,
    pub credentials: Vec<ScramCredential>,
}

impl KafkaAdmin {
    /// Creates or replaces SCRAM credentials, each with a fresh random salt.
    /// Stops at the first user the broker refused, naming it.
    ///
    /// Kafka refuses a request that alters one user twice, so several
    /// credentials of one user (say SHA-256 and SHA-512) go out in separate
    /// requests; the call is therefore not atomic across them.
    pub async fn upsert_scram_credentials(&self, upserts: &[ScramUpsert]) -> Result<()> {
        for upsert in upserts {
            upsert.check()?;
        }

        for batch in distinct_user_batches(upserts) {
            let users = batch
                .iter()
                .map(|u| u.user.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let timeout = self.timeout();
            let outcome = self
                .blocking("AlterUserScramCredentials", move |client| {
                    let salts: Vec<[u8; SALT_LEN]> = batch.iter().map(|_| random_salt()).collect();
                    let alterations: Vec<_> = batch
                        .iter()
                        .zip(&salts)
                        .map(|(upsert, salt)| ffi::Alteration::Upsert {
                            user: &upsert.user,
                            mechanism: upsert.mechanism,
                            iterations: upsert.iterations,
                            password: upsert.password.expose().as_bytes(),
                            salt,
                        })
                        .collect();
                    ffi::alter_scram(client, &alterations, timeout)
                })
                .await?;

            alteration_outcome(outcome, users)?;
        }
        Ok(())
    }

    /// Creates or replaces one user's SCRAM-SHA-512 credential.
    pub async fn upsert_scram_user(&self, user: &str, password: &Secret) -> Result<()> {
        self.upsert_scram_credentials(&[ScramUpsert::new(user, password.clone())])
            .await
    }

    /// Deletes a user's credential for one mechanism. The broker answers
    /// `ResourceNotFound` when the user has no such credential.
    pub async fn delete_scram_credential(
        &self,
        user: &str,
        mechanism: ScramMechanism,
    ) -> Result<()> {
        let owned_user = user.to_owned();
        let timeout = self.timeout();
        let outcome = self
            .blocking("AlterUserScramCredentials", move |client| {
                let deletion = ffi::Alteration::Delete {
                    user: &owned_user,
                    mechanism,
                };
                ffi::alter_scram(client, &[deletion], timeout)
            })
            .await?;

        alteration_outcome(outcome, user.to_owned())
    }

    /// The SCRAM credentials of `users`, or of every user that has one when
    /// `users` is empty. A named user without credentials is reported with
    /// an empty list rather than as an error.
    pub async fn describe_scram_users(&self, users: &[&str]) -> Result<Vec<ScramUser>> {
        let users: Vec<String> = users.iter().map(|u| (*u).to_owned()).collect();
        let timeout = self.timeout();
        let descriptions = self
            .blocking("DescribeUserScramCredentials", move |client| {
                ffi::describe_scram(client, &users, timeout)
            })
            .await?
            .map_err(|f| Error::DescribeScramCredentials {
                code: f.code,
                reason: f.reason,
            })?;

        descriptions.into_iter().map(scram_user).collect()
    }
}

/// Splits `upserts` into batches in which every user appears once, keeping
/// their order.
fn distinct_user_batches(upserts: &[ScramUpsert]) -> Vec<Vec<ScramUpsert>> {
    let mut batches: Vec<Vec<ScramUpsert>> = Vec::new();

    for upsert in upserts {
        let free = batches
            .iter_mut()
            .find(|batch| batch.iter().all(|queued| queued.user != upsert.user));
        match free {
            Some(batch) => batch.push(upsert.clone()),
            None => batches.push(vec![upsert.clone()]),
        }
    }
    batches
}

fn random_salt() -> [u8; SALT_LEN] {
    let mut salt = [0u8; SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    salt
}

/// Turns librdkafka's answer into the first failure, if any. `users` names
/// the request's users for a failure of the request as a whole.
fn alteration_outcome(
    outcome: std::result::Result<Vec<(String, Option<ffi::Failure>)>, ffi::Failure>,
    users: String,
) -> Result<()> {
    let responses = outcome.map_err(|f| Error::AlterScramCredentials {
        user: users,
        code: f.code,
        reason: f.reason,
    })?;

    for (user, failure) in responses {
        if let Some(f) = failure {
            return Err(Error::AlterScramCredentials {
                user,
                code: f.code,
                reason: f.reason,
            });
        }
    }
    Ok(())
}

fn scram_user(description: ScramDescription) -> Result<ScramUser> {
    use rdkafka::error::RDKafkaErrorCode;

    match description.error {
        None => {}
        Some(f) if f.code == Some(RDKafkaErrorCode::ResourceNotFound) => {}
        Some(f) => {
            return Err(Error::DescribeScramCredentials {
                code: f.code,
                reason: format!("user {}: {}", description.user, f.reason),
            });
        }
    }

    let credentials = description
        .credentials
        .into_iter()
        .filter_map(|(mechanism, iterations)| {
            let Some(mechanism) = from_scram_mechanism(mechanism) else {
                tracing::warn!(
                    user = %description.user,
                    mechanism,
                    "skipping a SCRAM credential of a mechanism this client does not know"
                );
                return None;
            };
            Some(ScramCredential {
                mechanism,
                iterations,
            })
        })
        .collect();

    Ok(ScramUser {
        user: description.user,
        credentials,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn batches_never_alter_a_user_twice() {
        let upsert = |user: &str| ScramUpsert::new(user, Secret::new("pw"));
        let upserts = [
            upsert("a"),
            upsert("b"),
            upsert("a"),
            upsert("a"),
            upsert("c"),
        ];

        let batches: Vec<Vec<String>> = distinct_user_batches(&upserts)
            .into_iter()
            .map(|batch| batch.into_iter().map(|u| u.user).collect())
            .collect();

        assert_eq!(batches, vec![vec!["a", "b", "c"], vec!["a"], vec!["a"]]);
    }

    #[test]
    fn weak_or_empty_credentials_are_refused_locally() {
        let weak = ScramUpsert::new("u", Secret::new("pw")).with_iterations(4095);
        let strong = ScramUpsert::new("u", Secret::new("pw")).with_iterations(16384);
        let empty = ScramUpsert::new("u", Secret::new(""));

        assert!(weak.check().is_err());
        assert!(strong.check().is_ok());
        assert!(
            empty
                .check()
                .unwrap_err()
                .to_string()
                .contains("password is empty")
        );
    }
}
