//! Session files: a round trip restores the same numbers and the same samples; every kind of
//! bad file is refused with a message that names what is wrong.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::tiny_run;
use flowlab::Points;
use flowlab::export::session::{SESSION_VERSION, Session, SessionError};
use flowlab::flow::{Solver, integrate};
use flowlab::target::standard_normal;
use rand::SeedableRng as _;
use rand::rngs::StdRng;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};

fn saved(dir: &Path) -> (flowlab::pipeline::Pipeline, std::path::PathBuf) {
    let pipeline = tiny_run("eight-gaussians");
    let path = dir.join("lecture.flowlab");
    Session::from_pipeline(&pipeline)
        .expect("test fixture")
        .save(&path)
        .expect("test fixture");
    (pipeline, path)
}

/// Rewrites a session file with `edit` applied to its tensors and metadata.
fn rewrite(
    path: &Path,
    edit: impl FnOnce(&mut Vec<(String, Dtype, Vec<usize>, Vec<u8>)>, &mut HashMap<String, String>),
) {
    let bytes = std::fs::read(path).expect("test fixture");
    let st = SafeTensors::deserialize(&bytes).expect("test fixture");
    let (_, meta) = SafeTensors::read_metadata(&bytes).expect("test fixture");
    let mut info = meta.metadata().clone().expect("test fixture");
    let mut tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = st
        .tensors()
        .into_iter()
        .map(|(name, v)| (name, v.dtype(), v.shape().to_vec(), v.data().to_vec()))
        .collect();
    edit(&mut tensors, &mut info);
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, d, s, b)| {
            (
                n.clone(),
                TensorView::new(*d, s.clone(), b).expect("test fixture"),
            )
        })
        .collect();
    std::fs::write(
        path,
        safetensors::serialize(views, Some(info)).expect("test fixture"),
    )
    .expect("test fixture");
}

fn load_err(path: &Path) -> String {
    let err = Session::load(path).expect_err("a bad file is refused");
    err.to_string()
}

#[test]
fn save_then_load_gives_the_same_numbers_and_the_same_samples() {
    let dir = tempfile::tempdir().unwrap();
    let (pipeline, path) = saved(dir.path());
    let session = Session::load(&path).unwrap();
    assert_eq!(session, Session::from_pipeline(&pipeline).unwrap());
    let restored = session.into_pipeline().unwrap();
    assert_eq!(restored.report().rounds, pipeline.report().rounds);
    assert_eq!(
        restored.evaluator().metric_floor_w2(),
        pipeline.evaluator().metric_floor_w2()
    );
    let z: Points = standard_normal(500, 2, &mut StdRng::seed_from_u64(3));
    for (a, b) in pipeline.rounds().iter().zip(restored.rounds()) {
        assert_eq!(a.name, b.name);
        assert_eq!(a.kind, b.kind);
        assert_eq!(a.losses, b.losses);
        assert_eq!(a.samples, b.samples, "{}: the reference samples", a.name);
        assert_eq!(a.trajectory, b.trajectory, "{}: the paths", a.name);
        let x = integrate(&a.net, &z, Solver::Euler, 8).unwrap();
        let y = integrate(&b.net, &z, Solver::Euler, 8).unwrap();
        assert_eq!(x, y, "{}: a fresh batch", a.name);
    }
    // The restored run goes on: one more reflow round trains from the loaded 2-RF.
    let mut restored = restored;
    restored
        .reflow(&mut |_| {}, &std::sync::atomic::AtomicBool::new(false))
        .unwrap();
    assert_eq!(restored.rounds().last().unwrap().name, "3-RF");
}

#[test]
fn a_file_from_a_newer_flowlab_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = saved(dir.path());
    rewrite(&path, |_, info| {
        info.insert("version".into(), (SESSION_VERSION + 1).to_string());
    });
    let err = load_err(&path);
    assert!(err.contains("newer flowlab"), "{err}");
    assert!(
        err.contains(&format!("format {}", SESSION_VERSION + 1)),
        "{err}"
    );
}

#[test]
fn a_truncated_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = saved(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    for keep in [0, 5, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..keep]).unwrap();
        let err = Session::load(&path).unwrap_err();
        assert!(matches!(err, SessionError::Damaged { .. }), "{keep}: {err}");
        assert!(err.to_string().contains("truncated"), "{err}");
    }
}

#[test]
fn missing_weights_name_the_round_and_the_array() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = saved(dir.path());
    rewrite(&path, |tensors, _| {
        tensors.retain(|t| t.0 != "round1/layer1.bias");
    });
    let err = load_err(&path);
    assert!(
        err.contains("round 2-RF") && err.contains("layer1.bias"),
        "{err}"
    );
    assert!(err.contains("missing"), "{err}");
}

#[test]
fn a_tampered_shape_names_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = saved(dir.path());
    rewrite(&path, |tensors, _| {
        let t = tensors
            .iter_mut()
            .find(|t| t.0 == "round0/layer0.weight")
            .unwrap();
        // Same byte count, other shape: only the shape check can catch it.
        let (rows, cols) = (t.2[0], t.2[1]);
        t.2 = vec![cols, rows];
    });
    let err = load_err(&path);
    assert!(
        err.contains("round 1-RF") && err.contains("layer0.weight"),
        "{err}"
    );
    assert!(err.contains("expected F32 [32, 11]"), "{err}");
}

#[test]
fn other_files_are_refused_for_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.flowlab");
    assert!(matches!(
        Session::load(&missing).unwrap_err(),
        SessionError::Io { .. }
    ));
    let toml = dir.path().join("target.flowlab");
    std::fs::write(&toml, "dim = 2\n").unwrap();
    assert!(matches!(
        Session::load(&toml).unwrap_err(),
        SessionError::Damaged { .. }
    ));
    // A safetensors file that flowlab did not write.
    let foreign = dir.path().join("model.safetensors");
    let data = [0u8; 8];
    let view = TensorView::new(Dtype::F32, vec![2], &data).unwrap();
    std::fs::write(
        &foreign,
        safetensors::serialize([("w", view)], None).unwrap(),
    )
    .unwrap();
    let err = load_err(&foreign);
    assert!(err.contains("not a flowlab session"), "{err}");
    // A session whose header was edited into an invalid target.
    let (_, path) = saved(dir.path());
    rewrite(&path, |_, info| {
        let json = info.get_mut("session").unwrap();
        *json = json.replacen("\"std\":[", "\"std\":[-", 1);
    });
    let err = load_err(&path);
    assert!(err.contains("target") && err.contains("std"), "{err}");
}

#[test]
fn saving_replaces_the_old_file_whole_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let (pipeline, path) = saved(dir.path());
    let first = std::fs::read(&path).unwrap();
    let mut session = Session::from_pipeline(&pipeline).unwrap();
    session.rounds.truncate(1);
    session.save(&path).unwrap();
    let second = Session::load(&path).unwrap();
    assert_eq!(second.rounds.len(), 1);
    assert_ne!(std::fs::read(&path).unwrap(), first);
    // A save that cannot land (the path is a folder) fails, leaves the folder, no litter.
    let folder = dir.path().join("taken");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("keep.txt"), "x").unwrap();
    assert!(session.save(&folder).is_err());
    assert!(folder.join("keep.txt").exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("saving")), "{names:?}");
    // Nothing to save before 1-RF.
    let empty = flowlab::pipeline::Pipeline::new(
        flowlab::target::presets::preset("two-far").unwrap(),
        common::tiny(),
    )
    .unwrap();
    assert!(matches!(
        Session::from_pipeline(&empty).unwrap_err(),
        SessionError::Empty
    ));
}

/// Rewrites the first weight array's `index`-th value with `value` (little-endian f32).
fn set_weight(path: &Path, index: usize, value: f32) {
    rewrite(path, |tensors, _| {
        let t = tensors
            .iter_mut()
            .find(|t| t.0 == "round0/layer0.weight")
            .expect("test fixture");
        t.3[4 * index..4 * index + 4].copy_from_slice(&value.to_le_bytes());
    });
}

#[test]
fn damaged_weights_that_stay_finite_are_refused_by_their_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path) = saved(dir.path());
    let pristine = std::fs::read(&path).unwrap();
    set_weight(&path, 3, 3e38);
    let err = Session::load(&path).unwrap_err();
    assert!(
        matches!(
            err,
            SessionError::Checksum {
                what: "weights",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("damaged"), "{err}");
    // Random bit flips in the weights' bytes (after the header), one at a time.
    let header_len = u64::from_le_bytes(pristine[..8].try_into().unwrap()) as usize;
    let mut rng = StdRng::seed_from_u64(17);
    for _ in 0..20 {
        let mut bytes = pristine.clone();
        let at = rand::Rng::random_range(&mut rng, 8 + header_len..bytes.len());
        let bit = rand::Rng::random_range(&mut rng, 0..8);
        bytes[at] ^= 1 << bit;
        let err = Session::from_bytes(&bytes, &path).unwrap_err();
        assert!(
            matches!(
                err,
                SessionError::Checksum { .. } | SessionError::Invalid { .. }
            ),
            "byte {at} bit {bit}: {err}"
        );
    }
    // A flipped bit in the header's JSON.
    let mut bytes = pristine.clone();
    let json_at = pristine
        .windows(12)
        .position(|w| w == b"\"coupling_co")
        .unwrap();
    bytes[json_at + 20] ^= 0x01;
    assert!(Session::from_bytes(&bytes, &path).is_err());
}

#[test]
fn an_older_file_without_checksums_opens_but_damaged_weights_are_caught_at_restore() {
    let dir = tempfile::tempdir().unwrap();
    let (pipeline, path) = saved(dir.path());
    rewrite(&path, |_, info| {
        info.insert("version".into(), "1".into());
        info.remove("header_fnv1a64");
        info.remove("weights_fnv1a64");
    });
    // Format 1, undamaged: opens and restores as before.
    let (session, restored) = Session::open(&path).unwrap();
    assert_eq!(session, Session::from_pipeline(&pipeline).unwrap());
    assert_eq!(restored.rounds().len(), pipeline.rounds().len());
    // Format 1 with a weight blown up to 3e38 (finite): no checksum to catch it, but the
    // restored samples are not finite and the open is refused.
    set_weight(&path, 0, 3e38);
    for i in 1..32 {
        set_weight(&path, i, -3e38);
    }
    assert!(Session::load(&path).is_ok(), "no checksum in format 1");
    let err = match Session::open(&path) {
        Ok(_) => panic!("a session whose samples are not finite opened"),
        Err(err) => err.to_string(),
    };
    assert!(err.contains("non-finite samples"), "{err}");
}

#[test]
fn settings_that_only_fail_at_restore_are_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let (pipeline, path) = saved(dir.path());
    let good = Session::from_pipeline(&pipeline).unwrap();
    let mut wide = good.clone();
    wide.settings.eval.w2_points = Some(5000);
    let err = Session::from_bytes(&wide.to_bytes().unwrap(), &path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("w2_points"), "{err}");
    let mut one_d_source = good.clone();
    one_d_source.settings.source = Some(flowlab::target::presets::preset("two-modes-1d").unwrap());
    let err = Session::from_bytes(&one_d_source.to_bytes().unwrap(), &path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("source") && err.contains("1-D"), "{err}");
}

#[test]
fn round_names_from_a_session_are_quoted_in_csv_and_made_safe_in_file_names() {
    let dir = tempfile::tempdir().unwrap();
    let (pipeline, _) = saved(dir.path());
    let mut session = Session::from_pipeline(&pipeline).unwrap();
    session.rounds[0].report.name = "first, \"best\"".into();
    session.rounds[1].report.name = "../../escape/2-RF".into();
    let restored = session.into_pipeline().unwrap();
    let out = dir.path().join("export");
    flowlab::export::run_folder::write_run_folder(&out, &restored, None).unwrap();
    let rounds = std::fs::read_to_string(out.join("rounds.csv")).unwrap();
    let first_row = rounds.lines().nth(1).unwrap();
    assert!(
        first_row.starts_with("\"first, \"\"best\"\"\","),
        "{first_row}"
    );
    let header_fields = rounds.lines().next().unwrap().split(',').count();
    // Outside the quotes, the row has as many commas as the header.
    let unquoted = first_row.replacen("\"first, \"\"best\"\"\"", "x", 1);
    assert_eq!(unquoted.split(',').count(), header_fields);
    let losses = std::fs::read_to_string(out.join("losses.csv")).unwrap();
    assert!(
        losses
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("\"first, \"\"best\"\"\",")
    );
    assert!(out.join("samples_first___best_.csv").exists());
    assert!(out.join("samples_.._.._escape_2-RF.csv").exists());
    assert!(!dir.path().join("escape").exists());
}
