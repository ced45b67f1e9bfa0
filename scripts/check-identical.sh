#!/usr/bin/env bash
# Checks that a change to the code leaves every shipped result byte for byte as it was: the
# summary.json and metrics.csv of every scenario in scenarios/ and scenarios/textbook/ in both
# modes (packet and flow), and one trace per scenario. Record the golden files once from the
# commit you start from, then check after each step of a refactor:
#
#   scripts/check-identical.sh record [DIR]   # write the golden files into DIR
#   scripts/check-identical.sh check  [DIR]   # run again, compare, name every file that differs
#
# DIR defaults to /tmp/iotwin-golden (outside the repository: the files are large and belong to
# one commit). Check mode exits 1 if any file differs or is missing, 0 if all are identical.
#
# The runs are shortened so the whole check takes a few minutes on 2 cores: two replications
# each, and the slowest scenarios with a shorter horizon or fewer devices (a copy of the file
# is edited; the shipped file is untouched). The trace is of replication 0 over one simulated
# day (an hour for peer_bench), which already passes through every kind of event the start of
# a run has. Shortening changes what is simulated, not how: any change to the model's
# arithmetic or to the order of its random draws still shows in the bytes.
#
# Environment: CARGO_TARGET_DIR as for cargo; IOTWIN_PROFILE (default ci) for the build;
# IOTWIN_BIN to check a binary built elsewhere instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

action="${1:-}"
golden="${2:-/tmp/iotwin-golden}"
case "$action" in
record | check) ;;
*)
    echo "usage: $0 record|check [DIR]" >&2
    exit 2
    ;;
esac

if [ -n "${IOTWIN_BIN:-}" ]; then
    iotwin="$IOTWIN_BIN"
else
    profile="${IOTWIN_PROFILE:-ci}"
    cargo build --profile "$profile" --quiet --bin iotwin
    iotwin="${CARGO_TARGET_DIR:-target}/$profile/iotwin"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# How each scenario is shortened for the run (sed expressions on a copy of the file). The
# horizon line is the only `horizon:` in every shipped file.
shorten() {
    case "$1" in
    bottling_plant) echo 's/^\( *horizon: \)"[^"]*"/\1"365d"/' ;;
    city_meters | logistics_trackers) echo 's/^\( *horizon: \)"[^"]*"/\1"180d"/' ;;
    peer_bench) echo 's/^\( *horizon: \)"[^"]*"/\1"6h"/' ;;
    # A million meters reporting every minute for ten years: 2 per district (200 meters) for
    # 60 days.
    city_scale_meters) echo 's/^\( *horizon: \)"[^"]*"/\1"60d"/; s/^\( *count: \)10000,/\12,/' ;;
    # Ten million meters every 15 minutes for twenty years: 2 per district (400 meters) for
    # 60 days.
    national_meters) echo 's/^\( *horizon: \)"[^"]*"/\1"60d"/; s/^\( *count: \)50000,/\12,/' ;;
    *) echo '' ;;
    esac
}

# The trace's horizon: one day, an hour where a day is millions of lines, past the scripted
# faults of a drill (a fault after the horizon is refused) or past a warm-up.
trace_horizon() {
    case "$1" in
    peer_bench | city_scale_meters) echo '1h' ;;
    fiber_cut_drill) echo '3d' ;;
    # Past the textbook files' warm-ups (a warm-up must be shorter than the horizon).
    erlang_b) echo '2d' ;;
    erlang_c) echo '3d' ;;
    k_of_n | standby_coverage) echo '11d' ;;
    *) echo '1d' ;;
    esac
}

out="$golden"
if [ "$action" = check ]; then
    out="$work/new"
fi
mkdir -p "$out"

# The textbook cases are named by their file too (no name is in both folders); flow mode
# refuses the two with servers of c channels, and that refusal is their flow golden.
for path in scenarios/*.ron scenarios/textbook/*.ron; do
    s="$(basename "$path" .ron)"
    run_file="$work/$s.ron"
    sed -e "$(shorten "$s")" "$path" >"$run_file"
    for mode in packet flow; do
        dir="$work/run-$s-$mode"
        mkdir -p "$out/$s/$mode"
        # A mode that refuses the scenario (flow mode and fleets on their own SIMs) keeps its
        # refusal as the golden file: the refusal's words are a result too.
        if "$iotwin" run "$run_file" -r 2 --mode "$mode" -t 2 -q -o "$dir" >/dev/null \
            2>"$work/stderr"; then
            cp "$dir/summary.json" "$dir/metrics.csv" "$out/$s/$mode/"
        else
            sed "s|$work/||g" "$work/stderr" >"$out/$s/$mode/refused.txt"
        fi
        rm -rf "$dir"
    done
    trace_file="$work/$s-trace.ron"
    sed -e "$(shorten "$s")" -e "s/^\( *horizon: \)\"[^\"]*\"/\1\"$(trace_horizon "$s")\"/" \
        "$path" >"$trace_file"
    "$iotwin" trace "$trace_file" -k 0 -o "$out/$s/trace.jsonl"
    echo "$s" >&2
done

if [ "$action" = record ]; then
    echo "golden files written to $golden" >&2
    exit 0
fi

differ=0
while IFS= read -r file; do
    rel="${file#"$golden"/}"
    if [ ! -f "$out/$rel" ]; then
        echo "MISSING $rel"
        differ=1
    elif ! cmp -s "$file" "$out/$rel"; then
        echo "DIFFERS $rel"
        differ=1
    fi
done < <(find "$golden" -type f | sort)
if [ "$differ" = 0 ]; then
    echo "identical: every file in $golden" >&2
fi
exit "$differ"
