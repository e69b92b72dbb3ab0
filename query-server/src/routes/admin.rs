//! `/admin/*`: loopback or bearer-token callers only.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::state::{AppState, ReloadOutcome};

/// `/admin/*` is for loopback callers, or for anyone with the bearer token
/// when one is configured.
pub(super) fn authorize_admin(
    state: &AppState,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    match &state.config().server.admin_token {
        Some(token) => {
            let presented = headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .unwrap_or("");
            if constant_time_eq(presented.as_bytes(), token.as_bytes()) {
                Ok(())
            } else {
                Err(ApiError::new(
                    ErrorCode::Unauthorized,
                    "admin routes need a valid bearer token",
                ))
            }
        }
        None if peer.is_some_and(|peer| peer.ip().is_loopback()) => Ok(()),
        None => Err(ApiError::new(
            ErrorCode::Forbidden,
            "admin routes answer loopback callers only",
        )),
    }
}

/// Compares without an early exit on the first differing byte, so the time
/// taken does not tell how much of a guessed token was right.
pub(super) fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    let mut difference = (left.len() ^ right.len()) as u8 | u8::from(left.len() != right.len());
    for (index, byte) in right.iter().enumerate() {
        let other = left.get(index).copied().unwrap_or(0);
        difference |= other ^ byte;
    }
    difference == 0
}

/// Loads the generation CURRENT names now (the server also polls it).
#[utoipa::path(post, path = "/admin/reload", tag = "operations",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "loaded, or already served", body = ReloadOutcome),
        (status = 409, description = "the generation was refused; the previous one is still served", body = ReloadOutcome),
        (status = 401, description = "a token is configured and the request lacks it", body = ErrorBody),
        (status = 403, description = "no token is configured and the caller is not on loopback", body = ErrorBody),
    ))]
pub(crate) async fn admin_reload(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, ApiError> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| *address);
    authorize_admin(&state, peer, request.headers())?;
    let outcome = state.reload(true).await;
    let status = match &outcome {
        crate::state::ReloadOutcome::Refused { .. } => StatusCode::CONFLICT,
        _ => StatusCode::OK,
    };
    Ok((status, Json(outcome)).into_response())
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn constant_time_eq_matches_only_equal_tokens() {
        assert!(constant_time_eq(b"secret-token-123", b"secret-token-123"));
        assert!(!constant_time_eq(b"secret-token-124", b"secret-token-123"));
        assert!(!constant_time_eq(b"secret-token-12", b"secret-token-123"));
        assert!(!constant_time_eq(b"", b"secret-token-123"));
    }
}
