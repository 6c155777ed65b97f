//! The clinical vocabulary of Rounds, shared by the desktop client and the server.
//!
//! Everything here is pure data and rules: no IO, no clock (callers pass `today`), no database.
//! Types that cross into the web UI derive [`ts_rs::TS`]; their TypeScript twins live in
//! `ui/src/bindings` and a test fails when those are stale (see `tests/bindings.rs`).

pub mod api;
pub mod billing;
pub mod catalog;
pub mod chart;
pub mod charting;
pub mod encounter;
pub mod error;
pub mod form;
pub mod ids;
pub mod ops;
pub mod patient;
pub mod practitioner;
pub mod routing;
pub mod state;
pub mod summary;
pub mod sync;
pub mod task;
pub mod tasks;
pub mod thread;
pub mod trends;
pub mod vitals;

pub use catalog::{ComplaintCatalog, ComplaintCatalogEntry, HpiPrompt, Icd10Code, SystemFindings};
pub use encounter::{Addendum, Encounter, EncounterMode, EncounterStatus};
pub use error::{ErrorBody, ErrorCode};
pub use ids::*;
pub use patient::{Allergy, Channel, Guardian, Medication, Patient, PatientListItem, Problem, Sex};
pub use practitioner::{License, Practitioner, Role};
pub use state::UsState;
pub use summary::{Summarizer, Summary, SummaryKind, SummarySentence};
pub use task::{Task, TaskAction, TaskEvent, TaskFocus, TaskKind, TaskPriority, TaskStatus};
pub use thread::{Delivery, Escalation, Message, MessageDirection, Thread, ThreadAction, ThreadStatus, ThreadTime};
