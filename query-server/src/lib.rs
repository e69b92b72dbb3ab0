//! The query server: HTTP search (and suggestions) over the generation that
//! `ROOT/CURRENT` names. Handlers stay thin over the `livesearch` core.

pub mod config;
pub mod connections;
pub mod error;
pub mod memory;
pub mod metrics;
pub mod openapi;
pub mod params;
pub mod replica;
pub mod routes;
pub mod state;

pub use routes::app;
pub use state::AppState;
