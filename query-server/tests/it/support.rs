//! Shared helpers: a fixture generation and requests through the router.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use livesearch::analysis::Analyzer;
use livesearch::build::{build, BuildOptions, NoProgress};
use livesearch::dictionaries::Dictionaries;
use livesearch::generation::IndexRoot;
use query_server::config::ServerConfig;
use query_server::{app, AppState};
use tower::ServiceExt;

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// A copy of the fixture catalog with `lines` appended to `file`.
pub fn fixtures_with_lines(file: &str, lines: &str) -> tempfile::TempDir {
    let catalog = tempfile::tempdir().unwrap();
    for name in [
        "anchors.jsonl",
        "products.jsonl",
        "videos.jsonl",
        "queries.tsv",
    ] {
        std::fs::copy(fixtures_dir().join(name), catalog.path().join(name)).unwrap();
    }
    let mut text = std::fs::read_to_string(catalog.path().join(file)).unwrap();
    text.push_str(lines);
    std::fs::write(catalog.path().join(file), text).unwrap();
    catalog
}

/// A generation's folder under `root`.
pub fn generation_dir(root: &Path, generation: &str) -> PathBuf {
    root.join("generations").join(generation)
}

/// Builds the fixtures into `root` and returns the generation id.
pub fn build_fixtures(root: &Path) -> String {
    build_catalog(&fixtures_dir(), root)
}

pub fn build_catalog(catalog: &Path, root: &Path) -> String {
    let options = BuildOptions::new(catalog, root)
        .threads(2)
        .writer_memory_bytes(64 << 20);
    build(&options, &NoProgress).unwrap().manifest.generation
}

pub fn state_for(root: &Path, config: ServerConfig) -> AppState {
    AppState::new(
        config,
        Analyzer::new(&Dictionaries::embedded()),
        IndexRoot::new(root),
    )
}

/// A state serving the fixtures from a fresh root (kept alive by the returned dir).
pub async fn fixture_state() -> (tempfile::TempDir, AppState) {
    fixture_state_with(ServerConfig::default()).await
}

/// The same with `config`.
pub async fn fixture_state_with(config: ServerConfig) -> (tempfile::TempDir, AppState) {
    let root = tempfile::tempdir().unwrap();
    build_fixtures(root.path());
    let state = state_for(root.path(), config);
    state.reload(true).await;
    (root, state)
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: serde_json::Value,
    pub text: String,
}

/// Asserts an answer in the error shape: `status`, a JSON body whose error
/// has `code`, a message and, when given, names `parameter`.
pub fn assert_error(answer: &Answer, status: StatusCode, code: &str, parameter: Option<&str>) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.json["error"]["code"], code, "{}", answer.text);
    let content_type = answer
        .headers
        .get("content-type")
        .and_then(|value| value.to_str().ok());
    assert_eq!(content_type, Some("application/json"));
    assert!(answer.json["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    if let Some(parameter) = parameter {
        assert_eq!(
            answer.json["error"]["parameter"], parameter,
            "{}",
            answer.text
        );
    }
}

impl Answer {
    /// The value of the header `name`; panics when there is none.
    pub fn header(&self, name: &str) -> &str {
        self.headers[name].to_str().unwrap()
    }
}

pub async fn call(
    state: &AppState,
    method: Method,
    uri: &str,
    peer: Option<SocketAddr>,
    token: Option<&str>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut request = request.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        request.extensions_mut().insert(ConnectInfo(peer));
    }
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Answer {
        status,
        headers,
        json,
        text,
    }
}

pub async fn get(state: &AppState, uri: &str) -> Answer {
    call(state, Method::GET, uri, None, None).await
}

/// The URI of a search for `query` (percent-encoded) with more `params`
/// (`&limit=5`) after it.
pub fn search_uri(query: &str, params: &str) -> String {
    format!("/v1/search?q={}{params}", encode(query))
}

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    livesearch::text::percent_encode(text)
}

/// Sends `request` on a fresh connection and returns the whole answer.
pub fn raw_answer(base: &str, request: &[u8]) -> String {
    let address = base.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(request);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response).into_owned()
}

/// An HTTP client that returns 4xx and 5xx answers instead of failing on them.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// The base URL of a server started with `--addr 127.0.0.1:0` and its stdout
/// piped, from its first line (`listening on HOST:PORT`).
pub fn listening_base(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    format!("http://{address}")
}
