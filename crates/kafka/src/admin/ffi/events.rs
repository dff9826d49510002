//! The pump that serves an admin client's main queue: log lines go to the
//! client context's `tracing` forwarding, global errors to its record.

use std::ffi::{c_char, c_int};
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};

use rdkafka::bindings as rd;
use rdkafka::client::Client;

use super::{Event, Queue, string_at};
use crate::context::KafkaContext;

/// Serves an admin client's main queue on a thread of its own. `rdkafka`
/// routes a client's log lines and global errors (a refused login, all
/// brokers down) to that queue, and its admin client never polls it: without
/// the pump those events would pile up unseen.
///
/// The pump must be stopped before its client is destroyed; dropping it
/// stops it.
pub(in crate::admin) struct MainQueuePump {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl MainQueuePump {
    pub(in crate::admin) fn start(client: &Client<KafkaContext>) -> std::io::Result<Self> {
        // SAFETY: the client is live; the new queue reference is released by
        // the guard when the thread ends, which `stop` waits for before the
        // owner of the pump lets the client go.
        let queue = NonNull::new(unsafe { rd::rd_kafka_queue_get_main(client.native_ptr()) })
            .map(Queue)
            .ok_or_else(|| std::io::Error::other("librdkafka has no main queue"))?;
        let context = client.context().as_ref().clone();
        let stop = Arc::new(AtomicBool::new(false));

        let stop_flag = Arc::clone(&stop);
        let handle = thread::Builder::new()
            .name("aion-kafka-admin-events".to_owned())
            .spawn(move || {
                while !stop_flag.load(Ordering::Relaxed) {
                    serve_one(&queue, &context, 100);
                }
            })?;

        Ok(MainQueuePump {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for MainQueuePump {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            // A panic on the pump thread has already been reported by the
            // panic hook; there is nothing left to clean up here.
            let _ = handle.join();
        }
    }
}

fn serve_one(queue: &Queue, context: &KafkaContext, timeout_ms: c_int) {
    // SAFETY: the queue is live; a returned event is ours (Event's drop).
    let Some(event) =
        NonNull::new(unsafe { rd::rd_kafka_queue_poll(queue.0.as_ptr(), timeout_ms) }).map(Event)
    else {
        return;
    };

    // SAFETY: the event is live.
    let kind = unsafe { rd::rd_kafka_event_type(event.ptr()) };
    match kind {
        rd::RD_KAFKA_EVENT_LOG => {
            let mut facility: *const c_char = ptr::null();
            let mut message: *const c_char = ptr::null();
            let mut level: c_int = 0;
            // SAFETY: the event is a log event; the out-pointers are valid,
            // and the strings they receive live as long as the event.
            let found = unsafe {
                rd::rd_kafka_event_log(event.ptr(), &mut facility, &mut message, &mut level) == 0
            };
            if found {
                // SAFETY: set by rd_kafka_event_log to strings of the event.
                let (facility, message) = unsafe { (string_at(facility), string_at(message)) };
                context.log_line(level, &facility, &message);
            }
        }
        rd::RD_KAFKA_EVENT_ERROR => {
            // SAFETY: the event is live; its error string lives as long.
            let (code, reason) = unsafe {
                (
                    rd::rd_kafka_event_error(event.ptr()),
                    string_at(rd::rd_kafka_event_error_string(event.ptr())),
                )
            };
            context.record_error(Some(code.into()), &reason);
        }
        _ => {}
    }
}
