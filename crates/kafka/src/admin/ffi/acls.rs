//! The ACL calls: CreateAcls, DescribeAcls and DeleteAcls, and the
//! conversion of bindings and filters to and from librdkafka's objects.

use std::ffi::c_char;
use std::ptr::NonNull;
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::client::{Client, ClientContext};

use super::{
    ERRSTR_LEN, Failure, array_at, c_string, errstr_text, item_error, optional_c_string,
    optional_ptr, run_admin_op, string_at,
};
use crate::admin::acl::{AclBinding, AclFilter};
use crate::admin::native;

/// ACL bindings or binding filters (the same native type).
struct Bindings(Vec<NonNull<rd::rd_kafka_AclBinding_t>>);

impl Drop for Bindings {
    fn drop(&mut self) {
        for binding in &self.0 {
            // SAFETY: each pointer came from rd_kafka_AclBinding_new or
            // rd_kafka_AclBindingFilter_new and is owned only by this guard
            // (librdkafka copies the bindings it is given).
            unsafe { rd::rd_kafka_AclBinding_destroy(binding.as_ptr()) }
        }
    }
}

pub(in crate::admin) fn create_acls<C: ClientContext>(
    client: &Client<C>,
    acls: &[AclBinding],
    timeout: Duration,
) -> Result<(), Failure> {
    let bindings = new_bindings(acls)?;
    let mut ptrs: Vec<_> = bindings.0.iter().map(|b| b.as_ptr()).collect();

    let event = run_admin_op(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATEACLS,
        rd::RD_KAFKA_EVENT_CREATEACLS_RESULT,
        timeout,
        |rk, options, queue| {
            // SAFETY: `ptrs` holds live bindings owned by `bindings`, which
            // librdkafka copies before returning; options and queue are live.
            unsafe { rd::rd_kafka_CreateAcls(rk, ptrs.as_mut_ptr(), ptrs.len(), options, queue) }
        },
    )?;

    let mut count = 0;
    // SAFETY: the event is a CreateAcls result (type checked); the result
    // array and its errors live as long as the event.
    unsafe {
        let result = rd::rd_kafka_event_CreateAcls_result(event.ptr());
        let results = array_at(
            rd::rd_kafka_CreateAcls_result_acls(result, &mut count),
            count,
        );
        for &item in results {
            if let Some(failure) = item_error(rd::rd_kafka_acl_result_error(item)) {
                return Err(failure);
            }
        }
    }
    Ok(())
}

pub(in crate::admin) fn describe_acls<C: ClientContext>(
    client: &Client<C>,
    filter: &AclFilter,
    timeout: Duration,
) -> Result<Vec<AclBinding>, Failure> {
    let filters = new_filters(std::slice::from_ref(filter))?;
    let filter_ptr = filters.0[0].as_ptr();

    let event = run_admin_op(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DESCRIBEACLS,
        rd::RD_KAFKA_EVENT_DESCRIBEACLS_RESULT,
        timeout,
        |rk, options, queue| {
            // SAFETY: the filter is live and owned by `filters`; librdkafka
            // copies it. Options and queue are live.
            unsafe { rd::rd_kafka_DescribeAcls(rk, filter_ptr, options, queue) }
        },
    )?;

    let mut count = 0;
    // SAFETY: the event is a DescribeAcls result (type checked); the bindings
    // live as long as the event and are copied out before it drops.
    unsafe {
        let result = rd::rd_kafka_event_DescribeAcls_result(event.ptr());
        let acls = array_at(
            rd::rd_kafka_DescribeAcls_result_acls(result, &mut count),
            count,
        );
        Ok(acls.iter().map(|&acl| read_binding(acl)).collect())
    }
}

pub(in crate::admin) fn delete_acls<C: ClientContext>(
    client: &Client<C>,
    filters: &[AclFilter],
    timeout: Duration,
) -> Result<Vec<AclBinding>, Failure> {
    let natives = new_filters(filters)?;
    let mut ptrs: Vec<_> = natives.0.iter().map(|f| f.as_ptr()).collect();

    let event = run_admin_op(
        client,
        rd::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_DELETEACLS,
        rd::RD_KAFKA_EVENT_DELETEACLS_RESULT,
        timeout,
        |rk, options, queue| {
            // SAFETY: `ptrs` holds live filters owned by `natives`, which
            // librdkafka copies. Options and queue are live.
            unsafe { rd::rd_kafka_DeleteAcls(rk, ptrs.as_mut_ptr(), ptrs.len(), options, queue) }
        },
    )?;

    let mut deleted = Vec::new();
    let mut count = 0;
    // SAFETY: the event is a DeleteAcls result (type checked); responses and
    // their bindings live as long as the event and are copied out.
    unsafe {
        let result = rd::rd_kafka_event_DeleteAcls_result(event.ptr());
        let responses = array_at(
            rd::rd_kafka_DeleteAcls_result_responses(result, &mut count),
            count,
        );
        for &response in responses {
            if let Some(failure) =
                item_error(rd::rd_kafka_DeleteAcls_result_response_error(response))
            {
                return Err(failure);
            }
            let mut matched = 0;
            let acls = array_at(
                rd::rd_kafka_DeleteAcls_result_response_matching_acls(response, &mut matched),
                matched,
            );
            deleted.extend(acls.iter().map(|&acl| read_binding(acl)));
        }
    }
    Ok(deleted)
}

fn new_bindings(acls: &[AclBinding]) -> Result<Bindings, Failure> {
    let mut out = Bindings(Vec::with_capacity(acls.len()));

    for acl in acls {
        let name = c_string("resource name", &acl.resource_name)?;
        let principal = c_string("principal", &acl.principal)?;
        let host = c_string("host", &acl.host)?;
        let mut errstr = [0 as c_char; ERRSTR_LEN];

        // SAFETY: the strings are NUL-terminated and outlive the call
        // (librdkafka copies them); errstr is writable for the length given.
        let binding = unsafe {
            rd::rd_kafka_AclBinding_new(
                native::resource_type(acl.resource_type),
                name.as_ptr(),
                native::pattern_type(acl.pattern_type),
                principal.as_ptr(),
                host.as_ptr(),
                native::operation(Some(acl.operation)),
                native::permission(Some(acl.permission)),
                errstr.as_mut_ptr(),
                errstr.len(),
            )
        };
        match NonNull::new(binding) {
            Some(binding) => out.0.push(binding),
            None => {
                return Err(Failure::local(format!(
                    "invalid ACL binding ({acl}): {}",
                    errstr_text(&errstr)
                )));
            }
        }
    }
    Ok(out)
}

fn new_filters(filters: &[AclFilter]) -> Result<Bindings, Failure> {
    let mut out = Bindings(Vec::with_capacity(filters.len()));

    for filter in filters {
        let name = optional_c_string("resource name", filter.resource_name.as_deref())?;
        let principal = optional_c_string("principal", filter.principal.as_deref())?;
        let host = optional_c_string("host", filter.host.as_deref())?;
        let mut errstr = [0 as c_char; ERRSTR_LEN];

        // SAFETY: each string is null (no filtering) or NUL-terminated and
        // outlives the call (librdkafka copies it); errstr is writable.
        let native_filter = unsafe {
            rd::rd_kafka_AclBindingFilter_new(
                native::resource_type_filter(filter.resource_type),
                optional_ptr(&name),
                native::pattern_filter(filter.pattern),
                optional_ptr(&principal),
                optional_ptr(&host),
                native::operation(filter.operation),
                native::permission(filter.permission),
                errstr.as_mut_ptr(),
                errstr.len(),
            )
        };
        match NonNull::new(native_filter) {
            Some(native_filter) => out.0.push(native_filter),
            None => {
                return Err(Failure::local(format!(
                    "invalid ACL filter: {}",
                    errstr_text(&errstr)
                )));
            }
        }
    }
    Ok(out)
}

/// Copies a binding out of a librdkafka result.
///
/// # Safety
/// `acl` is a live binding owned by a result event that outlives the call.
unsafe fn read_binding(acl: *const rd::rd_kafka_AclBinding_t) -> AclBinding {
    // SAFETY: `acl` is live; its strings live as long as it does. The enum
    // getters return values librdkafka has range-checked while parsing the
    // response (unknown ones become the UNKNOWN variants).
    unsafe {
        AclBinding {
            resource_type: native::from_resource_type(rd::rd_kafka_AclBinding_restype(acl)),
            resource_name: string_at(rd::rd_kafka_AclBinding_name(acl)),
            pattern_type: native::from_pattern_type(rd::rd_kafka_AclBinding_resource_pattern_type(
                acl,
            )),
            principal: string_at(rd::rd_kafka_AclBinding_principal(acl)),
            host: string_at(rd::rd_kafka_AclBinding_host(acl)),
            operation: native::from_operation(rd::rd_kafka_AclBinding_operation(acl)),
            permission: native::from_permission(rd::rd_kafka_AclBinding_permission_type(acl)),
        }
    }
}
