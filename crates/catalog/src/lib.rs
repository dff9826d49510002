//! The Aion event catalog: which topics exist, how they are keyed, which JSON Schema their
//! events must satisfy, where their Avro mirrors live, and who may use them.
//!
//! [`Catalog::load`] reads and checks `bigdata/topics.yaml`; [`EventValidator`] checks one
//! event against its topic's schema and reports every violation with its JSON pointer;
//! [`mirror`] generates the Avro mirrors and finds the committed ones that drifted.

mod error;
pub mod input;
mod load;
pub mod mirror;
mod model;
mod validate;

pub use error::{CatalogError, Problem};
pub use model::{Catalog, CleanupPolicy, Compatibility, InternalTopic, ServiceAccount, Topic};
pub use validate::{EventValidator, Violation};
