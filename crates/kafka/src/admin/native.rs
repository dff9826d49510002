//! Translations between this crate's ACL and SCRAM types and librdkafka's
//! C enums. Plain matches, no `unsafe`: kept apart from `ffi` so that module
//! holds only the code that needs the scrutiny.

use std::ffi::c_int;

use rdkafka::bindings as rd;

use super::acl::{AclOperation, AclPermission, PatternFilter, PatternType, ResourceType};
use super::ffi::Failure;
use crate::config::ScramMechanism;

use rd::rd_kafka_AclOperation_t as Op;
use rd::rd_kafka_AclPermissionType_t as Perm;
use rd::rd_kafka_ResourcePatternType_t as Pattern;
use rd::rd_kafka_ResourceType_t as Res;

/// A user's SCRAM credentials as librdkafka reports them: mechanisms as raw
/// integers (see `ffi`), iterations, and a per-user error.
#[derive(Debug)]
pub(super) struct ScramDescription {
    pub(super) user: String,
    pub(super) error: Option<Failure>,
    pub(super) credentials: Vec<(c_int, i32)>,
}

pub(super) fn resource_type(value: ResourceType) -> Res {
    match value {
        ResourceType::Topic => Res::RD_KAFKA_RESOURCE_TOPIC,
        ResourceType::Group => Res::RD_KAFKA_RESOURCE_GROUP,
        // librdkafka calls Kafka's CLUSTER resource type BROKER; both are 4.
        ResourceType::Cluster => Res::RD_KAFKA_RESOURCE_BROKER,
        ResourceType::TransactionalId => Res::RD_KAFKA_RESOURCE_TRANSACTIONAL_ID,
        ResourceType::Unknown => Res::RD_KAFKA_RESOURCE_UNKNOWN,
    }
}

pub(super) fn resource_type_filter(value: Option<ResourceType>) -> Res {
    value.map_or(Res::RD_KAFKA_RESOURCE_ANY, resource_type)
}

pub(super) fn from_resource_type(value: Res) -> ResourceType {
    match value {
        Res::RD_KAFKA_RESOURCE_TOPIC => ResourceType::Topic,
        Res::RD_KAFKA_RESOURCE_GROUP => ResourceType::Group,
        Res::RD_KAFKA_RESOURCE_BROKER => ResourceType::Cluster,
        Res::RD_KAFKA_RESOURCE_TRANSACTIONAL_ID => ResourceType::TransactionalId,
        Res::RD_KAFKA_RESOURCE_UNKNOWN
        | Res::RD_KAFKA_RESOURCE_ANY
        | Res::RD_KAFKA_RESOURCE__CNT => ResourceType::Unknown,
    }
}

pub(super) fn pattern_type(value: PatternType) -> Pattern {
    match value {
        PatternType::Literal => Pattern::RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        PatternType::Prefixed => Pattern::RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
        PatternType::Unknown => Pattern::RD_KAFKA_RESOURCE_PATTERN_UNKNOWN,
    }
}

pub(super) fn pattern_filter(value: PatternFilter) -> Pattern {
    match value {
        PatternFilter::Any => Pattern::RD_KAFKA_RESOURCE_PATTERN_ANY,
        PatternFilter::Match => Pattern::RD_KAFKA_RESOURCE_PATTERN_MATCH,
        PatternFilter::Literal => Pattern::RD_KAFKA_RESOURCE_PATTERN_LITERAL,
        PatternFilter::Prefixed => Pattern::RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
    }
}

pub(super) fn from_pattern_type(value: Pattern) -> PatternType {
    match value {
        Pattern::RD_KAFKA_RESOURCE_PATTERN_LITERAL => PatternType::Literal,
        Pattern::RD_KAFKA_RESOURCE_PATTERN_PREFIXED => PatternType::Prefixed,
        _ => PatternType::Unknown,
    }
}

/// `None` stands for "any operation" (filters only).
pub(super) fn operation(value: Option<AclOperation>) -> Op {
    let Some(value) = value else {
        return Op::RD_KAFKA_ACL_OPERATION_ANY;
    };
    match value {
        AclOperation::All => Op::RD_KAFKA_ACL_OPERATION_ALL,
        AclOperation::Read => Op::RD_KAFKA_ACL_OPERATION_READ,
        AclOperation::Write => Op::RD_KAFKA_ACL_OPERATION_WRITE,
        AclOperation::Create => Op::RD_KAFKA_ACL_OPERATION_CREATE,
        AclOperation::Delete => Op::RD_KAFKA_ACL_OPERATION_DELETE,
        AclOperation::Alter => Op::RD_KAFKA_ACL_OPERATION_ALTER,
        AclOperation::Describe => Op::RD_KAFKA_ACL_OPERATION_DESCRIBE,
        AclOperation::ClusterAction => Op::RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION,
        AclOperation::DescribeConfigs => Op::RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS,
        AclOperation::AlterConfigs => Op::RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS,
        AclOperation::IdempotentWrite => Op::RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE,
        AclOperation::Unknown => Op::RD_KAFKA_ACL_OPERATION_UNKNOWN,
    }
}

pub(super) fn from_operation(value: Op) -> AclOperation {
    match value {
        Op::RD_KAFKA_ACL_OPERATION_ALL => AclOperation::All,
        Op::RD_KAFKA_ACL_OPERATION_READ => AclOperation::Read,
        Op::RD_KAFKA_ACL_OPERATION_WRITE => AclOperation::Write,
        Op::RD_KAFKA_ACL_OPERATION_CREATE => AclOperation::Create,
        Op::RD_KAFKA_ACL_OPERATION_DELETE => AclOperation::Delete,
        Op::RD_KAFKA_ACL_OPERATION_ALTER => AclOperation::Alter,
        Op::RD_KAFKA_ACL_OPERATION_DESCRIBE => AclOperation::Describe,
        Op::RD_KAFKA_ACL_OPERATION_CLUSTER_ACTION => AclOperation::ClusterAction,
        Op::RD_KAFKA_ACL_OPERATION_DESCRIBE_CONFIGS => AclOperation::DescribeConfigs,
        Op::RD_KAFKA_ACL_OPERATION_ALTER_CONFIGS => AclOperation::AlterConfigs,
        Op::RD_KAFKA_ACL_OPERATION_IDEMPOTENT_WRITE => AclOperation::IdempotentWrite,
        _ => AclOperation::Unknown,
    }
}

/// `None` stands for "any permission" (filters only).
pub(super) fn permission(value: Option<AclPermission>) -> Perm {
    match value {
        None => Perm::RD_KAFKA_ACL_PERMISSION_TYPE_ANY,
        Some(AclPermission::Allow) => Perm::RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW,
        Some(AclPermission::Deny) => Perm::RD_KAFKA_ACL_PERMISSION_TYPE_DENY,
        Some(AclPermission::Unknown) => Perm::RD_KAFKA_ACL_PERMISSION_TYPE_UNKNOWN,
    }
}

pub(super) fn from_permission(value: Perm) -> AclPermission {
    match value {
        Perm::RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW => AclPermission::Allow,
        Perm::RD_KAFKA_ACL_PERMISSION_TYPE_DENY => AclPermission::Deny,
        _ => AclPermission::Unknown,
    }
}

pub(super) fn scram_mechanism(value: ScramMechanism) -> rd::rd_kafka_ScramMechanism_t {
    match value {
        ScramMechanism::ScramSha256 => {
            rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_256
        }
        ScramMechanism::ScramSha512 => {
            rd::rd_kafka_ScramMechanism_t::RD_KAFKA_SCRAM_MECHANISM_SHA_512
        }
    }
}

/// Kafka's mechanism numbers (1 and 2); anything else is a mechanism this
/// client does not know.
pub(super) fn from_scram_mechanism(value: c_int) -> Option<ScramMechanism> {
    match value {
        1 => Some(ScramMechanism::ScramSha256),
        2 => Some(ScramMechanism::ScramSha512),
        _ => None,
    }
}
