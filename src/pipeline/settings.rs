//! Everything that decides a run's numbers, with defaults chosen for a live lecture.

use serde::{Deserialize, Serialize};

use crate::flow::{DistillMethod, FlowError, NetConfig, STEPS_RANGE, TrainConfig};
use crate::target::{Mixture, Source};

/// Reflow rounds "run all" may make.
pub const REFLOWS_RANGE: std::ops::RangeInclusive<usize> = 0..=10;
/// (noise, sample) pairs a reflow round may train on.
pub const REFLOW_PAIRS_RANGE: std::ops::RangeInclusive<usize> = 1..=1_000_000;
/// Largest batch OT-CFM pairs by exact assignment.
///
/// The assignment builds a batch × batch f64 cost matrix and its time grows about as the
/// cube of the batch (measured on two-far: 9 ms at 256; on the 2-core machine under a load
/// average of 13, 3 s a step at 1024 and 25 s at 2048, during which Ctrl-C waits), so 1024
/// is the cap.
pub const MAX_OT_BATCH: usize = 1024;

/// Settings of one run: the seed, the network, training, reflow, distillation, evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Seed of the one RNG every random draw comes from.
    pub seed: u64,
    /// The distribution at t = 1 the flow starts from: N(0, I) when absent, else a mixture
    /// of the target's dimension (transport between two distributions).
    pub source: Option<Mixture>,
    /// The velocity network.
    pub net: NetConfig,
    /// Training of 1-RF (batch, learning rate and time sampling also apply to later rounds).
    pub train: TrainConfig,
    /// Optimiser steps of each reflow round.
    pub reflow_steps: usize,
    /// Number of reflow rounds after 1-RF (2 gives 1-RF, 2-RF, 3-RF).
    pub reflows: usize,
    /// (noise, sample) pairs drawn from the previous round for each reflow and distillation.
    pub reflow_pairs: usize,
    /// Euler steps used to integrate those pairs.
    pub pair_steps: usize,
    /// Start each reflow round from the previous round's weights (else from scratch).
    pub warm_start: bool,
    /// Make a one-step student from the last round, and how.
    pub distill: Option<DistillMethod>,
    /// Optimiser steps of the distillation.
    pub distill_steps: usize,
    /// Also train OT-CFM from scratch (flow matching on minibatches paired by exact optimal
    /// transport), with the 1-RF training settings, for comparison.
    pub ot_cfm: bool,
    /// Also train the same network from scratch on the variance-preserving diffusion path,
    /// with the 1-RF training settings, for comparison.
    pub diffusion: bool,
    /// Also train a class-conditional network from scratch (the class is the component a
    /// target sample came from) for classifier-free guidance, with the 1-RF settings.
    pub guidance: bool,
    /// Also distil a consistency student from 1-RF (after the comparisons), with
    /// the distillation's step count.
    pub consistency: bool,
    /// Also train a shortcut model from scratch (after the consistency student), with the
    /// 1-RF settings.
    pub shortcut: bool,
    /// Also train a `MeanFlow` model from scratch (after the shortcut model), with the 1-RF
    /// settings.
    pub meanflow: bool,
    /// Probability of dropping the class while training it, so the one network also learns
    /// the unconditional field.
    pub guidance_drop: f64,
    /// How rounds are measured.
    pub eval: EvalSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            seed: 0,
            source: None,
            net: NetConfig::default(),
            train: TrainConfig::default(),
            reflow_steps: 1000,
            reflows: 2,
            reflow_pairs: 5000,
            pair_steps: 100,
            warm_start: true,
            distill: Some(DistillMethod::Direct),
            distill_steps: 1000,
            ot_cfm: false,
            diffusion: false,
            guidance: false,
            consistency: false,
            shortcut: false,
            meanflow: false,
            guidance_drop: 0.1,
            eval: EvalSettings::default(),
        }
    }
}

impl Settings {
    /// The distribution at t = 1 for a target of dimension `dim`.
    pub fn noise_source(&self, dim: usize) -> Source<'_> {
        Source::new(self.source.as_ref(), dim)
    }

    /// Refuses a batch OT-CFM cannot pair exactly ([`MAX_OT_BATCH`]).
    pub fn check_ot_batch(&self) -> Result<(), FlowError> {
        if self.train.batch > MAX_OT_BATCH {
            return Err(FlowError::invalid(
                "batch",
                format!(
                    "OT-CFM pairs each batch by exact assignment (a batch × batch matrix): the \
                     batch must be at most {MAX_OT_BATCH} with OT-CFM, got {}",
                    self.train.batch
                ),
            ));
        }
        Ok(())
    }

    /// Checks every range; the error names the setting.
    pub fn validate(&self) -> Result<(), FlowError> {
        if let Some(source) = &self.source {
            source
                .validate()
                .map_err(|err| FlowError::invalid("source", err.to_string()))?;
        }
        self.net.validate()?;
        self.train.validate()?;
        if self.ot_cfm {
            self.check_ot_batch()?;
        }
        if !(0.0..=1.0).contains(&self.guidance_drop) {
            return Err(FlowError::invalid("guidance_drop", "must be in [0, 1]"));
        }
        let between = |r: &std::ops::RangeInclusive<usize>| {
            format!("must be between {} and {}", r.start(), r.end())
        };
        if !STEPS_RANGE.contains(&self.reflow_steps) {
            return Err(FlowError::invalid("reflow_steps", between(&STEPS_RANGE)));
        }
        if !REFLOWS_RANGE.contains(&self.reflows) {
            return Err(FlowError::invalid("reflows", between(&REFLOWS_RANGE)));
        }
        if !REFLOW_PAIRS_RANGE.contains(&self.reflow_pairs) {
            return Err(FlowError::invalid(
                "reflow_pairs",
                between(&REFLOW_PAIRS_RANGE),
            ));
        }
        if !(1..=1000).contains(&self.pair_steps) {
            return Err(FlowError::invalid(
                "pair_steps",
                "must be between 1 and 1000",
            ));
        }
        if self.distill.is_some() && !STEPS_RANGE.contains(&self.distill_steps) {
            return Err(FlowError::invalid("distill_steps", between(&STEPS_RANGE)));
        }
        self.eval.validate()
    }
}

/// How each round is measured.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvalSettings {
    /// Points for W2 and its floor; `None` picks 1,000 in 2-D and 10,000 in 1-D.
    pub w2_points: Option<usize>,
    /// Points for mode coverage and straightness (at least `w2_points`).
    pub coverage_points: usize,
    /// Euler step counts W2 is reported at.
    pub step_counts: Vec<usize>,
    /// Euler steps of the reference path (samples, trajectories, straightness).
    pub path_steps: usize,
    /// Particles whose whole paths are kept.
    pub trajectory_particles: usize,
    /// Independent draws a round's W2 is averaged over: each is a (noise, target reference)
    /// pair, so one unlucky draw does not decide a comparison.
    pub w2_repeats: usize,
    /// Independent pairs of target samples the metric floor is averaged over.
    pub floor_repeats: usize,
}

impl Default for EvalSettings {
    fn default() -> Self {
        Self {
            w2_points: None,
            coverage_points: 10_000,
            step_counts: vec![1, 2, 4, 8, 20, 100],
            path_steps: 100,
            trajectory_particles: 300,
            w2_repeats: 4,
            floor_repeats: 16,
        }
    }
}

impl EvalSettings {
    /// The number of W2 points for a target of dimension `dim`.
    pub fn w2_points_for(&self, dim: usize) -> usize {
        self.w2_points
            .unwrap_or(if dim == 1 { 10_000 } else { 1_000 })
    }

    fn validate(&self) -> Result<(), FlowError> {
        if let Some(n) = self.w2_points
            && !(2..=100_000).contains(&n)
        {
            return Err(FlowError::invalid(
                "w2_points",
                "must be between 2 and 100000",
            ));
        }
        if !(1..=1_000_000).contains(&self.coverage_points) {
            return Err(FlowError::invalid(
                "coverage_points",
                "must be between 1 and 1000000",
            ));
        }
        if self.step_counts.is_empty() || self.step_counts.iter().any(|s| !(1..=1000).contains(s)) {
            return Err(FlowError::invalid(
                "step_counts",
                "needs at least one step count, each between 1 and 1000",
            ));
        }
        for (name, value) in [
            ("w2_repeats", self.w2_repeats),
            ("floor_repeats", self.floor_repeats),
        ] {
            if !(1..=64).contains(&value) {
                return Err(FlowError::invalid(name, "must be between 1 and 64"));
            }
        }
        if !(1..=1000).contains(&self.path_steps) {
            return Err(FlowError::invalid(
                "path_steps",
                "must be between 1 and 1000",
            ));
        }
        Ok(())
    }
}

/// Why a settings file was refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A key no setting has (a misspelling, or a setting in the wrong section).
    #[error("unknown setting `{key}`{}", .nearest.as_ref().map(|n| format!("; the nearest valid one is `{n}`")).unwrap_or_default())]
    UnknownKey {
        /// The key as written, with its section (`train.stepz`).
        key: String,
        /// The valid key closest to it, with its section.
        nearest: Option<String>,
    },
    /// The text is not TOML or JSON of the settings' shape.
    #[error("{0}")]
    Parse(String),
}

/// The sections of [`Settings`] whose keys are checked one by one (the other values are
/// enums or a mixture, whose own parsers refuse what they do not know).
const SECTIONS: [&str; 3] = ["net", "train", "eval"];

impl Settings {
    /// The settings of a headless run when nothing says otherwise: [`Settings::default`]
    /// without the distillation (`flowlab run --distill` turns it on).
    pub fn headless() -> Self {
        Self {
            distill: None,
            ..Self::default()
        }
    }

    /// Settings from the text of a settings file: TOML, or JSON when `json` is set (either
    /// the settings themselves or a `metrics.json`, whose `settings` are used). Keys the file
    /// leaves out keep their value in `base`; an unknown key is refused with the nearest valid
    /// one. `distill` may be `false` / `true` as well as a method.
    pub fn from_file_text(text: &str, json: bool, base: &Self) -> Result<Self, SettingsError> {
        let value: serde_json::Value = if json {
            serde_json::from_str(text).map_err(|err| SettingsError::Parse(err.to_string()))?
        } else {
            let parsed: toml::Table = toml::from_str(text)
                .map_err(|err| SettingsError::Parse(toml_message(text, &err)))?;
            serde_json::to_value(parsed).map_err(|err| SettingsError::Parse(err.to_string()))?
        };
        Self::from_value(value, base).map_err(|err| match err {
            // A value of the wrong type: TOML's own parser says on which line.
            SettingsError::Parse(message) if !json => match toml::from_str::<Self>(text).err() {
                Some(toml_err) if message.contains(toml_err.message()) => {
                    SettingsError::Parse(toml_message(text, &toml_err))
                }
                _ => SettingsError::Parse(message),
            },
            other => other,
        })
    }

    /// Settings from a parsed document (see [`Settings::from_file_text`]).
    pub fn from_value(mut value: serde_json::Value, base: &Self) -> Result<Self, SettingsError> {
        let is_report = value
            .as_object()
            .is_some_and(|o| o.get("settings").is_some_and(|s| s.is_object()));
        if is_report {
            value = value["settings"].take();
        }
        let serde_json::Value::Object(mut file) = value else {
            return Err(SettingsError::Parse(
                "the settings must be a table of keys".into(),
            ));
        };
        let schema = serde_json::to_value(Self::default())
            .map_err(|err| SettingsError::Parse(err.to_string()))?;
        check_keys(&file, &schema)?;
        if let Some(distill) = file.get_mut("distill") {
            *distill = match distill.take() {
                serde_json::Value::Bool(false) => serde_json::Value::Null,
                serde_json::Value::Bool(true) => serde_json::json!({ "kind": "direct" }),
                serde_json::Value::String(kind) => serde_json::json!({ "kind": kind }),
                other => other,
            };
        }
        let mut merged =
            serde_json::to_value(base).map_err(|err| SettingsError::Parse(err.to_string()))?;
        for (key, value) in file {
            match (merged.get_mut(&key), value) {
                (Some(serde_json::Value::Object(section)), serde_json::Value::Object(values))
                    if SECTIONS.contains(&key.as_str()) =>
                {
                    section.extend(values);
                }
                (_, value) => {
                    merged[key] = value;
                }
            }
        }
        serde_json::from_value(merged).map_err(|err| SettingsError::Parse(err.to_string()))
    }
}

/// A TOML error with the line it points at.
fn toml_message(text: &str, err: &toml::de::Error) -> String {
    let line = err
        .span()
        .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
    match line {
        Some(line) => format!("line {line}: {}", err.message()),
        None => err.message().to_owned(),
    }
}

/// Refuses the first key of `file` that [`Settings`] does not have (in the sections too).
fn check_keys(
    file: &serde_json::Map<String, serde_json::Value>,
    schema: &serde_json::Value,
) -> Result<(), SettingsError> {
    let mut known: Vec<String> = Vec::new();
    if let Some(top) = schema.as_object() {
        for (key, value) in top {
            known.push(key.clone());
            if SECTIONS.contains(&key.as_str())
                && let Some(section) = value.as_object()
            {
                known.extend(section.keys().map(|k| format!("{key}.{k}")));
            }
        }
    }
    for (key, value) in file {
        let Some(expected) = schema.get(key) else {
            return Err(unknown(key.clone(), &known));
        };
        if SECTIONS.contains(&key.as_str())
            && let (Some(section), Some(expected)) = (value.as_object(), expected.as_object())
        {
            for inner in section.keys() {
                if !expected.contains_key(inner) {
                    return Err(unknown(format!("{key}.{inner}"), &known));
                }
            }
        }
    }
    Ok(())
}

fn unknown(key: String, known: &[String]) -> SettingsError {
    let nearest = known
        .iter()
        .map(|k| {
            (
                edit_distance(&key, k).min(edit_distance(last(&key), last(k)) + 1),
                k,
            )
        })
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= key.len().max(3) / 2 + 1)
        .map(|(_, k)| k.clone());
    SettingsError::UnknownKey { key, nearest }
}

/// The last part of a dotted key.
fn last(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml(text: &str) -> Result<Settings, SettingsError> {
        Settings::from_file_text(text, false, &Settings::headless())
    }

    fn unknown(text: &str) -> (String, Option<String>) {
        match toml(text) {
            Err(SettingsError::UnknownKey { key, nearest }) => (key, nearest),
            other => panic!("{text:?}: expected an unknown key, got {other:?}"),
        }
    }

    #[test]
    fn an_empty_file_means_exactly_the_defaults() {
        assert_eq!(toml("").unwrap(), Settings::headless());
        assert_eq!(toml("# only a comment\n").unwrap(), Settings::headless());
        assert_eq!(
            Settings::from_file_text("{}", true, &Settings::headless()).unwrap(),
            Settings::headless()
        );
    }

    #[test]
    fn distillation_is_off_unless_the_file_turns_it_on() {
        assert_eq!(toml("seed = 3\n").unwrap().distill, None);
        assert_eq!(toml("distill = false\n").unwrap().distill, None);
        assert_eq!(
            toml("distill = true\n").unwrap().distill,
            Some(DistillMethod::Direct)
        );
        assert_eq!(
            toml("distill = \"direct\"\n").unwrap().distill,
            Some(DistillMethod::Direct)
        );
        assert_eq!(
            toml("[distill]\nkind = \"progressive\"\nstart_steps = 8\n")
                .unwrap()
                .distill,
            Some(DistillMethod::Progressive { start_steps: 8 })
        );
    }

    #[test]
    fn a_file_sets_what_it_names_and_keeps_the_rest() {
        let s = toml("reflows = 0\n[train]\nsteps = 50\n[eval]\npath_steps = 10\n").unwrap();
        let base = Settings::headless();
        assert_eq!(s.reflows, 0);
        assert_eq!(s.train.steps, 50);
        assert_eq!(s.train.batch, base.train.batch);
        assert_eq!(s.eval.path_steps, 10);
        assert_eq!(s.eval.step_counts, base.eval.step_counts);
    }

    #[test]
    fn unknown_keys_are_refused_with_the_nearest_valid_one() {
        assert_eq!(
            unknown("[trian]\nsteps = 50\n"),
            ("trian".into(), Some("train".into()))
        );
        assert_eq!(
            unknown("[train]\nstepz = 50\n"),
            ("train.stepz".into(), Some("train.steps".into()))
        );
        assert_eq!(
            unknown("bach = 64\n"),
            ("bach".into(), Some("train.batch".into()))
        );
        assert_eq!(unknown("frobnicate = 1\n"), ("frobnicate".into(), None));
        let err = toml("[train]\nstepz = 50\n").unwrap_err().to_string();
        assert!(
            err.contains("`train.stepz`") && err.contains("`train.steps`"),
            "{err}"
        );
        let json = Settings::from_file_text(r#"{"stepz": 5}"#, true, &Settings::headless());
        assert!(
            matches!(json, Err(SettingsError::UnknownKey { ref nearest, .. }) if nearest.as_deref() == Some("train.steps")),
            "{json:?}"
        );
    }

    #[test]
    fn a_metrics_json_gives_back_its_settings() {
        let mut settings = Settings::headless();
        settings.seed = 11;
        settings.train.steps = 50;
        settings.train.batch = 64;
        settings.reflows = 0;
        settings.eval.w2_points = Some(300);
        let metrics = serde_json::json!({
            "target": {"dim": 1, "component": []},
            "settings": settings,
            "metric_floor_w2": 0.5,
            "rounds": [],
        });
        let text = serde_json::to_string_pretty(&metrics).unwrap();
        let read = Settings::from_file_text(&text, true, &Settings::default()).unwrap();
        assert_eq!(read, settings);
    }
}
