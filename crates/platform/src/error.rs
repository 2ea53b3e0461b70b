//! Errors: [`ApiErr`] is what a request gets (a status and the contract's `ApiError` body);
//! [`StartError`] stops the server from starting.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::path::PathBuf;
use xinbao_domain::{FieldError, Invalid, StateError};
use xinbao_wire::ApiError;

#[derive(Debug, Clone)]
pub struct ApiErr {
    pub status: StatusCode,
    pub body: ApiError,
}

impl ApiErr {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiErr {
        ApiErr {
            status,
            body: ApiError {
                code: code.into(),
                message: message.into(),
                field: None,
                retry_after_s: None,
                tries_left: None,
            },
        }
    }

    pub fn field(mut self, field: &str) -> ApiErr {
        self.body.field = Some(field.into());
        self
    }

    pub fn retry_after(mut self, seconds: i64) -> ApiErr {
        self.body.retry_after_s = Some(seconds.max(1) as u64);
        self
    }

    pub fn tries_left(mut self, left: i64) -> ApiErr {
        self.body.tries_left = Some(left.max(0) as u32);
        self
    }

    pub fn unprocessable(code: &str, message: impl Into<String>) -> ApiErr {
        ApiErr::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> ApiErr {
        ApiErr::new(StatusCode::CONFLICT, code, message)
    }

    pub fn internal(message: &str) -> ApiErr {
        ApiErr::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// A validator's refusal of one request field.
    pub fn invalid(field: &str, e: Invalid) -> ApiErr {
        ApiErr::unprocessable(e.code.as_str(), e.message).field(field)
    }
}

impl From<FieldError> for ApiErr {
    fn from(e: FieldError) -> ApiErr {
        ApiErr::unprocessable(e.code.as_str(), e.message).field(&e.field)
    }
}

impl From<StateError> for ApiErr {
    fn from(e: StateError) -> ApiErr {
        ApiErr::conflict(e.code(), e.to_string())
    }
}

impl From<rusqlite::Error> for ApiErr {
    fn from(e: rusqlite::Error) -> ApiErr {
        // A trigger's RAISE message starts with its stable code: a rule, not a fault.
        if let rusqlite::Error::SqliteFailure(_, Some(msg)) = &e {
            if let Some((code, text)) = msg.split_once(": ") {
                if code.contains('.') && !code.contains(' ') {
                    return ApiErr::conflict(code, text);
                }
            }
        }
        tracing::error!("database: {e}");
        ApiErr::internal("the platform's database failed")
    }
}

impl IntoResponse for ApiErr {
    fn into_response(self) -> Response {
        // A wait in the body for our clients, and in the standard header for any client.
        let retry = self.body.retry_after_s;
        let mut response = (self.status, axum::Json(self.body)).into_response();
        if let Some(s) = retry {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(s),
            );
        }
        response
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("migrating the platform database: {0}")]
    Migrate(#[from] refinery::Error),
    #[error("certificate: {0}")]
    Cert(#[from] rcgen::Error),
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    #[error("could not listen on {0}")]
    Bind(std::net::SocketAddr),
    #[error("{0}")]
    Other(String),
}

impl From<ApiErr> for StartError {
    fn from(e: ApiErr) -> StartError {
        StartError::Other(format!("{}: {}", e.body.code, e.body.message))
    }
}
