//! The API's error shape, and the one place where error codes become HTTP
//! statuses: `{"error": {"code": "...", "parameter": "...", "message": "..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// Transport-neutral error codes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidParameter,
    /// A request that is not valid HTTP (answered by the HTTP layer).
    BadRequest,
    UriTooLong,
    HeadersTooLarge,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    Unauthorized,
    Forbidden,
    NotReady,
    Overloaded,
    Timeout,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::InvalidParameter | ErrorCode::BadRequest => StatusCode::BAD_REQUEST,
            ErrorCode::UriTooLong => StatusCode::URI_TOO_LONG,
            ErrorCode::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Overloaded => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code a response of another layer (axum, tower) stands for.
    pub fn from_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::BAD_REQUEST => ErrorCode::InvalidParameter,
            StatusCode::URI_TOO_LONG => ErrorCode::UriTooLong,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => ErrorCode::HeadersTooLarge,
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
            StatusCode::FORBIDDEN => ErrorCode::Forbidden,
            StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Overloaded,
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => ErrorCode::Timeout,
            _ => ErrorCode::Internal,
        }
    }
}

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    pub message: String,
}

/// Seconds a client is told to wait after a 503 for overload.
pub const RETRY_AFTER_SECONDS: u32 = 1;
/// Seconds a client is told to wait after a 503 because no generation is
/// loaded yet (the server looks for one every second by default).
pub const NOT_READY_RETRY_AFTER_SECONDS: u32 = 5;

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            parameter: None,
            message: message.into(),
        }
    }

    pub fn invalid(parameter: &str, message: impl Into<String>) -> Self {
        ApiError {
            code: ErrorCode::InvalidParameter,
            parameter: Some(parameter.to_string()),
            message: message.into(),
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        ApiError::new(ErrorCode::Internal, "internal error")
    }
}

/// The body of every error response.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    error: &'a ApiError,
}

impl<'a> ErrorBody<'a> {
    pub fn new(error: &'a ApiError) -> Self {
        ErrorBody { error }
    }
}

/// The error responses every read endpoint documents (`responses(...,
/// ReadErrors)` in a handler's `#[utoipa::path]`): one wording for all of
/// them, and a `Retry-After` on the 503 that `into_response` always sends.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only its OpenAPI description is used.
pub(crate) enum ReadErrors {
    /// A bad parameter, named in the error.
    #[response(status = 400, description = "a bad parameter, named in the error")]
    BadParameter(ErrorBody<'static>),
    /// No generation loaded, or overloaded.
    #[response(
        status = 503,
        description = "no generation loaded, or overloaded",
        headers(("Retry-After" = u32, description = "seconds to wait"))
    )]
    Unavailable(ErrorBody<'static>),
    /// The request took too long.
    #[response(status = 504, description = "the request took too long")]
    TimedOut(ErrorBody<'static>),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.code.status();
        let mut response = (status, axum::Json(ErrorBody { error: &self })).into_response();
        let retry_after = match self.code {
            ErrorCode::Overloaded => Some(RETRY_AFTER_SECONDS),
            ErrorCode::NotReady => Some(NOT_READY_RETRY_AFTER_SECONDS),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
