//! Words for an edit, for the Undo and Redo tooltips and the status bar ("Undo moving mode
//! 2"): read from the action, or for edits made in place (the canvas, the tables, the
//! settings form) from what changed between the state before and now.

use serde_json::Value;

use super::action::Action;
use crate::pipeline::Settings;
use crate::target::{Component, Mixture};

/// What `action` does, given the state `before` it and `now` (edits made in place are
/// already in `now`).
pub fn describe(
    action: &Action,
    before: (&Mixture, &Settings),
    now: (&Mixture, &Settings),
) -> String {
    match action {
        Action::Preset(name) => format!("the preset {name}"),
        Action::TargetEdited => target_change(before.0, now.0),
        Action::SettingsEdited => settings_change(before.1, now.1),
        Action::SetSource(Some(name)) => format!("the source {name}"),
        Action::SetSource(None) => "the source back to N(0, I)".into(),
        Action::Reset => "Reset".into(),
        Action::SwitchRun(_) => "the switch of runs".into(),
        _ => "the last edit".into(),
    }
}

/// "moving mode 2", "adding mode 3", "removing mode 1", … (modes counted from 1).
pub fn target_change(before: &Mixture, now: &Mixture) -> String {
    let (b, n) = (&before.components, &now.components);
    if n.len() > b.len() {
        return format!("adding mode {}", n.len());
    }
    if n.len() < b.len() {
        let gone = b.iter().zip(n).position(|(x, y)| x != y).unwrap_or(n.len());
        return format!("removing mode {}", gone + 1);
    }
    let changed: Vec<(usize, &Component, &Component)> = b
        .iter()
        .zip(n)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (i, x, y))
        .collect();
    match changed.as_slice() {
        [(i, x, y)] => {
            let k = i + 1;
            if x.mean != y.mean {
                format!("moving mode {k}")
            } else if x.std != y.std {
                format!("the width of mode {k}")
            } else {
                format!("the weight of mode {k}")
            }
        }
        _ => "the edit of the target".into(),
    }
}

/// "the setting train.lr", "the source", or "the change of the settings".
pub fn settings_change(before: &Settings, now: &Settings) -> String {
    if before.source != now.source {
        return "the edit of the source".into();
    }
    let (Ok(b), Ok(n)) = (serde_json::to_value(before), serde_json::to_value(now)) else {
        return "the change of the settings".into();
    };
    match first_difference(&b, &n, String::new()) {
        Some(path) if !path.is_empty() => format!("the setting {path}"),
        _ => "the change of the settings".into(),
    }
}

/// The dotted path of the first field that differs between two JSON values.
fn first_difference(a: &Value, b: &Value, at: String) -> Option<String> {
    if a == b {
        return None;
    }
    if let (Value::Object(x), Value::Object(y)) = (a, b) {
        for (key, va) in x {
            let vb = y.get(key).unwrap_or(&Value::Null);
            let path = if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            };
            if let Some(found) = first_difference(va, vb, path) {
                return Some(found);
            }
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::presets::preset;

    fn two() -> Mixture {
        preset("two-far").unwrap_or_else(|_| Mixture {
            dim: 1,
            components: vec![
                Component {
                    weight: 1.0,
                    mean: vec![0.0],
                    std: vec![1.0],
                },
                Component {
                    weight: 1.0,
                    mean: vec![3.0],
                    std: vec![1.0],
                },
            ],
        })
    }

    #[test]
    fn target_edits_are_named_by_what_changed() {
        let before = two();
        let mut moved = before.clone();
        moved.components[1].mean[0] += 1.0;
        assert_eq!(target_change(&before, &moved), "moving mode 2");
        let mut wider = before.clone();
        wider.components[0].std[0] *= 2.0;
        assert_eq!(target_change(&before, &wider), "the width of mode 1");
        let mut heavier = before.clone();
        heavier.components[0].weight *= 2.0;
        assert_eq!(target_change(&before, &heavier), "the weight of mode 1");
        let mut fewer = before.clone();
        fewer.components.remove(0);
        assert_eq!(target_change(&before, &fewer), "removing mode 1");
        let mut more = before.clone();
        more.components.push(before.components[0].clone());
        assert_eq!(target_change(&before, &more), "adding mode 3");
    }

    #[test]
    fn settings_edits_are_named_by_their_field() {
        let before = Settings::default();
        let mut seeded = before.clone();
        seeded.seed += 1;
        assert_eq!(settings_change(&before, &seeded), "the setting seed");
        let mut wider = before.clone();
        wider.net.width += 8;
        assert_eq!(settings_change(&before, &wider), "the setting net.width");
        assert_eq!(
            settings_change(&before, &before),
            "the change of the settings"
        );
    }
}
