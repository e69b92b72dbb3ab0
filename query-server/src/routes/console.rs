//! The SEO console: its page, script and style, compiled into the binary.

use axum::http::header;
use axum::response::{IntoResponse, Response};

// The SEO console: static files compiled into the binary, so it works
// offline and never reflects request input.
pub(super) const CONSOLE_HTML: &str = include_str!("../../console/index.html");
pub(super) const CONSOLE_JS: &str = include_str!("../../console/console.js");
pub(super) const CONSOLE_CSS: &str = include_str!("../../console/console.css");

pub(super) async fn console_page() -> Response {
    static_asset("text/html; charset=utf-8", CONSOLE_HTML)
}

pub(super) async fn console_script() -> Response {
    static_asset("text/javascript; charset=utf-8", CONSOLE_JS)
}

pub(super) async fn console_style() -> Response {
    static_asset("text/css; charset=utf-8", CONSOLE_CSS)
}

pub(super) fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:",
            ),
        ],
        body,
    )
        .into_response()
}
