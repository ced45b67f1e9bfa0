#!/usr/bin/env bash
# The Slurm recipe of docs/cluster.md, run on a real Slurm: installs Debian's slurm-wlm and
# munge, starts munged, a slurmctld and one slurmd on this machine (every file in a temporary
# folder; ports 16817/16818), submits docs/slurm/iotwin-array.sbatch as a job array over the
# shards of a small study and the merge as a job depending on it (the two commands of
# docs/cluster.md), waits, and checks that the merged summary.json and metrics.csv are
# byte-identical to an unsharded run. Stops every daemon it started, by pid, on exit.
#
#   scripts/slurm-ci.sh                 # uses target/release/iotwin (IOTWIN_BIN to choose)
#
# Where Slurm cannot run here (not root, no apt-get, no slurm-wlm package) it says so and exits
# 0 with "SKIPPED"; a failure of Slurm or of the check itself exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

scenario=scenarios/smart_home.ron # 0.25 s a replication: the whole check takes seconds
replications=6
shards=3

skip() {
    echo "slurm-ci: SKIPPED: $*"
    exit 0
}
fail() {
    echo "slurm-ci: FAILED: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || skip "not root: cannot install Slurm or start its daemons"

bin=${IOTWIN_BIN:-$repo/target/release/iotwin}
[ -x "$bin" ] || fail "no iotwin binary at $bin (cargo build --release, or set IOTWIN_BIN)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    command -v apt-get >/dev/null || skip "no apt-get: install slurm-wlm and munge by hand to run this check"
    echo "== slurm-ci: apt-get install slurm-wlm munge"
    for attempt in 1 2 3; do
        if apt-get update -qq; then break; fi
        echo "apt-get update failed (attempt $attempt); retrying" >&2
        sleep 10
    done
    if ! apt-cache show slurm-wlm >/dev/null 2>&1 || ! apt-cache show munge >/dev/null 2>&1; then
        skip "this system's package lists have no slurm-wlm or munge"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null \
        || fail "apt-get install slurm-wlm munge failed"
fi
echo "== slurm-ci: $(slurmctld -V), munge $(munged -V 2>&1 | awk '{print $1}')"

work=$(mktemp -d /tmp/iotwin-slurm.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/state" "$work/spool" "$work/out"
# The daemons run in the foreground as this script's background jobs, so that stopping them
# (by pid) also reaps them.
pids=()
stop_daemons() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP_SLURM_WORK:-}" = "" ]; then rm -rf "$work"; else echo "slurm-ci: kept $work"; fi
}
trap stop_daemons EXIT
show_logs() {
    for log in "$work"/*.log "$work"/out/*.out; do
        [ -f "$log" ] && { echo "--- $log"; tail -n 30 "$log"; }
    done
    return 0
}

# munge authenticates Slurm's messages: its own key and socket, in the work folder.
mungekey --create --keyfile="$work/munge.key"
munged --foreground --force --socket="$work/munge.socket" --key-file="$work/munge.key" \
    --log-file="$work/munged.log" --pid-file="$work/munged.pid" --seed-file="$work/munged.seed" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$work/munge.socket" ] && break; sleep 0.1; done

# One controller and one node on this machine; the node is named, addressed by loopback, so
# nothing depends on how the host name resolves. SlurmUser root: the daemons run as the CI user.
node=iotwin-ci-node
cpus=$(nproc)
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=iotwin-ci
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmUser=root
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool/%n
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$cpus State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -D -f "$SLURM_CONF" 2>>"$work/slurmctld.log" &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" 2>>"$work/slurmd.log" &
pids+=($!)

# Wait for the node to come up (idle) before submitting.
for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$node" -o %t 2>/dev/null || true)
    [ "$state" = "idle" ] && break
    sleep 1
done
[ "$state" = "idle" ] || { show_logs; fail "node $node is \"$state\", not idle, after 60 s"; }
echo "== slurm-ci: controller and node $node up ($cpus CPUs)"

# The recipe, as docs/cluster.md gives it; only the resources are scaled to this machine (the
# script asks for 4 cores and 4 GB per task) and the task logs go to the work folder.
export PATH="$(dirname "$bin"):$PATH"
out=$work/out/study
jobid=$(sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 --mem=0 \
    --output="$work/out/iotwin-%A_%a.out" \
    docs/slurm/iotwin-array.sbatch "$scenario" "$replications" "$out")
merge=$(sbatch --parsable --dependency=afterok:"$jobid" --cpus-per-task=1 --mem=0 \
    --output="$work/out/merge-%j.out" \
    --wrap "iotwin merge $out --out $out/report")
echo "== slurm-ci: submitted array job $jobid ($shards shards of $replications replications) and merge job $merge"

deadline=$((SECONDS + 600))
while [ -n "$(squeue -h -j "$jobid,$merge" -o %i 2>/dev/null)" ]; do
    [ $SECONDS -lt $deadline ] || { squeue; show_logs; fail "jobs still queued or running after 600 s"; }
    sleep 2
done

for i in $(seq 0 $((shards - 1))); do
    shard=$(printf '%s/shard-%04d-of-%04d.json' "$out" "$i" "$shards")
    [ -s "$shard" ] || { show_logs; fail "array task $i wrote no $shard"; }
done
[ -s "$out/report/summary.json" ] || { show_logs; fail "the merge job wrote no report"; }

"$bin" run "$scenario" --replications "$replications" --out "$work/whole" --quiet >/dev/null
for file in summary.json metrics.csv; do
    cmp "$out/report/$file" "$work/whole/$file" || fail "$file of the Slurm study differs from the unsharded run"
done
echo "== slurm-ci: the merged summary.json and metrics.csv of $shards Slurm array tasks are byte-identical to an unsharded run"
echo "slurm-ci: 1 passed, 0 failed"
