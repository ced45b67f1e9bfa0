//! The compiler's context: where the scenario came from, so every refusal names its file,
//! line, column and field; and the two checks every section makes on ids.

use super::super::error::{Diagnostic, ScenarioError, closest};
use super::super::locate::FieldMap;

/// The scenario's text, file name and field positions, which every located error needs.
pub(in crate::scenario) struct Ctx<'a> {
    pub(super) source: &'a str,
    pub(super) file: &'a str,
    pub(super) map: &'a FieldMap,
}

impl Ctx<'_> {
    pub(in crate::scenario) fn error(
        &self,
        field: &str,
        message: String,
        hint: String,
    ) -> ScenarioError {
        Diagnostic::at_field(self.source, self.file, self.map, field, message, hint).into()
    }

    /// Resolves a reference to an id of `kind`, or explains what exists.
    pub(in crate::scenario) fn resolve(
        &self,
        field: &str,
        kind: &str,
        wanted: &str,
        ids: &[&str],
    ) -> Result<usize, ScenarioError> {
        if let Some(i) = ids.iter().position(|id| *id == wanted) {
            return Ok(i);
        }
        let known = if ids.is_empty() {
            format!("there are no {kind}s; declare one first")
        } else {
            let listed = ids
                .iter()
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(", ");
            match closest(wanted, ids.iter().copied()) {
                Some(guess) => format!("did you mean \"{guess}\"? Known {kind}s: {listed}"),
                None => format!("known {kind}s: {listed}"),
            }
        };
        Err(self.error(field, format!("unknown {kind} id \"{wanted}\""), known))
    }

    pub(super) fn unique_ids(
        &self,
        list: &str,
        kind: &str,
        ids: &[&str],
    ) -> Result<(), ScenarioError> {
        for (i, id) in ids.iter().enumerate() {
            if id.is_empty() {
                return Err(self.error(
                    &format!("{list}[{i}].id"),
                    format!("empty {kind} id"),
                    "give every item a short name, e.g. id: \"north\"".to_string(),
                ));
            }
            if let Some(first) = ids[..i].iter().position(|other| other == id) {
                return Err(self.error(
                    &format!("{list}[{i}].id"),
                    format!("{kind} id \"{id}\" is used twice (also by {list}[{first}])"),
                    "ids must be unique within their list; rename one".to_string(),
                ));
            }
        }
        Ok(())
    }
}
