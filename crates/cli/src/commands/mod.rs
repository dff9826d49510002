//! One module per verb of `aion-events`.

pub mod bootstrap;
pub mod catalog;
pub mod registry;
pub mod schemas;
pub mod validate;
