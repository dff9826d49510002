//! One module per verb of `aion-events`.

pub mod bootstrap;
pub mod catalog;
pub mod connection;
pub mod publish;
pub mod registry;
pub mod schemas;
pub mod tail;
pub mod validate;
pub mod webhooks;
