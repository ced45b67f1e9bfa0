//! The scenario's `expect` assertions: a finite bound on a metric, each remembering where it
//! was written so its verdict can point back at it.

use super::super::deployment::{Bound, Expectation};
use super::super::error::{Diagnostic, ScenarioError};
use super::super::types::{Expect, Scenario};
use super::Ctx;

/// The assertions in written order, each with its located position.
pub(super) fn expectations(cx: &Ctx<'_>, s: &Scenario) -> Result<Vec<Expectation>, ScenarioError> {
    let mut expectations = Vec::with_capacity(s.expect.len());
    for (i, e) in s.expect.iter().enumerate() {
        let (metric, bound, value) = match e {
            Expect::AtLeast { metric, value } => (metric, Bound::AtLeast, *value),
            Expect::AtMost { metric, value } => (metric, Bound::AtMost, *value),
        };
        let field = format!("expect[{i}].metric");
        if !value.is_finite() {
            return Err(cx.error(
                &format!("expect[{i}].value"),
                format!("expected a finite number, found {value}"),
                "e.g. AtLeast(metric: \"data_completeness\", value: 0.999)".into(),
            ));
        }
        let location = Diagnostic::at_field(
            cx.source,
            cx.file,
            cx.map,
            &field,
            String::new(),
            String::new(),
        );
        expectations.push(Expectation {
            metric: metric.clone(),
            bound,
            value,
            location,
        });
    }
    Ok(expectations)
}
