//! Replays the fuzz seed corpus (`fuzz/corpus/`) through the fuzz targets'
//! own checks, so `cargo test` on stable exercises every seed.

#[path = "../../../fuzz/src/lib.rs"]
mod checks;

use std::fs;
use std::path::PathBuf;

/// Every file of `fuzz/corpus/<target>`, with its name.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut seeds: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .map(|entry| {
            let path = entry.expect("directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&path).expect("seed file"))
        })
        .collect();
    seeds.sort();
    assert!(
        seeds.len() >= 20,
        "only {} seeds in {}",
        seeds.len(),
        dir.display()
    );
    seeds
}

#[test]
fn request_seeds_pass_the_fuzz_checks() {
    for (name, data) in seeds("resp_request") {
        eprintln!("seed {name}");
        checks::check_request(&data);
    }
}

#[test]
fn frame_seeds_pass_the_fuzz_checks() {
    for (name, data) in seeds("resp_frame") {
        eprintln!("seed {name}");
        checks::check_frame(&data);
    }
}
