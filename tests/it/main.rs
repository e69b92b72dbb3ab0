//! Integration tests of the library core, one binary with named modules.

mod analysis_golden;
mod build;
mod build_golden;
mod generations;
mod ranking;
mod result_page;
mod support;
mod validation;
