//! One module per verb of `aion-events`.

pub mod bootstrap;
pub mod catalog;
pub mod connection;
pub mod dev;
pub mod gateway;
pub mod metrics;
pub mod publish;
pub mod registry;
pub mod schemas;
pub mod serve;
pub mod service;
pub mod supervise;
pub mod tail;
pub mod validate;
pub mod webhooks;
