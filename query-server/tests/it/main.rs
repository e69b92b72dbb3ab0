//! Query server tests: routes through `app(state)` with `oneshot`, and the
//! real binary on a loopback socket.

mod cli;
mod deploy;
mod end_to_end;
mod routes;
mod search_page;
mod store;
mod suggest;
mod support;
mod untrusted;
