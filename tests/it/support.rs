//! Helpers shared by the integration tests: a scratch catalog and index root.

use std::path::{Path, PathBuf};

use livesearch::build::{build, BuildOptions, BuildSummary, NoProgress};

/// The project's fixture catalog.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A catalog folder in a temporary directory, filled file by file.
pub struct ScratchCatalog {
    pub dir: tempfile::TempDir,
}

impl ScratchCatalog {
    pub fn new() -> Self {
        ScratchCatalog {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    /// A copy of the fixtures, to be altered by the test.
    pub fn from_fixtures() -> Self {
        let catalog = Self::new();
        for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".jsonl") || name.ends_with(".tsv") {
                std::fs::copy(&path, catalog.path().join(&name)).unwrap();
            }
        }
        catalog
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) {
        std::fs::write(self.path().join(name), bytes).unwrap();
    }

    pub fn append(&self, name: &str, bytes: impl AsRef<[u8]>) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path().join(name))
            .unwrap();
        file.write_all(bytes.as_ref()).unwrap();
    }
}

pub fn build_into(catalog: &Path, root: &Path) -> livesearch::Result<BuildSummary> {
    let options = BuildOptions::new(catalog, root)
        .threads(2)
        .writer_memory_bytes(64 << 20);
    build(&options, &NoProgress)
}

/// Builds the fixtures into `root` and returns the new generation's name.
pub fn build_fixtures(root: &Path) -> String {
    build_into(&fixtures_dir(), root)
        .unwrap()
        .manifest
        .generation
}
