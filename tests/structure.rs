//! The UI's shape stays easy to see: no file in `src/ui/` over 450 lines, no type there with
//! more than a dozen inherent methods (counted over every `impl Type` block in the folder, so
//! a type cannot grow by spreading its methods over files), and the engine never imports
//! egui.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 450;
const MAX_METHODS: usize = 12;

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("the folder is there") {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

fn src(folder: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(folder)
}

/// The type an inherent `impl` line opens (`impl<'a> Parts<'a> {` → `Parts`), or `None` for
/// a trait impl or another line.
fn inherent_impl(line: &str) -> Option<String> {
    let rest = line.strip_prefix("impl")?;
    if !line.trim_end().ends_with('{') || line.contains(" for ") {
        return None;
    }
    // Skip the impl's own generics.
    let rest = if rest.starts_with('<') {
        let close = rest.find('>')?;
        &rest[close + 1..]
    } else {
        rest
    };
    let name: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Inherent methods per type over `files` (those of `#[cfg(test)]` modules are not counted:
/// they sit after the module line).
fn methods_per_type(files: &[PathBuf]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        let mut current: Option<String> = None;
        for line in text.lines() {
            if line.starts_with("#[cfg(test)]") {
                break;
            }
            if let Some(name) = inherent_impl(line) {
                current = Some(name);
                continue;
            }
            if line == "}" {
                current = None;
                continue;
            }
            let body = line.trim_start_matches("    ");
            let is_method = line.starts_with("    ")
                && !line.starts_with("     ")
                && (body.starts_with("fn ")
                    || body.starts_with("pub fn ")
                    || body.starts_with("pub(super) fn ")
                    || body.starts_with("pub(crate) fn ")
                    || body.starts_with("const fn ")
                    || body.starts_with("pub const fn "));
            if let (Some(name), true) = (&current, is_method) {
                *counts.entry(name.clone()).or_insert(0) += 1;
            }
        }
    }
    counts
}

#[test]
fn the_method_counter_counts_inherent_methods_only() {
    let dir = std::env::temp_dir().join(format!("flowlab-structure-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let file = dir.join("a.rs");
    std::fs::write(
        &file,
        "impl<'a> Parts<'a> {\n    pub fn a(&self) {}\n    fn b(&self) {\n        fn inner() {}\n    }\n}\n\
         impl Default for Parts<'_> {\n    fn default() -> Self { todo!() }\n}\n\
         impl Parts<'_> {\n    pub(super) fn c(&self) {}\n}\n",
    )
    .expect("written");
    let counts = methods_per_type(&[file]);
    std::fs::remove_dir_all(&dir).expect("removed");
    assert_eq!(counts.get("Parts"), Some(&3), "{counts:?}");
    assert_eq!(counts.len(), 1);
}

#[test]
fn no_ui_type_has_more_than_a_dozen_methods() {
    let counts = methods_per_type(&rust_files(&src("ui")));
    assert!(
        counts.get("FlowlabApp").is_some_and(|&n| n >= 5),
        "the counter sees the app's methods: {counts:?}"
    );
    let big: Vec<_> = counts.iter().filter(|(_, n)| **n > MAX_METHODS).collect();
    assert!(
        big.is_empty(),
        "types with more than {MAX_METHODS} methods: {big:?}"
    );
}

#[test]
fn no_ui_file_is_long() {
    for file in rust_files(&src("ui")) {
        let lines = std::fs::read_to_string(&file)
            .expect("a readable source file")
            .lines()
            .count();
        assert!(
            lines <= MAX_LINES,
            "{} has {lines} lines (at most {MAX_LINES})",
            file.display()
        );
    }
}

#[test]
fn the_engine_never_imports_egui() {
    for folder in ["target", "flow", "metrics", "pipeline"] {
        for file in rust_files(&src(folder)) {
            let text = std::fs::read_to_string(&file).expect("a readable source file");
            assert!(
                !text.contains("egui") && !text.contains("crate::ui"),
                "{} reaches into the UI",
                file.display()
            );
        }
    }
}
