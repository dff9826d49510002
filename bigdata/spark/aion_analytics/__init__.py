"""Aion analytics: the Structured Streaming job over router decisions and task lifecycle
events, and the pieces it is made of (Confluent framing, registry look-ups, Avro schemas)."""
