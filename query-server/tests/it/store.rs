//! Replicas against a real S3-compatible server (moto's, on loopback): the
//! indexer publishes, two replicas follow; a publish killed midway, a
//! corrupted object, the store stopped and a replica restarted without it,
//! a generation built with other dictionaries.
//!
//! `.ci/run` installs moto and sets `LIVESEARCH_MOTO_SERVER` to its
//! `moto_server`; the test starts its own server on a free port so it can
//! stop and restart it. Under `CI=true` a missing server fails the test;
//! elsewhere the test says it is skipped.

#[path = "../../../tests/common/build_args.rs"]
mod build_args;

use build_args::build_args;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ObjectStore, ObjectStoreExt, PutOptions};

use crate::end_to_end::get_json;
use crate::support::{agent, fixtures_dir, generation_dir, listening_base};

const BUCKET: &str = "livesearch";
const URL: &str = "s3://livesearch/nightly";

/// A moto server on a loopback port; killed when dropped.
struct Moto {
    program: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Moto {
    fn start(program: PathBuf) -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let mut moto = Moto {
            program,
            port,
            child: None,
        };
        moto.restart();
        moto
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the server (moto keeps objects in memory: a restart is an
    /// empty store) and creates the bucket.
    fn restart(&mut self) {
        let child = Command::new(&self.program)
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{}: {error}", self.program.display()));
        self.child = Some(child);
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let created = agent
                .put(format!("{}/{BUCKET}", self.endpoint()))
                .send_empty();
            if created.is_ok_and(|response| response.status().is_success()) {
                return;
            }
            assert!(Instant::now() < deadline, "moto did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A client of the store, as the binaries make one from the environment.
    fn client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("livesearch-test")
            .with_secret_access_key("livesearch-test-secret")
            .build()
            .unwrap()
    }
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The moto server to test against, or `None` (with a message) outside CI.
fn moto_program() -> Option<PathBuf> {
    match std::env::var_os("LIVESEARCH_MOTO_SERVER") {
        Some(program) => Some(PathBuf::from(program)),
        None if std::env::var("CI").is_ok_and(|value| value == "true") => {
            panic!(
                "CI=true but LIVESEARCH_MOTO_SERVER is not set: .ci/run installs moto and sets it"
            )
        }
        None => {
            eprintln!(
                "skipped: set LIVESEARCH_MOTO_SERVER to a moto_server (pip install 'moto[server]') to run the object store tests"
            );
            None
        }
    }
}

/// The indexer binary beside this package's: `cargo test --workspace`
/// builds it with its fail points.
fn indexer() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_query-server")).with_file_name("indexer");
    assert!(
        path.is_file(),
        "{} is missing: run cargo test --workspace (it builds the indexer with its fail points)",
        path.display()
    );
    path
}

fn with_store_env(command: &mut Command, moto: &Moto) {
    command
        .env("AWS_ACCESS_KEY_ID", "livesearch-test")
        .env("AWS_SECRET_ACCESS_KEY", "livesearch-test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ALLOW_HTTP", "true")
        .env("RUST_LOG", "warn");
}

fn run_indexer(moto: &Moto, args: &[&str]) -> Output {
    let mut command = Command::new(indexer());
    command.args(args);
    with_store_env(&mut command, moto);
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("livesearch-test-secret"), "{stderr}");
    output
}

fn build(moto: &Moto, root: &Path) -> String {
    build_with(moto, root, &[])
}

fn build_with(moto: &Moto, root: &Path, extra: &[&str]) -> String {
    let output = run_indexer(moto, &build_args(&fixtures_dir(), root, extra));
    assert!(output.status.success(), "{output:?}");
    std::fs::read_to_string(root.join("CURRENT"))
        .unwrap()
        .trim()
        .to_string()
}

fn publish(moto: &Moto, root: &Path) -> String {
    let output = run_indexer(
        moto,
        &[
            "publish",
            "--index-root",
            root.to_str().unwrap(),
            "--to",
            URL,
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{output:?}");
    stdout
}

/// Publishes until the fail point after the first uploaded file, then kill -9.
fn publish_killed_midway(moto: &Moto, root: &Path) {
    let mut command = Command::new(indexer());
    command
        .args([
            "publish",
            "--index-root",
            root.to_str().unwrap(),
            "--to",
            URL,
        ])
        .env("LIVESEARCH_FAIL_POINT", "during_upload")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    with_store_env(&mut command, moto);
    let mut child = command.spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let reached = stderr
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("fail point during_upload reached"));
    assert!(
        reached,
        "the publish never reached its fail point (an indexer built without fail points?)"
    );
    child.kill().unwrap();
    assert_eq!(child.wait().unwrap().signal(), Some(9));
}

struct Replica {
    child: Child,
    base: String,
    cache: PathBuf,
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_replica(moto: &Moto, cache: &Path) -> Replica {
    let mut command = Command::new(env!("CARGO_BIN_EXE_query-server"));
    command
        .args(["serve", "--source", URL, "--cache-dir"])
        .arg(cache)
        .args(["--addr", "127.0.0.1:0", "--poll-interval-ms", "200"])
        .args(["--poll-jitter-ms", "100"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    with_store_env(&mut command, moto);
    let mut child = command.spawn().unwrap();
    let base = listening_base(&mut child);
    Replica {
        child,
        base,
        cache: cache.to_path_buf(),
    }
}

/// Polls a replica's `/readyz` until `done` accepts it (30 s at most).
fn wait_until(replica: &Replica, what: &str, done: impl Fn(&serde_json::Value) -> bool) {
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, ready) = get_json(&agent, &format!("{}/readyz", replica.base));
        if done(&ready) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: last /readyz {ready}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn serves_in_sync(generation: &str) -> impl Fn(&serde_json::Value) -> bool + '_ {
    move |ready| ready["generation"] == generation && ready["source"]["in_sync"] == true
}

#[test]
fn replicas_follow_the_store_through_a_killed_publish_a_corrupt_object_an_outage_and_other_dictionaries(
) {
    let Some(program) = moto_program() else {
        return;
    };
    let mut moto = Moto::start(program);
    let local = tempfile::tempdir().unwrap();
    let caches = tempfile::tempdir().unwrap();
    let first = build(&moto, local.path());
    publish(&moto, local.path());

    // Two replicas on their own ports and caches pick up the same generation.
    let replicas = [
        start_replica(&moto, &caches.path().join("a")),
        start_replica(&moto, &caches.path().join("b")),
    ];
    for replica in &replicas {
        wait_until(replica, "first generation", serves_in_sync(&first));
    }

    // A publish killed after its first file: the store's CURRENT still
    // names the first generation, which the replicas keep serving.
    let second = build(&moto, local.path());
    publish_killed_midway(&moto, local.path());
    let prefix = format!("nightly/generations/{second}/");
    let client = moto.client();
    let partial: Vec<String> = block_on(
        client
            .list(Some(&ObjectPath::from(prefix.as_str())))
            .map_ok(|meta| meta.location.to_string())
            .try_collect(),
    )
    .unwrap();
    assert!(!partial.is_empty(), "nothing was uploaded before the kill");
    assert!(!partial.iter().any(|key| key.ends_with("/manifest.json")));
    std::thread::sleep(Duration::from_millis(600));
    for replica in &replicas {
        wait_until(
            replica,
            "a partial publish is not served",
            serves_in_sync(&first),
        );
    }

    // One byte changed in an object of the store, its crc32 metadata
    // right for the original: the rerun skips it, completes the rest, and the
    // replicas refuse the generation naming that file.
    let file = "suggest/keys.fst";
    let original = generation_dir(local.path(), &second).join(file);
    let crc32 = livesearch::generation::file_crc32(&original).unwrap();
    let mut bytes = std::fs::read(&original).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    let victim = ObjectPath::from(format!("{prefix}{file}"));
    block_on(async {
        let mut attributes = Attributes::new();
        attributes.insert(
            Attribute::Metadata("crc32".into()),
            format!("{crc32:08x}").into(),
        );
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        client
            .put_opts(&victim, bytes.into(), options)
            .await
            .unwrap();
    });
    let rerun = publish(&moto, local.path());
    // At least the changed object is taken for the original.
    assert!(!rerun.contains("skipped     0 files"), "{rerun}");
    for replica in &replicas {
        wait_until(replica, "the corrupt generation is refused", |ready| {
            ready["generation"] == first.as_str()
                && ready["last_refused"]["generation"] == second.as_str()
                && ready["last_refused"]["reason"]
                    .as_str()
                    .is_some_and(|reason| reason.contains(&format!("file {file} checksum")))
        });
    }

    // Repaired by uploading the object again: the rerun completes it.
    block_on(client.delete(&victim)).unwrap();
    publish(&moto, local.path());
    for replica in &replicas {
        wait_until(replica, "the repaired generation", serves_in_sync(&second));
    }

    // The store stopped: the replicas keep serving and say so.
    moto.stop();
    for replica in &replicas {
        wait_until(replica, "store unreachable", |ready| {
            ready["generation"] == second.as_str() && ready["source"]["store_reachable"] == false
        });
    }
    // A replica restarted with the store down serves its cached generation.
    let [first_replica, second_replica] = replicas;
    let cache = second_replica.cache.clone();
    drop(second_replica);
    let restarted = start_replica(&moto, &cache);
    wait_until(&restarted, "cached generation after a restart", |ready| {
        ready["generation"] == second.as_str()
    });

    // The store back (moto restarts empty: the publish uploads everything
    // again): both replicas are in sync with it again.
    moto.restart();
    let republished = publish(&moto, local.path());
    assert!(republished.contains("skipped     0 files"), "{republished}");
    for replica in [&first_replica, &restarted] {
        wait_until(replica, "in sync after the outage", |ready| {
            serves_in_sync(&second)(ready) && ready["source"]["store_reachable"] == true
        });
    }

    // A generation built with other dictionaries (one more stopword) is
    // refused; the replicas keep serving theirs.
    let dictionaries = tempfile::tempdir().unwrap();
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dictionaries");
    for entry in std::fs::read_dir(ours).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dictionaries.path().join(path.file_name().unwrap())).unwrap();
    }
    let stopwords = dictionaries.path().join("stopwords.txt");
    let mut text = std::fs::read_to_string(&stopwords).unwrap();
    text.push_str("\n停用测试\n");
    std::fs::write(&stopwords, text).unwrap();
    let third = build_with(
        &moto,
        local.path(),
        &["--dictionaries", dictionaries.path().to_str().unwrap()],
    );
    publish(&moto, local.path());
    for replica in [&first_replica, &restarted] {
        wait_until(replica, "other dictionaries refused", |ready| {
            ready["generation"] == second.as_str()
                && ready["source"]["in_sync"] == false
                && ready["last_refused"]["generation"] == third.as_str()
                && ready["last_refused"]["reason"]
                    .as_str()
                    .is_some_and(|reason| reason.contains("built with dictionaries"))
        });
    }
}

/// Needs no store: the lock is taken before anything is contacted.
#[test]
fn a_replica_without_store_or_cache_is_not_ready_says_why_and_owns_its_cache_folder() {
    let cache = tempfile::tempdir().unwrap();
    let replica = |stdout: Stdio| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_query-server"));
        command
            .args(["serve", "--source", URL, "--cache-dir"])
            .arg(cache.path())
            .args(["--addr", "127.0.0.1:0"])
            // Nothing listens on the discard port: the store is unreachable.
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", "us-east-1")
            .env("RUST_LOG", "warn")
            .stdout(stdout)
            .stderr(Stdio::piped());
        command
    };
    let mut first = replica(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(first.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on "), "{line}");

    // Nothing cached, the store unreachable: not ready, and saying why.
    let base = format!("http://{}", line.trim().trim_start_matches("listening on "));
    let agent = agent();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get_json(&agent, &format!("{base}/readyz"));
        assert_eq!(status, 503, "{body}");
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if message.contains("cannot read nightly/CURRENT") {
            break;
        }
        assert!(Instant::now() < deadline, "{message}");
        std::thread::sleep(Duration::from_millis(100));
    }

    let second = replica(Stdio::null()).output().unwrap();
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(second.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("--cache-dir") && stderr.contains("a folder of its own"),
        "{stderr}"
    );
}
