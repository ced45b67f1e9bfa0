//! Eclipse Ditto Things as inventory rows. A Ditto export — the JSON array that
//! `GET /api/2/things` or `GET /api/2/search/things` returns (its `items`), or one Thing per
//! line — becomes one inventory row per Thing: `thingId` is the device's `id`, and every other
//! inventory column is read from the Thing's `attributes.<column>`, or else from its feature of
//! that name, `features.<column>.properties.value`. Ditto fixes no schema for what a device
//! is, so this is the convention iotwin reads (docs/twin.md); keys it does not know are left
//! alone, so a Thing may carry anything else.
//!
//! The rows come out as inventory JSON lines, which the inventory parser then checks, so a
//! mistake is reported with the Thing's row number and the column, like any inventory's.

use serde_json::{Map, Value};

use super::inventory::COLUMNS;

/// Whether `text` looks like a Ditto export: a JSON array, a search result's `items`, or JSON
/// lines whose first object has a `thingId`.
pub fn is_things(text: &str) -> bool {
    let start = text.trim_start();
    start.starts_with('[')
        || (start.starts_with('{')
            && start
                .lines()
                .next()
                .and_then(|line| serde_json::from_str::<Value>(line).ok())
                .is_some_and(|v| v.get("thingId").is_some() || v.get("items").is_some()))
}

/// The Things in `text` as inventory JSON lines, one a line, in the export's order.
pub fn to_inventory_lines(text: &str) -> Result<String, String> {
    let things: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Object(mut page)) if page.contains_key("items") => match page.remove("items") {
            Some(Value::Array(items)) => items,
            _ => return Err("`items` of a Ditto search result is not a list".into()),
        },
        Ok(thing @ Value::Object(_)) => vec![thing],
        Ok(_) => return Err("expected Ditto Things: a JSON list of objects".into()),
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| format!("Thing on line {}: {e}", i + 1))
            })
            .collect::<Result<_, _>>()?,
    };
    let mut out = String::new();
    for (i, thing) in things.iter().enumerate() {
        let row = row_of(thing).map_err(|e| format!("Thing {}: {e}", i + 1))?;
        out.push_str(&Value::Object(row).to_string());
        out.push('\n');
    }
    Ok(out)
}

/// One Thing's inventory row.
fn row_of(thing: &Value) -> Result<Map<String, Value>, String> {
    let id = thing
        .get("thingId")
        .and_then(Value::as_str)
        .ok_or("it has no `thingId`")?;
    let mut row = Map::new();
    row.insert("id".into(), Value::String(id.to_string()));
    for column in COLUMNS.iter().filter(|c| **c != "id") {
        let attribute = thing.pointer(&format!("/attributes/{column}"));
        let feature = thing.pointer(&format!("/features/{column}/properties/value"));
        if let Some(value) = attribute.or(feature).filter(|v| !v.is_null()) {
            row.insert((*column).to_string(), value.clone());
        }
    }
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::inventory::{BatteryState, DeviceState, parse_json_lines};

    const EXPORT: &str = r#"[
      {"thingId": "org.acme:meter-1", "policyId": "org.acme:p",
       "attributes": {"fleet": "meters", "installed": "2021-06-14", "site": "site-03", "vendor": "x"},
       "features": {"battery": {"properties": {"value": 0.62}},
                    "firmware": {"properties": {"value": "2.3.1"}},
                    "state": {"properties": {"value": "in_repair"}},
                    "state_since": {"properties": {"value": "2025-12-30"}}}},
      {"thingId": "org.acme:meter-2", "attributes": {"fleet": "meters", "age": "3y"}}
    ]"#;

    #[test]
    fn a_ditto_export_reads_as_inventory_rows() {
        assert!(is_things(EXPORT));
        assert!(!is_things("id,fleet\nm-1,meters\n"));
        let lines = to_inventory_lines(EXPORT).unwrap();
        let devices = parse_json_lines(&lines, "things.json").unwrap();
        assert_eq!(devices.len(), 2);
        assert_eq!(devices[0].id, "org.acme:meter-1");
        assert_eq!(devices[0].battery, Some(BatteryState::Level(0.62)));
        assert_eq!(devices[0].firmware.as_deref(), Some("2.3.1"));
        assert_eq!(devices[0].state, DeviceState::InRepair);
        assert_eq!(devices[1].site, None);
        // A search page reads the same, and one Thing a line too.
        let page = format!(r#"{{"items": {EXPORT}, "cursor": "x"}}"#);
        assert_eq!(to_inventory_lines(&page).unwrap(), lines);
    }

    #[test]
    fn a_thing_without_an_id_is_refused() {
        let e = to_inventory_lines(r#"[{"attributes": {"fleet": "m"}}]"#).unwrap_err();
        assert!(e.contains("Thing 1") && e.contains("thingId"), "{e}");
    }
}
