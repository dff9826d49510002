//! Which offsets may be committed: a record's offset is committed only once every
//! delivery it started has succeeded or been handed to a retry or dead-letter topic.
//!
//! Records complete out of order (one slow endpoint, one fast), so each partition keeps
//! the set of offsets still pending, and its commit point is the lowest of them, or one
//! past the last record seen when none is pending.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rdkafka::{Offset, TopicPartitionList};
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::mpsc::UnboundedSender;

/// A record's place in Kafka.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Position {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
}

#[derive(Debug, Default)]
struct PartitionState {
    pending: BTreeSet<i64>,
    next: i64,
    committed: Option<i64>,
}

/// The pending offsets of every partition one consumer reads.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    partitions: HashMap<(String, i32), PartitionState>,
}

impl Tracker {
    /// Records that `position` was read and is being worked on.
    pub fn start(&mut self, position: &Position) {
        let state = self
            .partitions
            .entry((position.topic.clone(), position.partition))
            .or_default();

        // Reading an offset again means the partition was re-assigned or rewound: what
        // was pending before will be read again too, so forget it.
        if position.offset < state.next {
            state.pending.clear();
        }
        state.pending.insert(position.offset);
        state.next = position.offset + 1;
    }

    /// Records that every delivery of `position` is done or handed on.
    pub fn finish(&mut self, position: &Position) {
        if let Some(state) = self
            .partitions
            .get_mut(&(position.topic.clone(), position.partition))
        {
            state.pending.remove(&position.offset);
        }
    }

    /// The offsets to commit that moved since the last call, if any.
    pub fn take_commit(&mut self) -> Option<TopicPartitionList> {
        let mut list = TopicPartitionList::new();

        for ((topic, partition), state) in &mut self.partitions {
            let point = state.pending.first().copied().unwrap_or(state.next);
            if state.committed != Some(point) {
                // Adding to a fresh list fails only for an invalid offset; skipping the
                // partition then only delays its commit.
                if list
                    .add_partition_offset(topic, *partition, Offset::Offset(point))
                    .is_ok()
                {
                    state.committed = Some(point);
                }
            }
        }
        (list.count() > 0).then_some(list)
    }

    /// Whether any record is still pending.
    pub fn is_idle(&self) -> bool {
        self.partitions.values().all(|s| s.pending.is_empty())
    }
}

/// Held by every delivery task of one record; when the last one drops it, the record is
/// reported done. A record whose hand-off failed is abandoned instead, so its offset is
/// not committed and it is read again after a restart.
#[derive(Debug)]
pub(crate) struct RecordGuard {
    position: Position,
    done: UnboundedSender<Position>,
    abandoned: AtomicBool,
    _permit: OwnedSemaphorePermit,
}

impl RecordGuard {
    pub fn new(
        position: Position,
        done: UnboundedSender<Position>,
        permit: OwnedSemaphorePermit,
    ) -> Arc<RecordGuard> {
        Arc::new(RecordGuard {
            position,
            done,
            abandoned: AtomicBool::new(false),
            _permit: permit,
        })
    }

    /// Keeps the record from being reported done.
    pub fn abandon(&self) {
        self.abandoned.store(true, Ordering::SeqCst);
    }
}

impl Drop for RecordGuard {
    fn drop(&mut self) {
        if !self.abandoned.load(Ordering::SeqCst) {
            // The receiver is gone only once the consumer loop ended; nothing to report.
            let _ = self.done.send(self.position.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn at(offset: i64) -> Position {
        Position {
            topic: "t".into(),
            partition: 0,
            offset,
        }
    }

    fn committed(tracker: &mut Tracker) -> Option<i64> {
        let list = tracker.take_commit()?;
        let element = list.find_partition("t", 0)?;
        match element.offset() {
            Offset::Offset(o) => Some(o),
            _ => None,
        }
    }

    #[test]
    fn commit_point_waits_for_the_lowest_pending() {
        let mut tracker = Tracker::default();
        for offset in 10..15 {
            tracker.start(&at(offset));
        }

        tracker.finish(&at(11));
        tracker.finish(&at(12));
        assert_eq!(committed(&mut tracker), Some(10));

        tracker.finish(&at(10));
        assert_eq!(committed(&mut tracker), Some(13));
        assert_eq!(
            committed(&mut tracker),
            None,
            "unchanged, nothing new to commit"
        );

        tracker.finish(&at(13));
        tracker.finish(&at(14));
        assert_eq!(committed(&mut tracker), Some(15));
        assert!(tracker.is_idle());
    }

    #[test]
    fn rewind_forgets_stale_pending() {
        let mut tracker = Tracker::default();
        tracker.start(&at(5));
        tracker.start(&at(6));

        tracker.start(&at(3));

        assert_eq!(committed(&mut tracker), Some(3));
    }
}
