//! ACLs: the safe types for bindings and filters, and the admin calls that
//! create, list and delete them.
//!
//! A binding says: `principal` may (or may not) perform `operation` on the
//! resources matching `resource_type`/`resource_name`/`pattern_type`, from
//! `host`. With `allow.everyone.if.no.acl.found=false`, anything not allowed
//! by a binding is denied.

use std::fmt;

use super::{KafkaAdmin, ffi};
use crate::error::{Error, Result};

/// The name Kafka gives the one cluster resource.
pub const CLUSTER_RESOURCE_NAME: &str = "kafka-cluster";

/// What kind of resource a binding protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    Topic,
    Group,
    /// The cluster itself, always named [`CLUSTER_RESOURCE_NAME`].
    Cluster,
    TransactionalId,
    /// A type the broker reported that this client does not know (for
    /// example delegation-token or user resources). Never accepted when
    /// creating bindings.
    Unknown,
}

/// How a binding's resource name matches resource names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PatternType {
    /// The name matches exactly (or `*` matches every resource).
    Literal,
    /// The name is a prefix of the resources it matches.
    Prefixed,
    /// A pattern type the broker reported that this client does not know.
    Unknown,
}

/// Which bindings a filter selects by pattern type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PatternFilter {
    /// Bindings of any pattern type whose name equals the filter's name.
    #[default]
    Any,
    /// Every binding that would apply to a resource of exactly the filter's
    /// name: literal, prefixed and wildcard bindings alike.
    Match,
    /// Only literal bindings.
    Literal,
    /// Only prefixed bindings.
    Prefixed,
}

/// The operation a binding allows or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AclOperation {
    All,
    Read,
    Write,
    Create,
    Delete,
    Alter,
    Describe,
    ClusterAction,
    DescribeConfigs,
    AlterConfigs,
    IdempotentWrite,
    /// An operation the broker reported that this client does not know.
    Unknown,
}

/// Whether a binding allows or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AclPermission {
    Allow,
    Deny,
    /// A permission type the broker reported that this client does not know.
    Unknown,
}

/// One ACL entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AclBinding {
    pub resource_type: ResourceType,
    pub resource_name: String,
    pub pattern_type: PatternType,
    /// `User:<name>` for SCRAM and mTLS principals.
    pub principal: String,
    /// The client address the binding applies to; `*` for any.
    pub host: String,
    pub operation: AclOperation,
    pub permission: AclPermission,
}

impl AclBinding {
    /// Allows `principal` to perform `operation` on the resource named
    /// exactly `resource_name`, from any host.
    pub fn allow(
        resource_type: ResourceType,
        resource_name: impl Into<String>,
        principal: impl Into<String>,
        operation: AclOperation,
    ) -> Self {
        AclBinding {
            resource_type,
            resource_name: resource_name.into(),
            pattern_type: PatternType::Literal,
            principal: principal.into(),
            host: "*".to_owned(),
            operation,
            permission: AclPermission::Allow,
        }
    }

    /// Allows `principal` to perform `operation` on the cluster resource.
    pub fn allow_cluster(principal: impl Into<String>, operation: AclOperation) -> Self {
        Self::allow(
            ResourceType::Cluster,
            CLUSTER_RESOURCE_NAME,
            principal,
            operation,
        )
    }

    /// The same binding, matching every resource whose name starts with
    /// `resource_name`.
    pub fn prefixed(mut self) -> Self {
        self.pattern_type = PatternType::Prefixed;
        self
    }

    /// The same binding, denying instead of allowing.
    pub fn deny(mut self) -> Self {
        self.permission = AclPermission::Deny;
        self
    }
}

impl fmt::Display for AclBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {} {:?} on {:?}:{:?}:{} from {}",
            self.permission,
            self.principal,
            self.operation,
            self.resource_type,
            self.pattern_type,
            self.resource_name,
            self.host
        )
    }
}

/// The `User:<name>` principal of a SCRAM user.
pub fn user_principal(username: &str) -> String {
    format!("User:{username}")
}

/// Selects ACL bindings to list or delete. Unset fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AclFilter {
    pub resource_type: Option<ResourceType>,
    pub resource_name: Option<String>,
    pub pattern: PatternFilter,
    pub principal: Option<String>,
    pub host: Option<String>,
    pub operation: Option<AclOperation>,
    pub permission: Option<AclPermission>,
}

impl AclFilter {
    /// Matches every binding.
    pub fn any() -> Self {
        Self::default()
    }

    /// Matches exactly `binding`.
    pub fn exact(binding: &AclBinding) -> Self {
        let pattern = match binding.pattern_type {
            PatternType::Literal => PatternFilter::Literal,
            PatternType::Prefixed => PatternFilter::Prefixed,
            PatternType::Unknown => PatternFilter::Any,
        };
        AclFilter {
            resource_type: Some(binding.resource_type),
            resource_name: Some(binding.resource_name.clone()),
            pattern,
            principal: Some(binding.principal.clone()),
            host: Some(binding.host.clone()),
            operation: Some(binding.operation),
            permission: Some(binding.permission),
        }
    }

    /// Matches the bindings whose resource is `resource_name` of type
    /// `resource_type`, literal or prefixed.
    pub fn resource(resource_type: ResourceType, resource_name: impl Into<String>) -> Self {
        AclFilter {
            resource_type: Some(resource_type),
            resource_name: Some(resource_name.into()),
            ..Self::default()
        }
    }

    /// Narrows the filter to one principal.
    pub fn principal(mut self, principal: impl Into<String>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// Narrows the filter to one pattern selection.
    pub fn pattern(mut self, pattern: PatternFilter) -> Self {
        self.pattern = pattern;
        self
    }
}

impl KafkaAdmin {
    /// Creates ACL bindings. Bindings that already exist are not an error.
    pub async fn create_acls(&self, acls: &[AclBinding]) -> Result<()> {
        if acls.is_empty() {
            return Ok(());
        }

        let acls = acls.to_vec();
        let timeout = self.timeout();
        self.blocking("CreateAcls", move |client| {
            ffi::create_acls(client, &acls, timeout)
        })
        .await?
        .map_err(|f| Error::CreateAcls {
            code: f.code,
            reason: f.reason,
        })
    }

    /// Lists the bindings that match `filter`.
    pub async fn describe_acls(&self, filter: &AclFilter) -> Result<Vec<AclBinding>> {
        let filter = filter.clone();
        let timeout = self.timeout();
        self.blocking("DescribeAcls", move |client| {
            ffi::describe_acls(client, &filter, timeout)
        })
        .await?
        .map_err(|f| Error::DescribeAcls {
            code: f.code,
            reason: f.reason,
        })
    }

    /// Deletes every binding that matches any of `filters` and returns the
    /// bindings deleted. A filter matching nothing is not an error.
    pub async fn delete_acls(&self, filters: &[AclFilter]) -> Result<Vec<AclBinding>> {
        if filters.is_empty() {
            return Ok(Vec::new());
        }

        let filters = filters.to_vec();
        let timeout = self.timeout();
        self.blocking("DeleteAcls", move |client| {
            ffi::delete_acls(client, &filters, timeout)
        })
        .await?
        .map_err(|f| Error::DeleteAcls {
            code: f.code,
            reason: f.reason,
        })
    }
}
