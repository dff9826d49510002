//! The publisher against the real broker and an in-process registry: what lands, with
//! which key, partition and framing, and that nothing of an invalid batch lands at all.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use aion_avro::{Codec, framing};
use aion_publisher::{PublishError, PublisherOptions, SchemaDecoder};
use aion_registry_client::SchemaType;
use common::{Record, Setup, valid_events};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn valid_events_land_keyed_framed_and_decodable() {
    let setup = Setup::new(3, true).await;
    let publisher = setup.publisher(PublisherOptions::default());
    let events = valid_events();

    let outcomes = publisher
        .publish_batch(&setup.topic, events.clone())
        .await
        .unwrap();
    let delivered: Vec<_> = outcomes.into_iter().map(Result::unwrap).collect();

    let mirror =
        std::fs::read_to_string(common::repo_root().join("bigdata/schemas/router_decision.avsc"))
            .unwrap();
    let registered = setup
        .registry
        .lookup(&format!("{}-value", setup.topic), &mirror, SchemaType::Avro)
        .await
        .unwrap()
        .unwrap();
    let codec = Codec::from_avro_schema(&mirror).unwrap();

    let records = setup.consume_all().await;
    assert_eq!(records.len(), events.len());

    let by_place: HashMap<(i32, i64), &Record> = records
        .iter()
        .map(|r| ((r.partition, r.offset), r))
        .collect();
    let mut partition_of_key: HashMap<String, i32> = HashMap::new();
    for (event, delivery) in events.iter().zip(&delivered) {
        let record = by_place[&(delivery.partition, delivery.offset)];
        assert_eq!(record.key, event["task_id"].as_str().unwrap());
        assert_eq!(delivery.key, record.key);

        assert_eq!(record.value[0], 0, "magic byte");
        let (id, body) = framing::split(&record.value).unwrap();
        assert_eq!(id, registered.id);
        assert_eq!(&codec.decode(body).unwrap()["event_id"], &event["event_id"]);

        // Kafka's default partitioner hashes the key: one key, one partition.
        let first = *partition_of_key
            .entry(record.key.clone())
            .or_insert(record.partition);
        assert_eq!(first, record.partition);
    }

    let decoder = SchemaDecoder::new(setup.registry.clone());
    let first = &records[0];
    let decoded = decoder.decode(&first.value).await.unwrap();
    assert_eq!(decoded["task_id"].as_str(), Some(first.key.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_key_always_goes_to_one_partition() {
    let setup = Setup::new(6, true).await;
    let publisher = setup.publisher(PublisherOptions::default());
    let template = valid_events().remove(0);

    let mut events = Vec::new();
    for i in 0..60 {
        let mut event = template.clone();
        event["task_id"] = json!(format!("task-{}", i % 5));
        event.as_object_mut().unwrap().remove("event_id");
        events.push(event);
    }
    let delivered: Vec<_> = publisher
        .publish_batch(&setup.topic, events)
        .await
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();

    let mut partitions: HashMap<&str, Vec<i32>> = HashMap::new();
    for d in &delivered {
        partitions.entry(&d.key).or_default().push(d.partition);
    }
    assert_eq!(partitions.len(), 5);
    for (key, seen) in partitions {
        assert!(seen.iter().all(|p| *p == seen[0]), "{key}: {seen:?}");
    }

    // The filled event ids are fresh and distinct.
    let ids: std::collections::HashSet<_> = delivered
        .iter()
        .map(|d| d.event_id.clone().unwrap())
        .collect();
    assert_eq!(ids.len(), 60);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_event_is_reported_with_every_violation_and_never_lands() {
    let setup = Setup::new(1, true).await;
    let publisher = setup.publisher(PublisherOptions::default());
    let mut bad = valid_events().remove(0);
    bad["latency_ms"] = json!("slow");
    bad["privacy_tier"] = json!("nobody-knows");

    let error = publisher.publish(&setup.topic, bad).await.unwrap_err();

    let PublishError::ValidateEvents { rejections, .. } = error else {
        panic!("expected a rejection, got {error}");
    };
    assert_eq!(rejections.len(), 1);
    let paths: Vec<&str> = rejections[0]
        .violations
        .iter()
        .map(|v| v.instance_path.as_str())
        .collect();
    assert!(paths.contains(&"/latency_ms"), "{paths:?}");
    assert!(paths.contains(&"/privacy_tier"), "{paths:?}");

    assert!(setup.consume_all().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_with_one_invalid_event_sends_nothing() {
    let setup = Setup::new(2, true).await;
    let publisher = setup.publisher(PublisherOptions::default());
    let mut events = valid_events();
    events[3].as_object_mut().unwrap().remove("task_id");

    let error = publisher
        .publish_batch(&setup.topic, events)
        .await
        .unwrap_err();

    let PublishError::ValidateEvents { rejections, .. } = error else {
        panic!("expected a rejection, got {error}");
    };
    assert_eq!(rejections.iter().map(|r| r.index).collect::<Vec<_>>(), [3]);
    assert!(setup.consume_all().await.is_empty());

    // A good event afterwards lands: the producer was not left in a bad state.
    publisher
        .publish(&setup.topic, valid_events().remove(0))
        .await
        .unwrap();
    assert_eq!(setup.consume_all().await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn envelope_fields_are_filled_when_absent() {
    let setup = Setup::new(1, true).await;
    let publisher = setup.publisher(PublisherOptions::default());
    let mut event = valid_events().remove(0);
    let fields = event.as_object_mut().unwrap();
    fields.remove("event_id");
    fields.remove("occurred_at");

    let delivered = publisher.publish(&setup.topic, event).await.unwrap();

    let records = setup.consume_all().await;
    let decoded = SchemaDecoder::new(setup.registry.clone())
        .decode(&records[0].value)
        .await
        .unwrap();
    assert_eq!(decoded["event_id"].as_str(), delivered.event_id.as_deref());
    let at = decoded["occurred_at"].as_str().unwrap();
    assert!(
        at.ends_with('Z') && at.len() == "2026-01-01T00:00:00.000000Z".len(),
        "{at}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_topic_and_unregistered_schema_are_errors() {
    let setup = Setup::new(1, false).await;
    let publisher = setup.publisher(PublisherOptions::default());
    let event = valid_events().remove(0);

    let unknown = publisher
        .publish("no.such.topic", event.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, PublishError::UnknownTopic { .. }),
        "{unknown}"
    );

    let unregistered = publisher
        .publish(&setup.topic, event.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(unregistered, PublishError::SchemaNotRegistered { .. }),
        "{unregistered}"
    );
    assert!(setup.consume_all().await.is_empty());

    // With auto-registration on, the first publish registers the mirror.
    let registering = setup.publisher(PublisherOptions {
        auto_register: true,
        ..PublisherOptions::default()
    });
    registering.publish(&setup.topic, event).await.unwrap();
    let versions = setup
        .registry
        .subject_versions(&format!("{}-value", setup.topic))
        .await
        .unwrap();
    assert_eq!(versions, [1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn undecodable_records_are_errors_not_panics() {
    let setup = Setup::new(1, true).await;
    let decoder = SchemaDecoder::new(setup.registry.clone());

    let short = decoder.decode(&[0, 0]).await.unwrap_err();
    assert!(
        matches!(
            short,
            PublishError::DecodeRecord {
                schema_id: None,
                ..
            }
        ),
        "{short}"
    );

    // An id the registry does not hold is a broken record, not an unreachable registry,
    // and stays so when asked again (from memory).
    for _ in 0..2 {
        let unknown_id = decoder.decode(&[0, 0x7f, 0, 0, 1, 2]).await.unwrap_err();
        assert!(
            matches!(
                unknown_id,
                PublishError::DecodeRecord {
                    schema_id: Some(0x7f00_0001),
                    ..
                }
            ),
            "{unknown_id}"
        );
        assert!(
            unknown_id.to_string().contains("not registered"),
            "{unknown_id}"
        );
    }

    let mirror =
        std::fs::read_to_string(common::repo_root().join("bigdata/schemas/router_decision.avsc"))
            .unwrap();
    let id = setup
        .registry
        .lookup(&format!("{}-value", setup.topic), &mirror, SchemaType::Avro)
        .await
        .unwrap()
        .unwrap()
        .id;
    let mut garbage = Vec::new();
    framing::write_header(id, &mut garbage);
    garbage.extend_from_slice(&[0xff; 7]);
    let bad_body = decoder.decode(&garbage).await.unwrap_err();
    assert!(
        matches!(bad_body, PublishError::DecodeRecord { schema_id: Some(i), .. } if i == id),
        "{bad_body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_queue_is_its_own_error_and_waiting_for_room_delivers_everything() {
    let mut setup = Setup::new(1, true).await;
    // A queue of two records: a batch of 40 cannot fit at once.
    setup.kafka = setup
        .kafka
        .clone()
        .with_property("queue.buffering.max.messages", "2")
        .with_property("linger.ms", "200");
    let events: Vec<_> = (0..40)
        .map(|n| {
            let mut event = valid_events().remove(0);
            event["event_id"] = json!(format!("00000000-0000-4000-8000-{n:012}"));
            event
        })
        .collect();

    let impatient = setup.publisher(PublisherOptions {
        queue_wait: std::time::Duration::ZERO,
        ..PublisherOptions::default()
    });
    let outcomes = impatient
        .publish_batch(&setup.topic, events.clone())
        .await
        .unwrap();
    let sent = outcomes.iter().filter(|o| o.is_ok()).count();
    let full = outcomes
        .iter()
        .filter(|o| matches!(o, Err(PublishError::QueueFull { .. })))
        .count();
    assert!(full > 0, "no QueueFull with a queue of 2");
    assert_eq!(sent + full, events.len());
    assert!(outcomes[0].is_ok());
    assert_eq!(setup.consume_all().await.len(), sent);

    // The same batch with time to wait for room goes through entirely.
    let patient = setup.publisher(PublisherOptions {
        queue_wait: std::time::Duration::from_secs(30),
        ..PublisherOptions::default()
    });
    let outcomes = patient.publish_batch(&setup.topic, events).await.unwrap();
    assert!(outcomes.iter().all(Result::is_ok));
    assert_eq!(setup.consume_all().await.len(), sent + 40);
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_count_outcomes_and_schema_id_lookups_per_topic() {
    let setup = Setup::new(1, true).await;
    let publisher = setup.publisher(PublisherOptions::default());
    let events = valid_events();

    publisher
        .publish_batch(&setup.topic, events.clone())
        .await
        .unwrap();
    let mut invalid = events[0].clone();
    invalid["latency_ms"] = json!(-1);
    let refused = publisher
        .publish_batch(&setup.topic, vec![events[0].clone(), invalid])
        .await;
    assert!(matches!(refused, Err(PublishError::ValidateEvents { .. })));

    let stats = publisher.stats();
    let ours = stats.iter().find(|s| s.topic == setup.topic).unwrap();
    assert_eq!(ours.published, events.len() as u64);
    assert_eq!(
        ours.invalid, 1,
        "only the invalid event of the refused batch"
    );
    assert_eq!((ours.failed, ours.queue_full), (0, 0));
    assert_eq!((ours.schema_id_misses, ours.schema_id_hits), (1, 1));

    let untouched = stats.iter().find(|s| s.topic != setup.topic).unwrap();
    assert_eq!(untouched.schema_id_misses + untouched.published, 0);
}
