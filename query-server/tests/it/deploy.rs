//! `deploy/`: no cluster and no Docker engine here, so the manifests are
//! parsed and checked against each other and against the binaries: every
//! flag they pass is one the binary lists in its `--help`, probes name the
//! routes and a declared port, selectors match the pods' labels.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

/// Every YAML document of `deploy/k8s/`, as JSON values.
fn documents() -> Vec<(String, Value)> {
    let mut found = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(deploy_dir().join("k8s"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no manifests in deploy/k8s");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for document in serde_norway::Deserializer::from_str(&text) {
            let value = <Value as serde::Deserialize>::deserialize(document)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            for key in ["apiVersion", "kind"] {
                assert!(value[key].is_string(), "{name}: a document without {key}");
            }
            assert!(
                value["metadata"]["name"].is_string(),
                "{name}: a document without metadata.name"
            );
            found.push((name, value));
        }
    }
    found
}

fn of_kind<'a>(documents: &'a [(String, Value)], kind: &str) -> &'a Value {
    let matching: Vec<&Value> = documents
        .iter()
        .filter(|(_, value)| value["kind"] == kind)
        .map(|(_, value)| value)
        .collect();
    assert_eq!(matching.len(), 1, "one {kind} expected");
    matching[0]
}

/// The long options a binary's `--help` of `subcommand` lists.
fn options_of(binary: &Path, subcommand: &str) -> Vec<String> {
    let output = Command::new(binary)
        .args([subcommand, "--help"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} {subcommand} --help",
        binary.display()
    );
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter(|word| word.starts_with("--"))
        .map(|word| word.trim_end_matches(',').to_string())
        .collect()
}

fn assert_flags_exist(what: &str, args: &[String], known: &[String]) {
    let flags: Vec<&String> = args.iter().filter(|arg| arg.starts_with("--")).collect();
    assert!(!flags.is_empty(), "{what}: no flags");
    for flag in flags {
        assert!(
            known.contains(flag),
            "{what} passes {flag}, unknown to the binary"
        );
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|item| item.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_manifests_parse_and_agree_with_the_binaries_and_each_other() {
    let documents = documents();
    let deployment = of_kind(&documents, "Deployment");
    let pod = &deployment["spec"]["template"];
    let labels = &pod["metadata"]["labels"];
    assert_eq!(&deployment["spec"]["selector"]["matchLabels"], labels);

    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["command"][0], "query-server");
    let args = strings(&container["args"]);
    assert_eq!(args[0], "serve");
    let server = PathBuf::from(env!("CARGO_BIN_EXE_query-server"));
    assert_flags_exist("the Deployment", &args, &options_of(&server, "serve"));

    let port_names: Vec<&Value> = container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|port| &port["name"])
        .collect();
    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert!(
            port_names.contains(&&get["port"]),
            "{probe} port {}",
            get["port"]
        );
    }
    let requests = &container["resources"]["requests"];
    assert!(requests["memory"].is_string() && requests["cpu"].is_string());
    assert!(container["resources"]["limits"]["memory"].is_string());

    let service = of_kind(&documents, "Service");
    assert_eq!(&service["spec"]["selector"], labels);
    assert!(port_names.contains(&&service["spec"]["ports"][0]["targetPort"]));
    let budget = of_kind(&documents, "PodDisruptionBudget");
    assert_eq!(&budget["spec"]["selector"]["matchLabels"], labels);

    let cron = of_kind(&documents, "CronJob");
    let job = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(job["command"][0], "indexer");
    let job_args = strings(&job["args"]);
    assert_eq!(job_args[0], "build");
    let indexer = server.with_file_name("indexer");
    assert!(
        indexer.is_file(),
        "{} is missing: run cargo test --workspace",
        indexer.display()
    );
    assert_flags_exist("the CronJob", &job_args, &options_of(&indexer, "build"));

    // Both read the store's URL and credentials from the same objects.
    let config = of_kind(&documents, "ConfigMap");
    let secret = of_kind(&documents, "Secret");
    for env_from in [&container["envFrom"], &job["envFrom"]] {
        assert_eq!(
            env_from[0]["configMapRef"]["name"],
            config["metadata"]["name"]
        );
        assert_eq!(env_from[1]["secretRef"]["name"], secret["metadata"]["name"]);
    }
    assert!(config["data"]["STORE_URL"]
        .as_str()
        .is_some_and(|url| url.starts_with("s3://")));
}

#[test]
fn the_dockerfile_builds_both_binaries_in_one_stage_and_runs_them_in_another() {
    let text = std::fs::read_to_string(deploy_dir().join("Dockerfile")).unwrap();
    let stages = text
        .lines()
        .filter(|line| line.starts_with("FROM "))
        .count();
    assert_eq!(stages, 2, "a build stage and a runtime stage");
    assert!(text.contains("cargo build --release --locked -p indexer -p query-server"));
    for binary in ["indexer", "query-server"] {
        assert!(
            text.contains(&format!("/out/{binary}")),
            "{binary} is not copied into the runtime stage"
        );
    }
    // The default command's flags are the server's.
    let command = text
        .lines()
        .find(|line| line.starts_with("CMD "))
        .expect("a CMD");
    let args: Vec<String> = serde_json::from_str(command.trim_start_matches("CMD ")).unwrap();
    let server = PathBuf::from(env!("CARGO_BIN_EXE_query-server"));
    assert_flags_exist("the Dockerfile's CMD", &args, &options_of(&server, "serve"));
}
