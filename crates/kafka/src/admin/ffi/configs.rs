//! IncrementalAlterConfigs for topics: sets or removes single settings and
//! leaves every other setting of the topic as it is. `rdkafka`'s safe
//! `alter_configs` sends the whole configuration instead, resetting whatever
//! it does not name, so it is never used here.

use std::ffi::CString;
use std::ptr::{self, NonNull};
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::client::{Client, ClientContext};

use super::{Failure, NO_ERROR, array_at, c_string, run_admin_op, string_at};

/// One change to one setting of a topic.
pub(in crate::admin) enum ConfigChange<'a> {
    /// Gives the setting this value on the topic.
    Set { name: &'a str, value: &'a str },
    /// Removes the topic's own value, so the broker's default applies again.
    Delete { name: &'a str },
}

/// Config resources handed to librdkafka, released on drop.
struct Resources(Vec<NonNull<rd::rd_kafka_ConfigResource_t>>);

impl Drop for Resources {
    fn drop(&mut self) {
        for resource in &self.0 {
            // SAFETY: each pointer came from rd_kafka_ConfigResource_new and
            // is owned only by this guard; librdkafka copies the resources
            // it is given.
            unsafe { rd::rd_kafka_ConfigResource_destroy(resource.as_ptr()) }
        }
    }
}

/// Applies `changes` to `topic` in one IncrementalAlterConfigs request.
pub(in crate::admin) fn incremental_alter_topic_configs<C: ClientContext>(
    client: &Client<C>,
    topic: &str,
    changes: &[ConfigChange<'_>],
    timeout: Duration,
) -> Result<(), Failure> {
    let name = c_string("topic name", topic)?;

    // SAFETY: the name is NUL-terminated and copied by librdkafka.
    let resource = NonNull::new(unsafe {
        rd::rd_kafka_ConfigResource_new(
            rd::rd_kafka_ResourceType_t::RD_KAFKA_RESOURCE_TOPIC,
            name.as_ptr(),
        )
    })
    .ok_or_else(|| Failure::local("librdkafka refused to create a config resource"))?;
    let resources = Resources(vec![resource]);

    for change in changes {
        add_change(resource, change)?;
    }

    let mut ptrs: Vec<_> = resources.0.iter().map(|r| r.as_ptr()).collect();
    let event = run_admin_op(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS,
        rd::RD_KAFKA_EVENT_INCREMENTALALTERCONFIGS_RESULT,
        timeout,
        |rk, options, queue| {
            // SAFETY: `ptrs` holds live resources owned by `resources`, which
            // librdkafka copies before returning; options and queue are live.
            unsafe {
                rd::rd_kafka_IncrementalAlterConfigs(
                    rk,
                    ptrs.as_mut_ptr(),
                    ptrs.len(),
                    options,
                    queue,
                )
            }
        },
    )?;

    let mut count = 0;
    // SAFETY: the event is an IncrementalAlterConfigs result (type checked);
    // the resources and their error strings live as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_IncrementalAlterConfigs_result(event.ptr());
        let results = array_at(
            rd::rd_kafka_IncrementalAlterConfigs_result_resources(result, &mut count),
            count,
        );
        for &item in results {
            let err = rd::rd_kafka_ConfigResource_error(item);
            if err != NO_ERROR {
                return Err(Failure {
                    code: Some(err.into()),
                    reason: string_at(rd::rd_kafka_ConfigResource_error_string(item)),
                });
            }
        }
    }
    Ok(())
}

fn add_change(
    resource: NonNull<rd::rd_kafka_ConfigResource_t>,
    change: &ConfigChange<'_>,
) -> Result<(), Failure> {
    use rd::rd_kafka_AlterConfigOpType_t as OpType;

    let (name, op, value): (CString, OpType, Option<CString>) = match change {
        ConfigChange::Set { name, value } => (
            c_string("config name", name)?,
            OpType::RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET,
            Some(c_string("config value", value)?),
        ),
        ConfigChange::Delete { name } => (
            c_string("config name", name)?,
            OpType::RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE,
            None,
        ),
    };
    let value_ptr = value.as_ref().map_or(ptr::null(), |v| v.as_ptr());

    // SAFETY: the resource is live (owned by the caller's guard); the strings
    // are NUL-terminated (or null for a deletion) and copied by librdkafka.
    let error = unsafe {
        rd::rd_kafka_ConfigResource_add_incremental_config(
            resource.as_ptr(),
            name.as_ptr(),
            op,
            value_ptr,
        )
    };
    let Some(error) = NonNull::new(error) else {
        return Ok(());
    };

    // SAFETY: a non-null error is ours to read and destroy, once.
    let reason = unsafe {
        let reason = string_at(rd::rd_kafka_error_string(error.as_ptr()));
        rd::rd_kafka_error_destroy(error.as_ptr());
        reason
    };
    Err(Failure::local(format!(
        "invalid change of {}: {reason}",
        name.to_string_lossy()
    )))
}
