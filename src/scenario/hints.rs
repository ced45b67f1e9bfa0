//! Turning the RON reader's error codes into a message and a hint a person can act on.

use ron::error::Error as Code;

use super::error::closest;

/// (message, hint, field path) for a reader error at `path`.
pub fn explain(code: &Code, path: &str) -> (String, String, String) {
    let leaf = path.rsplit(['.', '[']).next().unwrap_or("");
    match code {
        Code::NoSuchStructField {
            expected,
            found,
            outer,
        } => {
            let outer = outer.as_deref().unwrap_or("this item");
            // The reader's path already ends with the unknown name.
            let field = if leaf == found.as_str() {
                path.to_string()
            } else {
                join(path, found)
            };
            let hint = match closest(found, expected.iter().copied()) {
                Some(guess) => format!("did you mean `{guess}`? {outer} takes: {}", list(expected)),
                None => format!("{outer} takes: {}", list(expected)),
            };
            (format!("unknown field `{found}` in {outer}"), hint, field)
        }
        Code::MissingStructField { field, outer } => {
            let outer = outer.as_deref().unwrap_or("this item");
            (
                format!("missing field `{field}` in {outer}"),
                format!("add it, e.g. `{}`", example(field)),
                join(path, field),
            )
        }
        Code::DuplicateStructField { field, outer } => (
            format!(
                "field `{field}` is given twice in {}",
                outer.as_deref().unwrap_or("this item")
            ),
            "keep one of them".to_string(),
            join(path, field),
        ),
        Code::NoSuchEnumVariant {
            expected, found, ..
        } => {
            let hint = match closest(found, expected.iter().copied()) {
                Some(guess) => format!("did you mean `{guess}`? Choose one of: {}", list(expected)),
                None => format!("choose one of: {}", list(expected)),
            };
            (format!("unknown kind `{found}`"), hint, path.to_string())
        }
        Code::InvalidValueForType { expected, found } => (
            format!("expected {expected}, found {found}"),
            field_hint(leaf),
            path.to_string(),
        ),
        Code::ExpectedString | Code::ExpectedStringEnd => (
            "expected a string in double quotes".to_string(),
            field_hint(leaf),
            path.to_string(),
        ),
        Code::ExpectedInteger => (
            "expected a whole number".to_string(),
            field_hint(leaf),
            path.to_string(),
        ),
        Code::ExpectedFloat => (
            "expected a number".to_string(),
            field_hint(leaf),
            path.to_string(),
        ),
        Code::IntegerOutOfBounds => (
            "the number is out of range here".to_string(),
            field_hint(leaf),
            path.to_string(),
        ),
        Code::Message(message) => (message.clone(), field_hint(leaf), path.to_string()),
        Code::ExpectedArray => (
            "expected a list in square brackets".to_string(),
            format!("write `{leaf}: [ ... ]`"),
            path.to_string(),
        ),
        Code::Eof => (
            "the file ends too early".to_string(),
            "a bracket or parenthesis is probably not closed".to_string(),
            path.to_string(),
        ),
        Code::ExpectedComma => (
            "expected a comma".to_string(),
            "separate fields and list items with `,`; one is probably missing after the \
             previous value"
                .to_string(),
            path.to_string(),
        ),
        Code::ExpectedIdentifier => (
            "expected a field name or a closing `)`".to_string(),
            "a `(` before this point is probably not closed, or a value lacks its `field:`"
                .to_string(),
            path.to_string(),
        ),
        Code::ExpectedMapColon => (
            "expected `:` after the field name".to_string(),
            "write `field: value`".to_string(),
            path.to_string(),
        ),
        Code::ExpectedArrayEnd => (
            "expected `,` or the `]` that ends the list".to_string(),
            "separate list items with `,`; a `(` or `[` before this point may not be closed"
                .to_string(),
            path.to_string(),
        ),
        Code::ExpectedStructLikeEnd => (
            "expected `,` or the `)` that ends the item".to_string(),
            "separate fields with `,`; a `(` or `[` before this point may not be closed"
                .to_string(),
            path.to_string(),
        ),
        Code::ExpectedDifferentStructName { expected, found } => (
            format!("expected `{expected}( ... )` here, found `{found}`"),
            format!("this place takes a `{expected}`; write `{expected}(`"),
            path.to_string(),
        ),
        Code::ExpectedNamedStructLike(name) if !name.is_empty() => (
            format!("expected `{name}( ... )` here"),
            if path.is_empty() {
                format!("a scenario file is one `{name}( ... )`; see scenarios/factory.ron")
            } else {
                format!(
                    "write `{name}(field: value, ...)`; if a list ends here, its `]` is missing"
                )
            },
            path.to_string(),
        ),
        Code::TrailingCharacters => (
            "unexpected text after the end of the scenario".to_string(),
            "the scenario is one `Scenario( ... )`; remove what follows its closing `)`, or an \
             extra `)` or `]` before it"
                .to_string(),
            path.to_string(),
        ),
        Code::ExceededRecursionLimit => (
            format!(
                "brackets nested more than {} deep; no scenario needs that many",
                super::MAX_NESTING
            ),
            "a scenario nests a few levels (`Scenario(fleets: [Fleet(link: Link(...))])`): \
             look for brackets opened and never closed"
                .to_string(),
            path.to_string(),
        ),
        other => (
            format!("{other}"),
            "RON looks like `Name(field: value, other: [1, 2])`; see scenarios/factory.ron"
                .to_string(),
            path.to_string(),
        ),
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a field holds, for hints.
fn field_hint(field: &str) -> String {
    match field {
        "horizon" | "deadline" | "mean" | "median" | "scale" | "min" | "max" | "period" => {
            "durations are strings with a unit, e.g. \"250ms\", \"90s\", \"2h\", \"30d\", \"10y\""
                .to_string()
        }
        "loss" => "loss is a probability: 0.01 means 1% of messages are lost".to_string(),
        "stop_when_dead" => "the share of the fleet's devices down at once that ends a \
                             replication, above 0 and at most 1, e.g. `stop_when_dead: 0.5` \
                             for half the fleet; leave it out to run to the horizon"
            .to_string(),
        "count" => "a fleet needs at least one device, e.g. `count: 100`".to_string(),
        "replications" => "at least one replication, e.g. `replications: 30`".to_string(),
        "technicians" => "a crew has at least one technician, e.g. `technicians: 2`; leave a \
                          site out of every crew for unlimited repairs"
            .to_string(),
        "stock" => {
            "spare parts on the shelf, a whole number (0 or more), e.g. `stock: 4`".to_string()
        }
        "drain_per_s" => "a rate in messages per second, e.g. `drain_per_s: 50.0`".to_string(),
        "shape" | "sigma" => "a positive number, e.g. `shape: 1.5`".to_string(),
        "buffer_messages" | "message_bytes" | "seed" => {
            format!("`{field}` is a whole number, e.g. `{field}: 1000`")
        }
        "report" | "lifetime" | "repair" | "every" | "lasting" | "latency" | "travel"
        | "lead_time" => {
            "a distribution: Fixed(\"60s\"), Exponential(mean: \"1y\"), Weibull(shape: 1.5, \
             scale: \"10y\"), LogNormal(median: \"4h\", sigma: 0.8), Uniform(min: \"1s\", \
             max: \"3s\") or Jitter(period: \"60s\", jitter: Exponential(mean: \"2s\"))"
                .to_string()
        }
        "hardware"
        | "install"
        | "parts"
        | "battery_swap"
        | "per_sim_month"
        | "per_mb"
        | "activation"
        | "per_million_messages"
        | "truck_roll"
        | "labour_hour"
        | "penalty"
        | "cost_per_year"
        | "downtime_per_site_hour" => format!(
            "a price in the scenario's currency, 0 or more, e.g. `{field}: 250.0`; costs are \
             never negative"
        ),
        "" => "see scenarios/factory.ron for a complete example".to_string(),
        other => format!("check the value of `{other}`; see scenarios/factory.ron"),
    }
}

/// An example of a field, for a missing-field hint.
fn example(field: &str) -> String {
    match field {
        "name" => "name: \"my-plant\"".to_string(),
        "horizon" => "horizon: \"30d\"".to_string(),
        "sites" => "sites: [Site(id: \"plant\")]".to_string(),
        "gateways" => "gateways: [Gateway(id: \"gw1\", site: \"plant\", buffer_messages: 10000, \
                       uplinks: [Uplink(carrier: \"A\")])]"
            .to_string(),
        "fleets" => {
            "fleets: [Fleet(id: \"sensors\", site: \"plant\", gateway: \"gw1\", count: 100, \
                     report: Fixed(\"60s\"))]"
                .to_string()
        }
        "count" => "count: 100".to_string(),
        "report" => "report: Fixed(\"60s\")".to_string(),
        "buffer_messages" => "buffer_messages: 10000".to_string(),
        "uplinks" => "uplinks: [Uplink(carrier: \"A\")]".to_string(),
        "lifetime" => "lifetime: Exponential(mean: \"5y\")".to_string(),
        "repair" => "repair: LogNormal(median: \"8h\", sigma: 0.5)".to_string(),
        "every" => "every: Exponential(mean: \"90d\")".to_string(),
        "technicians" => "technicians: 2".to_string(),
        "lead_time" => "lead_time: Fixed(\"14d\")".to_string(),
        "stock" => "stock: 4".to_string(),
        "lasting" => "lasting: LogNormal(median: \"2h\", sigma: 1.0)".to_string(),
        other => format!("{other}: ..."),
    }
}
