//! Creating, describing and deleting ACL bindings through the admin layer.

#![allow(clippy::unwrap_used)]

use aion_kafka::{
    AclBinding, AclFilter, AclOperation, AclPermission, Error, PatternFilter, PatternType,
    ResourceType, user_principal,
};
use aion_testkit::{VISIBLE_WITHIN, broker, settled, unique_name};

fn sorted(mut acls: Vec<AclBinding>) -> Vec<AclBinding> {
    acls.sort();
    acls
}

#[tokio::test]
async fn describe_shows_created_bindings_and_delete_removes_them() {
    let admin = broker().await.admin();
    let principal = user_principal(&unique_name("acl-admin"));
    let topic = unique_name("acl-admin-topic");
    let created = vec![
        AclBinding::allow(ResourceType::Topic, &topic, &principal, AclOperation::Write),
        AclBinding::allow(
            ResourceType::Topic,
            &topic,
            &principal,
            AclOperation::Describe,
        ),
        AclBinding::allow(
            ResourceType::Group,
            "dispatcher-",
            &principal,
            AclOperation::Read,
        )
        .prefixed(),
        AclBinding::allow_cluster(&principal, AclOperation::IdempotentWrite),
        AclBinding::allow(
            ResourceType::Topic,
            &topic,
            &principal,
            AclOperation::Delete,
        )
        .deny(),
    ];

    admin.create_acls(&created).await.unwrap();
    let by_principal = AclFilter::any().principal(&principal);
    let listed = settled(
        VISIBLE_WITHIN,
        || admin.describe_acls(&by_principal),
        |acls| sorted(acls.clone()) == sorted(created.clone()),
    )
    .await
    .unwrap();

    assert_eq!(sorted(listed), sorted(created.clone()));

    let on_topic = admin
        .describe_acls(&AclFilter::resource(ResourceType::Topic, &topic))
        .await
        .unwrap();
    assert_eq!(on_topic.len(), 3, "{on_topic:?}");
    assert!(on_topic.iter().all(|acl| acl.resource_name == topic));
    let denied: Vec<_> = on_topic
        .iter()
        .filter(|acl| acl.permission == AclPermission::Deny)
        .collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].operation, AclOperation::Delete);

    let prefixed = admin
        .describe_acls(
            &AclFilter::any()
                .principal(&principal)
                .pattern(PatternFilter::Prefixed),
        )
        .await
        .unwrap();
    assert_eq!(prefixed.len(), 1);
    assert_eq!(prefixed[0].pattern_type, PatternType::Prefixed);
    assert_eq!(prefixed[0].resource_type, ResourceType::Group);

    let deleted = admin
        .delete_acls(&[AclFilter::any().principal(&principal)])
        .await
        .unwrap();
    assert_eq!(sorted(deleted), sorted(created));

    let remaining = settled(
        VISIBLE_WITHIN,
        || admin.describe_acls(&by_principal),
        |acls| acls.is_empty(),
    )
    .await
    .unwrap();
    assert!(remaining.is_empty(), "{remaining:?}");
}

#[tokio::test]
async fn match_filter_finds_every_binding_that_applies_to_a_resource() {
    let admin = broker().await.admin();
    let principal = user_principal(&unique_name("acl-match"));
    let prefix = unique_name("acl-match-topic");
    let topic = format!("{prefix}.events");
    let literal = AclBinding::allow(ResourceType::Topic, &topic, &principal, AclOperation::Read);
    let by_prefix = AclBinding::allow(
        ResourceType::Topic,
        &prefix,
        &principal,
        AclOperation::Describe,
    )
    .prefixed();
    admin
        .create_acls(&[literal.clone(), by_prefix.clone()])
        .await
        .unwrap();

    let matching = AclFilter::resource(ResourceType::Topic, &topic)
        .pattern(PatternFilter::Match)
        .principal(&principal);
    let applying = settled(
        VISIBLE_WITHIN,
        || admin.describe_acls(&matching),
        |acls| acls.len() == 2,
    )
    .await
    .unwrap();

    assert_eq!(
        sorted(applying),
        sorted(vec![literal.clone(), by_prefix.clone()])
    );

    let deleted = admin
        .delete_acls(&[AclFilter::exact(&literal), AclFilter::exact(&by_prefix)])
        .await
        .unwrap();
    assert_eq!(sorted(deleted), sorted(vec![literal, by_prefix]));
}

#[tokio::test]
async fn deleting_what_does_not_exist_deletes_nothing() {
    let admin = broker().await.admin();
    let principal = user_principal(&unique_name("acl-nobody"));

    let deleted = admin
        .delete_acls(&[AclFilter::any().principal(&principal)])
        .await
        .unwrap();

    assert!(deleted.is_empty());
}

#[tokio::test]
async fn invalid_bindings_are_refused_with_the_operation_named() {
    let admin = broker().await.admin();
    let binding = AclBinding::allow(
        ResourceType::Unknown,
        "whatever",
        user_principal("nobody"),
        AclOperation::Read,
    );

    let err = admin.create_acls(&[binding]).await.unwrap_err();

    assert!(matches!(err, Error::CreateAcls { .. }), "{err:?}");
    assert!(err.to_string().starts_with("cannot create ACLs"), "{err}");
}
