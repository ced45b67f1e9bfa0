#!/usr/bin/env bash
# Regenerates the sample reports in reports/ from the shipped scenarios: one report per
# scenario in scenarios/ and scenarios/textbook/ (each with its own seed and replication
# count; the mode is the `auto` rule, so city_scale_meters runs in flow mode), the
# gateway-capacity sweep and the comparison
# of the four connectivity designs, the fit of the synthetic field log, the twin example's forecast
# and back-test, then a PNG screenshot of every page when Chromium is there
# (scripts/screenshot-reports.sh). Results are deterministic: the same code gives the same
# summary.json, metrics.csv and charts byte for byte.
#
#   scripts/regenerate-samples.sh            # everything (about 10 minutes on 2 cores)
#   scripts/regenerate-samples.sh factory    # only the named scenarios' reports
#   scripts/regenerate-samples.sh textbook/erlang_b
#
# Environment: CARGO_TARGET_DIR as for cargo; IOTWIN_CHROMIUM as for screenshot-reports.sh;
# NO_SCREENSHOTS=1 to skip the screenshots.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin iotwin
iotwin="${CARGO_TARGET_DIR:-target}/release/iotwin"

# Each output folder is emptied first, so a chart the code no longer draws does not linger.
fresh() {
    rm -rf "reports/$1"
}

if [ "$#" -gt 0 ]; then
    scenarios=("$@")
else
    scenarios=()
    # The textbook cases too, named by their path below scenarios/ (textbook/erlang_b).
    for path in scenarios/*.ron scenarios/textbook/*.ron; do
        s="${path#scenarios/}"
        scenarios+=("${s%.ron}")
    done
fi

for s in "${scenarios[@]}"; do
    name="$(sed -n 's/^ *name: "\([^"]*\)".*/\1/p' "scenarios/$s.ron" | head -n 1)"
    fresh "$name"
    echo "== $s" >&2
    "$iotwin" run "scenarios/$s.ron" --quiet --out "reports/$name" > /dev/null
done

if [ "$#" -eq 0 ]; then
    echo "== sweep: gateway_capacity" >&2
    fresh gateway_capacity-sweep
    "$iotwin" sweep scenarios/gateway_capacity.ron \
        --set 'fleets[id=meters].count=250,500,750,1000,1250,1500,1750' \
        --limit 'max_gateway_utilisation<=0.8' --limit 'on_time_completeness>=0.99' \
        --out reports/gateway_capacity-sweep > /dev/null

    echo "== compare: four connectivity designs" >&2
    fresh compare-designs
    "$iotwin" compare scenarios/single_carrier.ron scenarios/dual_carrier_esim.ron \
        scenarios/wired_with_lte_backup.ron scenarios/redundant_gateways.ron \
        --out reports/compare-designs > /dev/null

    echo "== compare: cellular trackers on their own SIMs" >&2
    fresh compare-trackers
    "$iotwin" compare scenarios/trackers/one_sim.ron scenarios/trackers/multi_imsi.ron \
        scenarios/trackers/esim_two_profiles.ron --out reports/compare-trackers > /dev/null

    echo "== fit: the synthetic field log" >&2
    "$iotwin" fit reports/fit-example/field.csv --quiet --out reports/fit-example > /dev/null

    echo "== twin: forecast and back-test of the synthetic fleet" >&2
    cargo run --release --quiet --example fit_field_log -- reports/twin-example > /dev/null
    "$iotwin" forecast reports/twin-example/scenario.ron --out reports/twin-example/forecast > /dev/null
    "$iotwin" backtest reports/twin-example/scenario.ron reports/twin-example/field.csv \
        --from 2023-01-01 --to 2026-01-01 --window 90d --out reports/twin-example/backtest > /dev/null
fi

if [ "${NO_SCREENSHOTS:-0}" != 1 ]; then
    scripts/screenshot-reports.sh reports > /dev/null
fi
echo "samples written to reports/" >&2
