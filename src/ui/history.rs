//! Undo and redo of the edits: a bounded stack of the states before each edit, and the
//! states undone since. A drag is one step: edits made while the pointer stays down after
//! the first are folded into it.

use std::collections::VecDeque;

/// How many edits can be undone.
pub const UNDO_DEPTH: usize = 200;

/// A state to go back to, with what the edit that left it did ("preset eight-gaussians").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step<S> {
    /// The state.
    pub state: S,
    /// The edit, in words, for the buttons' tooltips.
    pub label: String,
}

/// The undo and redo stacks over states of type `S`.
#[derive(Debug)]
pub struct History<S> {
    undo: VecDeque<Step<S>>,
    redo: Vec<Step<S>>,
    /// An edit was recorded while the pointer is down: later ones join it.
    drag_open: bool,
}

impl<S> Default for History<S> {
    fn default() -> Self {
        Self {
            undo: VecDeque::new(),
            redo: Vec::new(),
            drag_open: false,
        }
    }
}

impl<S> History<S> {
    /// True when an edit made now would join the one under way (the pointer has stayed down
    /// since it was recorded): the caller then keeps the state it had before that one.
    pub fn joins_drag(&self, pointer_down: bool) -> bool {
        pointer_down && self.drag_open
    }

    /// Records `before`, the state an edit is leaving; a new edit clears what was undone.
    /// While `pointer_down` the next edits join this one (see [`Self::joins_drag`]).
    pub fn record(&mut self, before: S, label: impl Into<String>, pointer_down: bool) {
        self.drag_open = pointer_down;
        self.redo.clear();
        self.undo.push_back(Step {
            state: before,
            label: label.into(),
        });
        while self.undo.len() > UNDO_DEPTH {
            self.undo.pop_front();
        }
    }

    /// The pointer is up at the end of a frame: the next edit is a step of its own.
    pub fn pointer_released(&mut self) {
        self.drag_open = false;
    }

    /// Takes the newest step to undo; `now` (the state it replaces) goes on the redo stack
    /// under the same label.
    pub fn undo(&mut self, now: S) -> Option<Step<S>> {
        let step = self.undo.pop_back()?;
        self.redo.push(Step {
            state: now,
            label: step.label.clone(),
        });
        self.drag_open = false;
        Some(step)
    }

    /// Takes the newest undone step back; `now` goes on the undo stack.
    pub fn redo(&mut self, now: S) -> Option<Step<S>> {
        let step = self.redo.pop()?;
        self.undo.push_back(Step {
            state: now,
            label: step.label.clone(),
        });
        self.drag_open = false;
        Some(step)
    }

    /// Changes the state on top of the redo stack (after [`Self::undo`], once the state it
    /// replaced is complete).
    pub fn top_redo_mut(&mut self) -> Option<&mut S> {
        self.redo.last_mut().map(|s| &mut s.state)
    }

    /// Changes the state on top of the undo stack (after [`Self::redo`]).
    pub fn top_undo_mut(&mut self) -> Option<&mut S> {
        self.undo.back_mut().map(|s| &mut s.state)
    }

    /// What Undo would undo.
    pub fn undo_label(&self) -> Option<&str> {
        self.undo.back().map(|s| s.label.as_str())
    }

    /// What Redo would redo.
    pub fn redo_label(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
    }

    /// Steps that can be undone.
    pub fn undo_len(&self) -> usize {
        self.undo.len()
    }

    /// Steps that can be redone.
    pub fn redo_len(&self) -> usize {
        self.redo.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies edits to a number the way the app does: record the old value, then change.
    fn edit(h: &mut History<i32>, value: &mut i32, to: i32, pointer_down: bool) {
        if !h.joins_drag(pointer_down) {
            h.record(*value, format!("set {to}"), pointer_down);
        }
        *value = to;
    }

    #[test]
    fn at_least_a_hundred_steps_undo_in_order() {
        let mut h = History::default();
        let mut v = 0;
        for i in 1..=150 {
            edit(&mut h, &mut v, i, false);
        }
        assert_eq!(h.undo_len(), 150);
        for expected in (0..150).rev() {
            let step = h.undo(v).expect("a step to undo");
            v = step.state;
            assert_eq!(v, expected);
        }
        assert!(h.undo(v).is_none());
        assert_eq!(h.redo_len(), 150);
    }

    #[test]
    fn the_depth_is_bounded_and_keeps_the_newest() {
        let mut h = History::default();
        let mut v = 0;
        for i in 1..=(UNDO_DEPTH as i32 + 50) {
            edit(&mut h, &mut v, i, false);
        }
        assert_eq!(h.undo_len(), UNDO_DEPTH);
        let mut last = v;
        while let Some(step) = h.undo(last) {
            last = step.state;
        }
        assert_eq!(last, 50, "the oldest 50 steps were dropped");
    }

    #[test]
    fn a_new_edit_clears_redo() {
        let mut h = History::default();
        let mut v = 0;
        edit(&mut h, &mut v, 1, false);
        edit(&mut h, &mut v, 2, false);
        v = h.undo(v).map(|s| s.state).unwrap_or(v);
        assert_eq!(v, 1);
        assert_eq!(h.redo_label(), Some("set 2"));
        edit(&mut h, &mut v, 7, false);
        assert_eq!(h.redo_len(), 0);
        assert!(h.redo(v).is_none());
        assert_eq!(h.undo_label(), Some("set 7"));
    }

    #[test]
    fn redo_brings_the_undone_state_back() {
        let mut h = History::default();
        let mut v = 0;
        edit(&mut h, &mut v, 5, false);
        v = h.undo(v).map(|s| s.state).unwrap_or(v);
        assert_eq!(v, 0);
        v = h.redo(v).map(|s| s.state).unwrap_or(v);
        assert_eq!(v, 5);
        assert_eq!(h.undo_len(), 1);
    }

    #[test]
    fn a_drag_is_one_step() {
        let mut h = History::default();
        let mut v = 0;
        // Pointer down for five frames, each moving the value.
        for to in 1..=5 {
            edit(&mut h, &mut v, to, true);
        }
        h.pointer_released();
        assert_eq!(h.undo_len(), 1);
        // The next drag is a step of its own.
        for to in 10..=12 {
            edit(&mut h, &mut v, to, true);
        }
        h.pointer_released();
        assert_eq!(h.undo_len(), 2);
        v = h.undo(v).map(|s| s.state).unwrap_or(v);
        assert_eq!(v, 5);
        v = h.undo(v).map(|s| s.state).unwrap_or(v);
        assert_eq!(v, 0);
    }

    #[test]
    fn the_top_of_a_stack_can_be_completed() {
        let mut h = History::default();
        h.record(1, "a", false);
        let _undone = h.undo(2);
        if let Some(top) = h.top_redo_mut() {
            *top = 3;
        }
        assert_eq!(h.redo(9).map(|s| s.state), Some(3));
        if let Some(top) = h.top_undo_mut() {
            *top = 4;
        }
        assert_eq!(h.undo(0).map(|s| s.state), Some(4));
    }
}
