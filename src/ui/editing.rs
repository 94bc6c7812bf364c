//! What the editor holds besides the persisted target: the canvas state of the target and of
//! the source, which of the two the canvas edits, and the user's points when the target was
//! fitted to a CSV.

use super::editor::EditorState;
use crate::pipeline::FittedData;

/// The editor's own state.
#[derive(Default)]
pub struct Editing {
    /// The canvas while it edits the target.
    pub target: EditorState,
    /// The canvas while it edits the source (t = 1).
    pub source: EditorState,
    /// The canvas edits the source mixture instead of the target.
    pub edit_source: bool,
    /// Selection in the source's components table.
    pub source_selected: Option<usize>,
    /// The fit and points, while the target is one fitted to a loaded CSV (the points are
    /// drawn on the canvas and sent with the next run for its exports).
    pub data: Option<FittedData>,
}

impl Editing {
    /// A new target replaced the old one: its selection, view and fitted points go.
    pub fn new_target(&mut self, data: Option<FittedData>) {
        self.target.reset();
        self.data = data;
    }

    /// The source was dropped (back to N(0, I)): the canvas edits the target again.
    pub fn source_dropped(&mut self) {
        self.edit_source = false;
        self.source_selected = None;
        self.source.reset();
    }
}
