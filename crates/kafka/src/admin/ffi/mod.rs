//! Every `unsafe` line of the crate lives under this module: the librdkafka
//! admin calls that `rdkafka` has no safe wrapper for (`acls`: CreateAcls,
//! DescribeAcls, DeleteAcls; `scram`: AlterUserScramCredentials,
//! DescribeUserScramCredentials; `configs`: IncrementalAlterConfigs), and
//! the pump that serves an admin client's main queue so its log lines and
//! errors reach the client context (`events`). This file holds what they
//! share: the owning guards, the string and array readers, and the request
//! runner.
//!
//! Each native object is owned by a small guard that releases it on drop,
//! so every early return frees what was allocated. The calls block on a
//! private result queue; callers run them on a blocking thread.

mod acls;
mod configs;
mod events;
mod scram;

pub(super) use acls::{create_acls, delete_acls, describe_acls};
pub(super) use configs::{ConfigChange, incremental_alter_topic_configs};
pub(super) use events::MainQueuePump;
pub(super) use scram::{Alteration, alter_scram, describe_scram};

use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr::{self, NonNull};
use std::time::Duration;

use rdkafka::bindings as rd;
use rdkafka::client::{Client, ClientContext};
use rdkafka::error::RDKafkaErrorCode;

/// Why a native call failed: librdkafka's or the broker's code, and text.
#[derive(Debug)]
pub(super) struct Failure {
    pub(super) code: Option<RDKafkaErrorCode>,
    pub(super) reason: String,
}

impl Failure {
    fn local(reason: impl Into<String>) -> Self {
        Failure {
            code: None,
            reason: reason.into(),
        }
    }
}

const NO_ERROR: rd::rd_kafka_resp_err_t = rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR;
const ERRSTR_LEN: usize = 512;

/// A reference to a librdkafka queue.
struct Queue(NonNull<rd::rd_kafka_queue_t>);

impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: the guard owns exactly one reference to the queue, taken by
        // rd_kafka_queue_new or rd_kafka_queue_get_main, released once here.
        unsafe { rd::rd_kafka_queue_destroy(self.0.as_ptr()) }
    }
}

// SAFETY: librdkafka queues are internally locked; a queue reference may be
// polled and released from any thread.
unsafe impl Send for Queue {}

struct Options(NonNull<rd::rd_kafka_AdminOptions_t>);

impl Drop for Options {
    fn drop(&mut self) {
        // SAFETY: created by rd_kafka_AdminOptions_new and owned by the guard.
        unsafe { rd::rd_kafka_AdminOptions_destroy(self.0.as_ptr()) }
    }
}

struct Event(NonNull<rd::rd_kafka_event_t>);

impl Event {
    fn ptr(&self) -> *mut rd::rd_kafka_event_t {
        self.0.as_ptr()
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        // SAFETY: returned by rd_kafka_queue_poll, which hands ownership to the
        // caller; everything borrowed from it is gone before the guard drops.
        unsafe { rd::rd_kafka_event_destroy(self.0.as_ptr()) }
    }
}

/// Copies a C string.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string valid for the call.
unsafe fn string_at(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }

    // SAFETY: non-null and NUL-terminated by the caller's guarantee.
    unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// Borrows a C array.
///
/// # Safety
/// `ptr` is null or points to `len` initialised elements that outlive `'a`.
unsafe fn array_at<'a, T>(ptr: *const T, len: usize) -> &'a [T] {
    if ptr.is_null() || len == 0 {
        return &[];
    }

    // SAFETY: the caller guarantees `len` readable elements living for 'a.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// Reads a per-item error; `None` when the item succeeded. Some results
/// (AlterUserScramCredentials) carry an error object even on success, with
/// the code NO_ERROR.
///
/// # Safety
/// `err` is null or a live `rd_kafka_error_t`.
unsafe fn item_error(err: *const rd::rd_kafka_error_t) -> Option<Failure> {
    if err.is_null() {
        return None;
    }

    // SAFETY: non-null and live by the caller's guarantee.
    let code = unsafe { rd::rd_kafka_error_code(err) };
    if code == NO_ERROR {
        return None;
    }

    // SAFETY: as above; the string lives as long as the error.
    let reason = unsafe { string_at(rd::rd_kafka_error_string(err)) };
    Some(Failure {
        code: Some(code.into()),
        reason,
    })
}

fn errstr_text(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn c_string(what: &str, value: &str) -> Result<CString, Failure> {
    CString::new(value).map_err(|_| Failure::local(format!("{what} contains a NUL character")))
}

fn optional_c_string(what: &str, value: Option<&str>) -> Result<Option<CString>, Failure> {
    value.map(|v| c_string(what, v)).transpose()
}

fn optional_ptr(value: &Option<CString>) -> *const c_char {
    value.as_ref().map_or(ptr::null(), |v| v.as_ptr())
}

/// Submits one admin request on a private queue and waits for its result.
/// `submit` receives the client, the options and the queue; the returned
/// event has the expected type and no request-level error.
fn run_admin_op<C: ClientContext>(
    client: &Client<C>,
    op: rd::rd_kafka_admin_op_t,
    expected: rd::rd_kafka_event_type_t,
    timeout: Duration,
    submit: impl FnOnce(
        *mut rd::rd_kafka_t,
        *const rd::rd_kafka_AdminOptions_t,
        *mut rd::rd_kafka_queue_t,
    ),
) -> Result<Event, Failure> {
    let rk = client.native_ptr();

    // SAFETY: `rk` is live while `client` is borrowed, which outlasts this call.
    let options = NonNull::new(unsafe { rd::rd_kafka_AdminOptions_new(rk, op) })
        .map(Options)
        .ok_or_else(|| Failure::local("librdkafka refused to create admin options"))?;

    let timeout_ms = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
    let mut errstr = [0 as c_char; ERRSTR_LEN];
    // SAFETY: the options are live; errstr is writable for the length given.
    let err = unsafe {
        rd::rd_kafka_AdminOptions_set_request_timeout(
            options.0.as_ptr(),
            timeout_ms,
            errstr.as_mut_ptr(),
            errstr.len(),
        )
    };
    if err != NO_ERROR {
        return Err(Failure {
            code: Some(err.into()),
            reason: errstr_text(&errstr),
        });
    }

    // SAFETY: `rk` is live; the queue guard is dropped before this function
    // returns, so before the client can be destroyed.
    let queue = NonNull::new(unsafe { rd::rd_kafka_queue_new(rk) })
        .map(Queue)
        .ok_or_else(|| Failure::local("librdkafka refused to create a result queue"))?;

    submit(rk, options.0.as_ptr(), queue.0.as_ptr());

    // librdkafka posts a timed-out result itself when the request timeout
    // expires; the margin only guards against a result that never comes.
    let wait_ms = timeout_ms.saturating_add(5_000);
    // SAFETY: the queue is live; a returned event is ours (Event's drop).
    let event = NonNull::new(unsafe { rd::rd_kafka_queue_poll(queue.0.as_ptr(), wait_ms) })
        .map(Event)
        .ok_or_else(|| Failure {
            code: Some(RDKafkaErrorCode::OperationTimedOut),
            reason: format!("no result within {} ms", wait_ms),
        })?;

    // SAFETY: the event is live; its error string lives as long as it does.
    let (kind, err, reason) = unsafe {
        (
            rd::rd_kafka_event_type(event.ptr()),
            rd::rd_kafka_event_error(event.ptr()),
            string_at(rd::rd_kafka_event_error_string(event.ptr())),
        )
    };
    if err != NO_ERROR {
        return Err(Failure {
            code: Some(err.into()),
            reason,
        });
    }
    if kind != expected {
        return Err(Failure::local(format!(
            "librdkafka answered with event type {kind}, expected {expected}"
        )));
    }
    Ok(event)
}
