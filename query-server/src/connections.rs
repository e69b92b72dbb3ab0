//! The accept loop: HTTP/1.1 connections served by hyper with the limits a
//! public socket needs, which `axum::serve` does not set.
//!
//! - at most `max_connections` open at once (beyond it new ones wait in the
//!   kernel's backlog), so file descriptors remain for the index and CURRENT;
//! - a connection must send a whole request head within the header-read
//!   timeout, counted from its accept or from the first byte of each later
//!   request (a partial head is not held open);
//! - a connection with no bytes either way for the idle timeout is closed;
//! - the errors hyper answers by itself (400 for a malformed request, 414,
//!   431) get the API's JSON error body;
//! - on shutdown, no new connection is accepted and those open finish their
//!   requests in flight (up to the grace period).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::error::{ApiError, ErrorBody, ErrorCode};

/// Limits of the connections one server accepts.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// How long shutdown waits for open connections to finish.
    pub shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets open
/// connections finish (up to the grace period).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    // The head timeout is ours (ConnectionIo): hyper's starts while a
    // keep-alive connection waits, which would make it the idle timeout too.
    http.header_read_timeout(None);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or a connection reset before accept:
                    // wait a little rather than spin, then go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(ConnectionIo::new(stream, limits));
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%peer, %error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period");
    }
}

/// A TCP stream with the header-read and idle timeouts, and the rewriting
/// of hyper's bodiless error answers into the API's JSON shape.
struct ConnectionIo {
    stream: TcpStream,
    limits: ConnectionLimits,
    /// Wakes the reader at the nearer of the two deadlines.
    timer: Pin<Box<Sleep>>,
    idle_deadline: Instant,
    /// Set while a request head is being received.
    head_deadline: Option<Instant>,
    /// Whether the bytes read next belong to a request head.
    reading_head: bool,
    /// The last bytes of the head so far, to find its end across reads.
    head_tail: Vec<u8>,
    /// A rewritten answer still to be written, and how much of it is.
    replacement: Option<(Vec<u8>, usize)>,
}

impl ConnectionIo {
    fn new(stream: TcpStream, limits: ConnectionLimits) -> Self {
        let now = Instant::now();
        let head_deadline = now + limits.header_read_timeout;
        ConnectionIo {
            stream,
            limits,
            timer: Box::pin(tokio::time::sleep_until(head_deadline)),
            idle_deadline: now + limits.idle_timeout,
            head_deadline: Some(head_deadline),
            reading_head: true,
            head_tail: Vec::new(),
            replacement: None,
        }
    }

    fn next_deadline(&self) -> Instant {
        match self.head_deadline {
            Some(head) => head.min(self.idle_deadline),
            None => self.idle_deadline,
        }
    }

    fn saw_read(&mut self, bytes: &[u8]) {
        let now = Instant::now();
        self.idle_deadline = now + self.limits.idle_timeout;
        if !self.reading_head {
            return;
        }
        if self.head_deadline.is_none() {
            self.head_deadline = Some(now + self.limits.header_read_timeout);
        }
        self.head_tail.extend_from_slice(bytes);
        if self
            .head_tail
            .windows(4)
            .any(|window| window == b"\r\n\r\n")
        {
            self.reading_head = false;
            self.head_deadline = None;
            self.head_tail.clear();
            return;
        }
        let keep_from = self.head_tail.len().saturating_sub(3);
        self.head_tail.drain(..keep_from);
    }

    fn saw_write(&mut self) {
        self.idle_deadline = Instant::now() + self.limits.idle_timeout;
        // An answer is going out: what is read next starts the next request.
        self.reading_head = true;
        self.head_deadline = None;
        self.head_tail.clear();
    }

    /// Whether a deadline has passed; re-arms the timer otherwise.
    fn poll_deadlines(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        loop {
            let deadline = self.next_deadline();
            if self.timer.deadline() != deadline {
                self.timer.as_mut().reset(deadline);
            }
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let now = Instant::now();
            if self.head_deadline.is_some_and(|head| head <= now) {
                return Poll::Ready(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "request head not received within the header-read timeout",
                ));
            }
            if self.idle_deadline <= now {
                return Poll::Ready(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "connection idle past the idle timeout",
                ));
            }
        }
    }

    /// Writes what is left of a rewritten answer.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.replacement {
            if *written == bytes.len() {
                self.replacement = None;
                break;
            }
            let count =
                std::task::ready!(Pin::new(&mut self.stream).poll_write(cx, &bytes[*written..]))?;
            if count == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += count;
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ConnectionIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        match Pin::new(&mut this.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let read = &buf.filled()[before..];
                if !read.is_empty() {
                    this.saw_read(read);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => match this.poll_deadlines(cx) {
                Poll::Ready(error) => Poll::Ready(Err(error)),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl AsyncWrite for ConnectionIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        std::task::ready!(this.poll_replacement(cx))?;
        if let Some(answer) = json_error_answer(buf) {
            // hyper's own answer is taken whole and replaced by ours.
            this.replacement = Some((answer, 0));
            this.saw_write();
            std::task::ready!(this.poll_replacement(cx))?;
            return Poll::Ready(Ok(buf.len()));
        }
        let written = std::task::ready!(Pin::new(&mut this.stream).poll_write(cx, buf))?;
        if written > 0 {
            this.saw_write();
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_replacement(cx))?;
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// When `head` is one of hyper's automatic answers to an unreadable request
/// (status 400, 414 or 431 and no body), the same answer with the API's JSON
/// error body. Our own error answers always have a body, so they never match.
fn json_error_answer(head: &[u8]) -> Option<Vec<u8>> {
    let (code, message) = match head.get(..13)? {
        b"HTTP/1.1 400 " => (ErrorCode::BadRequest, "the request is not valid HTTP"),
        b"HTTP/1.1 414 " => (ErrorCode::UriTooLong, "the request target is too long"),
        b"HTTP/1.1 431 " => (
            ErrorCode::HeadersTooLarge,
            "the request headers are too large or too many",
        ),
        _ => return None,
    };
    if !head.ends_with(b"\r\n\r\n") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?.to_ascii_lowercase();
    if !text.contains("\r\ncontent-length: 0\r\n") {
        return None;
    }
    let error = ApiError::new(code, message);
    let body = serde_json::to_vec(&ErrorBody::new(&error)).ok()?;
    let status = code.status();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\nx-content-type-options: nosniff\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

/// The soft limit on open file descriptors of this process, when known.
pub fn file_descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct we pass and nothing else.
        let result = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        if result == 0 && limit.rlim_cur != libc::RLIM_INFINITY {
            return Some(limit.rlim_cur);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bodiless_error_heads_are_rewritten() {
        let hyper_head =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let answer = String::from_utf8(json_error_answer(hyper_head).unwrap()).unwrap();
        assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
        let body = answer.split("\r\n\r\n").nth(1).unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], "headers_too_large");

        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 80\r\n\r\n";
        assert!(json_error_answer(ours).is_none());
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(json_error_answer(ok).is_none());
    }
}
