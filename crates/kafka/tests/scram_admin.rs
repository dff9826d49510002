//! SCRAM credentials: upsert, describe, log in, rotate and delete.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_kafka::{
    Error, KafkaConfig, RDKafkaErrorCode, ScramCredential, ScramMechanism, ScramUpsert, Secret,
    Security,
};
use aion_testkit::{VISIBLE_WITHIN, broker, random_password, settled, unique_name, wait_until};

/// Whether `user` can log in with `password` using `mechanism`.
async fn can_log_in(user: &str, password: &Secret, mechanism: ScramMechanism) -> bool {
    let config = KafkaConfig::new(
        broker().await.bootstrap(),
        Security::SaslScram {
            mechanism,
            username: user.to_owned(),
            password: password.clone(),
            tls: false,
            ca_file: None,
        },
    );
    let admin = config.admin().unwrap().with_timeout(Duration::from_secs(8));

    match admin.check_connection().await {
        Ok(_) => true,
        Err(e) if e.code() == Some(RDKafkaErrorCode::Authentication) => false,
        Err(e) => panic!("connection check failed for another reason: {e}"),
    }
}

/// Waits until logging in gives `expected`: credential changes reach the
/// broker's authenticator shortly after the controller accepts them.
async fn expect_login(user: &str, password: &Secret, mechanism: ScramMechanism, expected: bool) {
    let what = format!("login of {user} with {mechanism} to be {expected}");
    wait_until(&what, Duration::from_secs(20), || async {
        Ok(can_log_in(user, password, mechanism).await == expected)
    })
    .await
    .unwrap();
}

async fn credentials(user: &str) -> Result<Vec<ScramCredential>, Error> {
    let admin = broker().await.admin();
    let described = admin.describe_scram_users(&[user]).await?;

    let mut credentials: Vec<ScramCredential> = described
        .into_iter()
        .filter(|u| u.user == user)
        .flat_map(|u| u.credentials)
        .collect();
    credentials.sort_by_key(|c| c.mechanism.as_str());
    Ok(credentials)
}

/// Asserts the user's credentials, once the broker's view has caught up.
async fn assert_credentials(user: &str, expected: &[ScramCredential]) {
    let described = settled(VISIBLE_WITHIN, || credentials(user), |c| c == expected)
        .await
        .unwrap();

    assert_eq!(described, expected);
}

#[tokio::test]
async fn upsert_describe_and_delete_round_trip() {
    let admin = broker().await.admin();
    let user = unique_name("scram-user");
    let password = random_password();

    admin
        .upsert_scram_credentials(&[
            ScramUpsert::new(&user, password.clone()),
            ScramUpsert::new(&user, password.clone())
                .with_mechanism(ScramMechanism::ScramSha256)
                .with_iterations(4096),
        ])
        .await
        .unwrap();

    assert_credentials(
        &user,
        &[
            ScramCredential {
                mechanism: ScramMechanism::ScramSha256,
                iterations: 4096,
            },
            ScramCredential {
                mechanism: ScramMechanism::ScramSha512,
                iterations: 8192,
            },
        ],
    )
    .await;
    expect_login(&user, &password, ScramMechanism::ScramSha512, true).await;

    admin
        .delete_scram_credential(&user, ScramMechanism::ScramSha512)
        .await
        .unwrap();
    assert_credentials(
        &user,
        &[ScramCredential {
            mechanism: ScramMechanism::ScramSha256,
            iterations: 4096,
        }],
    )
    .await;
    expect_login(&user, &password, ScramMechanism::ScramSha512, false).await;

    admin
        .delete_scram_credential(&user, ScramMechanism::ScramSha256)
        .await
        .unwrap();
    assert_credentials(&user, &[]).await;

    let err = admin
        .delete_scram_credential(&user, ScramMechanism::ScramSha256)
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::AlterScramCredentials { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::ResourceNotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn upserting_again_rotates_the_password() {
    let admin = broker().await.admin();
    let user = unique_name("scram-rotate");
    let old = random_password();
    let new = random_password();
    admin.upsert_scram_user(&user, &old).await.unwrap();
    expect_login(&user, &old, ScramMechanism::ScramSha512, true).await;

    admin.upsert_scram_user(&user, &new).await.unwrap();

    expect_login(&user, &new, ScramMechanism::ScramSha512, true).await;
    expect_login(&user, &old, ScramMechanism::ScramSha512, false).await;
}

#[tokio::test]
async fn describing_every_user_includes_a_new_one() {
    let broker = broker().await;
    let admin = broker.admin();
    let user = unique_name("scram-all");
    admin
        .upsert_scram_user(&user, &random_password())
        .await
        .unwrap();

    let everyone = settled(
        VISIBLE_WITHIN,
        || admin.describe_scram_users(&[]),
        |users| users.iter().any(|u| u.user == user),
    )
    .await
    .unwrap();

    assert!(everyone.iter().any(|u| u.user == user), "{everyone:?}");
    assert!(
        everyone.iter().any(|u| u.user == broker.admin_user()),
        "{everyone:?}"
    );
}

#[tokio::test]
async fn out_of_range_iterations_are_refused_before_reaching_the_broker() {
    let admin = broker().await.admin();
    let user = unique_name("scram-weak");

    let err = admin
        .upsert_scram_credentials(&[
            ScramUpsert::new(&user, random_password()).with_iterations(1000)
        ])
        .await
        .unwrap_err();

    assert!(
        matches!(err, Error::AlterScramCredentials { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("1000 iterations"), "{err}");
    assert!(credentials(&user).await.unwrap().is_empty());
}
