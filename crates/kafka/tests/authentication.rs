//! A login with the wrong password is refused with an authentication error
//! that says so, and that does not repeat the password.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_kafka::{Error, RDKafkaErrorCode, Secret};
use aion_testkit::broker;

#[tokio::test]
async fn wrong_password_is_an_authentication_error() {
    let broker = broker().await;
    let user = broker.create_user("wrong-password").await.unwrap();
    let wrong = Secret::new("not-the-password-4711");

    let admin = broker
        .config_for(&user.name, &wrong)
        .admin()
        .unwrap()
        .with_timeout(Duration::from_secs(15));
    let err = admin.check_connection().await.unwrap_err();

    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert_eq!(
        err.code(),
        Some(RDKafkaErrorCode::Authentication),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("Authentication failed during authentication due to invalid credentials"),
        "{message}"
    );
    assert!(message.contains("SCRAM-SHA-512"), "{message}");
    assert!(!message.contains("not-the-password-4711"), "{message}");
    assert!(!format!("{err:?}").contains("not-the-password-4711"));
}

#[tokio::test]
async fn right_password_connects() {
    let broker = broker().await;
    let user = broker.create_user("right-password").await.unwrap();

    let admin = broker
        .config_for(&user.name, &user.password)
        .admin()
        .unwrap();
    let cluster = admin.check_connection().await.unwrap();

    assert_eq!(cluster.brokers, vec![broker.bootstrap().to_owned()]);
}
