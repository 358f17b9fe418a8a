#!/usr/bin/env bash
# local-cluster.sh — bring up (and tear down) a real single-node Slurm cluster on this host.
#
# Usage (as root, on Debian 12; no systemd needed, works in containers):
#   bash tests/slurm/local-cluster.sh up                 # install slurm-wlm + munge if missing, start munged,
#                                                        # slurmctld, slurmd; wait until the node is idle
#   bash tests/slurm/local-cluster.sh status             # sinfo + squeue
#   bash tests/slurm/local-cluster.sh wait JOBID [TIMEOUT_S]
#                                                        # poll until the job (all array tasks) has left the
#                                                        # queue: exit 0; exit 1 on timeout (default 600 s)
#   bash tests/slurm/local-cluster.sh selftest           # up, submit a 4-task array job (--array=0-3%2), wait,
#                                                        # check the 4 output files
#   bash tests/slurm/local-cluster.sh demo               # up, a real 4-run `spikekit sweep --emit slurm` array
#                                                        # (tests/slurm/demo-sweep.json), compared with the same
#                                                        # sweep run locally; then down
#   bash tests/slurm/local-cluster.sh down               # cancel all jobs, stop the daemons, remove the state
#
# The cluster: ClusterName=spikekit, one node named $(hostname -s) at 127.0.0.1, partition "local" (default),
# select/cons_tres with CR_CPU, no cgroups (proctrack/linuxproc, task/none), no accounting (sacct does not
# work; use the job's output files and `scontrol show job`), SlurmUser=root.
# State, spool, logs and pid files live in $SPIKEKIT_SLURM_DIR (default /tmp/spikekit-slurm).
# The config is written to /etc/slurm/slurm.conf when that file is absent or was written by this script, so the
# slurm commands need no environment variable; otherwise it goes to $SPIKEKIT_SLURM_DIR/etc/slurm.conf and `up`
# prints the `export SLURM_CONF=...` line to use.
# `up` and `down` are idempotent. `down` stops munged only if this script started it (or it was started by the
# munge package install that `up` did).
#
# Environment: SPIKEKIT_SLURM_DIR (state folder), SPIKEKIT_SLURM_UP_TIMEOUT (seconds to wait for the node, 60),
# SPIKEKIT_SLURM_MEM_MARGIN_MB (memory kept back from RealMemory, default max(512, 5 % of total)).
#
# To add a subcommand (e.g. a `demo` that submits a real sweep array): write a cmd_demo function that calls
# ensure_up, submits with `sbatch --parsable`, calls wait_job JOBID TIMEOUT, and checks the outputs; add it to
# the case statement at the bottom.
set -euo pipefail

ROOT=${SPIKEKIT_SLURM_DIR:-/tmp/spikekit-slurm}
UP_TIMEOUT=${SPIKEKIT_SLURM_UP_TIMEOUT:-60}
MARKER='# Written by SpikeKit tests/slurm/local-cluster.sh'
ETC_CONF=/etc/slurm/slurm.conf
PRIVATE_CONF=$ROOT/etc/slurm.conf
NODE=$(hostname -s)
MUNGE_KEY=/etc/munge/munge.key

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() { printf '[local-cluster] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

need_root() { [ "$(id -u)" -eq 0 ] || die "run this as root (it installs packages and starts daemons)"; }

# ---------------------------------------------------------------------------------------------- configuration

# Whether a config file was written by this script (its first line starts with the marker).
is_ours() { [ -f "$1" ] && head -n1 "$1" | grep -qF "$MARKER"; }

# The config path in use: /etc/slurm/slurm.conf if it is ours or free, otherwise the private one.
conf_path() {
    if [ -f "$PRIVATE_CONF" ] && [ -f "$ROOT/conf-path" ]; then cat "$ROOT/conf-path"; return; fi
    if [ ! -e "$ETC_CONF" ] || is_ours "$ETC_CONF"; then
        echo "$ETC_CONF"
    else
        echo "$PRIVATE_CONF"
    fi
}

export_conf() { SLURM_CONF=$(conf_path); export SLURM_CONF; }

# Usable memory in MB: total from free -m minus a margin, and no more than what slurmd itself detects.
real_memory() {
    local total margin mem detected
    total=$(free -m | awk '/^Mem:/ { print $2 }')
    margin=${SPIKEKIT_SLURM_MEM_MARGIN_MB:-$(( total / 20 > 512 ? total / 20 : 512 ))}
    mem=$(( total - margin ))
    detected=$(slurmd -C 2>/dev/null | tr ' ' '\n' | sed -n 's/^RealMemory=//p' | head -n1 || true)
    if [ -n "$detected" ] && [ "$detected" -lt "$mem" ]; then mem=$detected; fi
    [ "$mem" -ge 1 ] || mem=1
    echo "$mem"
}

# Node CPU description: the topology slurmd detects when its CPU count equals nproc, else just CPUs=$(nproc).
node_cpus() {
    local n line cpus
    n=$(nproc)
    line=$(slurmd -C 2>/dev/null | head -n1 || true)
    cpus=$(tr ' ' '\n' <<<"$line" | sed -n 's/^CPUs=//p')
    if [ "$cpus" = "$n" ]; then
        tr ' ' '\n' <<<"$line" | grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | paste -sd' '
    else
        echo "CPUs=$n"
    fi
}

write_conf() {
    local conf=$1
    mkdir -p "$(dirname "$conf")" "$ROOT"/{etc,state,spool,log,run}
    cat >"$conf.tmp" <<EOF
$MARKER — a single-node cluster for tests.
# Remove it with: bash tests/slurm/local-cluster.sh down
ClusterName=spikekit
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MaxArraySize=100001
MaxJobCount=200000
MinJobAge=300
InactiveLimit=0
KillWait=10
SlurmctldTimeout=120
SlurmdTimeout=300
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$ROOT/state
SlurmdSpoolDir=$ROOT/spool
SlurmctldPidFile=$ROOT/run/slurmctld.pid
SlurmdPidFile=$ROOT/run/slurmd.pid
SlurmctldLogFile=$ROOT/log/slurmctld.log
SlurmdLogFile=$ROOT/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 $(node_cpus) RealMemory=$(real_memory) State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    mv "$conf.tmp" "$conf"
    # The private copy is always there (down finds the state through it); the conf-path file says which is used.
    [ "$conf" = "$PRIVATE_CONF" ] || cp "$conf" "$PRIVATE_CONF"
    echo "$conf" >"$ROOT/conf-path"
}

# ---------------------------------------------------------------------------------------------- processes

# pid from a pid file if that process is alive and has the expected name.
live_pid() {
    local file=$1 name=$2 pid
    [ -f "$file" ] || return 1
    pid=$(tr -dc '0-9' <"$file")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
    echo "$pid"
}

# Stop a process: TERM, wait up to 15 s, then KILL.
stop_pid() {
    local pid=$1 name=$2 i t0
    t0=$(now)
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 150); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "stopped $name (pid $pid) in $(elapsed "$t0") s"
            return 0
        fi
        sleep 0.1
    done
    log "$name (pid $pid) did not stop in 15 s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
}

munge_works() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------- up

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sinfo >/dev/null \
        && command -v munged >/dev/null; then
        return 0
    fi
    local t0; t0=$(now)
    log "installing slurm-wlm and munge with apt"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends slurm-wlm munge; then
        log "apt-get install failed; running apt-get update and trying again"
        apt-get update
        apt-get install -y --no-install-recommends slurm-wlm munge
    fi
    log "installed in $(elapsed "$t0") s"
}

start_munge() {
    if [ ! -s "$MUNGE_KEY" ]; then
        log "creating $MUNGE_KEY"
        install -d -o munge -g munge -m 0700 /etc/munge
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile="$MUNGE_KEY"
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
        fi
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
    if munge_works; then
        # A munged that the package install just started (it was not running before) counts as ours.
        if [ "${MUNGE_BEFORE:-1}" = 0 ] && [ ! -f "$ROOT/run/munged.pid" ] && [ -f /run/munge/munged.pid ]; then
            cp /run/munge/munged.pid "$ROOT/run/munged.pid"
        fi
        return 0
    fi
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged
    local i
    for i in $(seq 1 50); do
        munge_works && break
        sleep 0.1
    done
    munge_works || die "munged does not answer (see /var/log/munge/munged.log)"
    cp /run/munge/munged.pid "$ROOT/run/munged.pid"
}

print_logs() {
    local f
    for f in "$ROOT/log/slurmctld.log" "$ROOT/log/slurmd.log"; do
        if [ -f "$f" ]; then
            printf '\n----- last 30 lines of %s -----\n' "$f" >&2
            tail -n 30 "$f" >&2
        fi
    done
    printf '\n----- slurmd -C -----\n' >&2
    slurmd -C >&2 2>&1 || true
    printf '\n----- sinfo -R -----\n' >&2
    timeout 10 sinfo -R >&2 2>&1 || true
}

# Waits until the node is up (idle, or mixed/allocated when jobs run); resumes it if it comes up down/drained.
wait_node_up() {
    local deadline state last_resume=0
    deadline=$(( $(date +%s) + UP_TIMEOUT ))
    while :; do
        state=$(timeout 10 sinfo -h -n "$NODE" -o '%t' 2>/dev/null | head -n1 || true)
        case "$state" in
            idle|mix|alloc|comp) return 0 ;;
            down|drain|drng|fail|"down~"|"drain~")
                # Not "*" (not responding): slurmctld knows the node but keeps it out; ask it to take it back.
                if [ $(( $(date +%s) - last_resume )) -ge 3 ]; then
                    log "node $NODE is '$state'; resuming it"
                    timeout 10 scontrol update nodename="$NODE" state=resume 2>&1 | sed 's/^/    /' >&2 || true
                    last_resume=$(date +%s)
                fi ;;
        esac
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "node $NODE is not idle after ${UP_TIMEOUT} s (sinfo state: '${state:-no answer}')"
            print_logs
            die "the cluster did not come up (clean up with: bash $0 down)"
        fi
        sleep 0.5
    done
}

ensure_up() {
    need_root
    local t0 conf; t0=$(now)
    MUNGE_BEFORE=0
    if command -v munge >/dev/null && munge_works; then MUNGE_BEFORE=1; fi
    install_packages
    mkdir -p "$ROOT"/{etc,state,spool,log,run}
    start_munge
    conf=$(conf_path)
    export SLURM_CONF=$conf
    if ! live_pid "$ROOT/run/slurmctld.pid" slurmctld >/dev/null; then
        write_conf "$conf"
        log "starting slurmctld (config $conf)"
        /usr/sbin/slurmctld -f "$conf" || { print_logs; die "slurmctld failed to start"; }
    fi
    if ! live_pid "$ROOT/run/slurmd.pid" slurmd >/dev/null; then
        log "starting slurmd"
        /usr/sbin/slurmd -f "$conf" || { print_logs; die "slurmd failed to start"; }
    fi
    wait_node_up
    log "cluster up in $(elapsed "$t0") s: node $NODE, partition local, config $conf"
}

cmd_up() {
    ensure_up
    timeout 10 sinfo
    if [ "$SLURM_CONF" != "$ETC_CONF" ]; then
        echo "# $ETC_CONF belongs to something else; point the slurm commands at this cluster with:"
        echo "export SLURM_CONF=$SLURM_CONF"
    fi
}

# ---------------------------------------------------------------------------------------------- down

cmd_down() {
    need_root
    local pid conf
    conf=$(conf_path)
    export SLURM_CONF=$conf
    if pid=$(live_pid "$ROOT/run/slurmctld.pid" slurmctld); then
        local jobs
        jobs=$(timeout 10 squeue -h -o '%A' 2>/dev/null | sort -u | paste -sd' ' || true)
        if [ -n "$jobs" ]; then
            log "cancelling jobs: $jobs"
            # shellcheck disable=SC2086
            timeout 10 scancel $jobs || true
            sleep 1
        fi
    fi
    if pid=$(live_pid "$ROOT/run/slurmd.pid" slurmd); then stop_pid "$pid" slurmd; fi
    if pid=$(live_pid "$ROOT/run/slurmctld.pid" slurmctld); then stop_pid "$pid" slurmctld; fi
    if pid=$(live_pid "$ROOT/run/munged.pid" munged); then
        if [ -d /run/systemd/system ] && systemctl is-active --quiet munge 2>/dev/null; then
            log "stopping munged (systemctl stop munge: the package install started it)"
            systemctl stop munge || stop_pid "$pid" munged
        else
            stop_pid "$pid" munged
        fi
    elif pgrep -x munged >/dev/null 2>&1; then
        log "leaving munged running (not started by this script)"
    fi
    if is_ours "$ETC_CONF"; then rm -f "$ETC_CONF"; fi
    rm -rf "$ROOT"
    log "down: the cluster is stopped and $ROOT removed"
}

# ---------------------------------------------------------------------------------------------- status / wait

cmd_status() {
    export_conf
    if ! live_pid "$ROOT/run/slurmctld.pid" slurmctld >/dev/null; then
        echo "slurmctld is not running (start the cluster with: bash $0 up)"
        return 1
    fi
    timeout 10 sinfo
    echo
    timeout 10 squeue
}

# wait_job JOBID [TIMEOUT_S]: returns 0 once no task of the job is pending/running/completing, 1 on timeout.
wait_job() {
    local job=$1 limit=${2:-600} deadline out rc
    deadline=$(( $(date +%s) + limit ))
    while :; do
        rc=0
        out=$(timeout 10 squeue -h -j "$job" -o '%T' 2>&1) || rc=$?
        if [ "$rc" -eq 0 ]; then
            # Anything not in a final state keeps the job in the queue.
            if ! grep -qvE '^(|COMPLETED|CANCELLED|FAILED|TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE|OUT_OF_MEMORY)$' \
                <<<"$out"; then
                return 0
            fi
        elif grep -q 'Invalid job id' <<<"$out"; then
            log "job $job is not known to slurmctld (finished and purged after MinJobAge, or never submitted)"
            return 0
        else
            log "squeue failed (rc $rc): $out"
        fi
        if [ "$(date +%s)" -ge "$deadline" ]; then
            log "job $job is still in the queue after $limit s"
            return 1
        fi
        sleep 1
    done
}

cmd_wait() {
    [ $# -ge 1 ] || die "usage: $0 wait JOBID [TIMEOUT_S]"
    export_conf
    wait_job "$@"
}

# ---------------------------------------------------------------------------------------------- selftest

cmd_selftest() {
    ensure_up
    local out=$ROOT/selftest job t0 i f ok=0 running
    rm -rf "$out"
    mkdir -p "$out"
    cat >"$out/array.sbatch" <<EOF
#!/bin/bash
#SBATCH --job-name=spikekit-selftest
#SBATCH --array=0-3%2
#SBATCH --cpus-per-task=1
#SBATCH --mem=64M
#SBATCH --output=$out/%A_%a.out
echo "start \$(date +%s.%N)"
echo "task \$SLURM_ARRAY_TASK_ID of job \$SLURM_ARRAY_JOB_ID on \$(hostname -s)"
sleep 2
echo "end \$(date +%s.%N)"
EOF
    t0=$(now)
    job=$(sbatch --parsable "$out/array.sbatch")
    job=${job%%;*}
    log "submitted array job $job (4 tasks, at most 2 at once)"
    # While it runs (the first tasks start within a second or so): task states from squeue -r (one line per
    # array task), and the full `scontrol show job` kept next to the outputs.
    local snap running=0 pending=0
    for i in $(seq 1 20); do
        snap=$(timeout 10 squeue -h -r -j "$job" -o '%T' 2>/dev/null || true)
        running=$(grep -c '^RUNNING$' <<<"$snap" || true)
        pending=$(grep -c '^PENDING$' <<<"$snap" || true)
        [ "$running" -eq 0 ] || break
        sleep 0.25
    done
    timeout 10 scontrol show job "$job" >"$out/scontrol-while-running.txt" 2>&1 || true
    log "while running: $running task(s) RUNNING, $pending PENDING (scontrol show job: $out/scontrol-while-running.txt)"
    wait_job "$job" 120 || { timeout 10 scontrol show job "$job" >&2 || true; die "selftest: job $job timed out"; }
    local secs; secs=$(elapsed "$t0")
    for i in 0 1 2 3; do
        f=$out/${job}_$i.out
        if [ -f "$f" ] && grep -qx "task $i of job $job on $NODE" "$f" && grep -q '^end ' "$f"; then
            ok=$((ok + 1))
        else
            log "missing or wrong output for task $i: $f"
            [ -f "$f" ] && sed 's/^/    /' "$f" >&2
        fi
    done
    # The %2 throttle: never more than 2 tasks overlap in time.
    local overlap
    overlap=$(cat "$out/${job}"_*.out | awk '/^start /{ print $2, 1 } /^end /{ print $2, -1 }' | sort -n -k1,1 -k2,2 \
        | awk '{ n += $2; if (n > m) m = n } END { print m + 0 }')
    local states
    states=$(timeout 10 scontrol show job "$job" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort | uniq -c \
        | awk '{ printf "%s%s x %s", (NR > 1 ? ", " : ""), $1, $2 }' || true)
    log "after the wait, scontrol show job $job: ${states:-purged}; at most $overlap task(s) ran at once"
    [ "$overlap" -le 2 ] || die "selftest: $overlap tasks ran at once despite --array=0-3%2"
    echo "slurm selftest: $ok/4 array tasks finished in $secs s"
    [ "$ok" -eq 4 ] || die "selftest failed"
}

# ---------------------------------------------------------------------------------------------- demo

# A real 4-run spikekit sweep (tests/slurm/demo-sweep.json, synthetic data) submitted as a Slurm array with
# `spikekit sweep --emit slurm`, checked against the same sweep run locally (--jobs 2), then the cluster is torn
# down (SPIKEKIT_SLURM_KEEP=1 keeps it). Both sides use 1 thread per run, so their tables must be identical.
cmd_demo() {
    local repo cli spec out t0 t_up t1 t_array t2 t_local job
    repo=$(cd "$(dirname "$0")/../.." && pwd)
    cli=${SPIKEKIT_CLI:-$repo/lib/SpikeKit.Cli/bin/Release/net10.0/SpikeKit.Cli.dll}
    spec=$repo/tests/slurm/demo-sweep.json
    out=$ROOT/demo
    if [ ! -f "$cli" ]; then
        log "building the spikekit command ($cli)"
        (cd "$repo" && dotnet build lib/SpikeKit.Cli -c Release -v q -nologo) >&2 || die "build failed"
    fi
    t0=$(now)
    ensure_up
    t_up=$(elapsed "$t0")
    rm -rf "$out"
    mkdir -p "$out"
    dotnet "$cli" sweep "$spec" --out "$out/slurm" --emit slurm --slurm-cpus 1 --slurm-mem 2048 \
        --slurm-max-parallel 2 --slurm-time 0:30:00 >&2 || die "spikekit sweep --emit slurm failed"
    local script=$out/slurm/slurm-demo/sweep.sbatch
    grep -q '^#SBATCH --array=0-3%2$' "$script" || die "unexpected array line in $script"
    t1=$(now)
    job=$(sbatch --parsable "$script")
    job=${job%%;*}
    log "submitted $script as array job $job (4 tasks, at most 2 at once)"
    wait_job "$job" 1200 || { timeout 10 scontrol show job "$job" >&2 || true; die "demo: job $job timed out"; }
    t_array=$(elapsed "$t1")
    local f
    for f in "$out"/slurm/slurm-demo/slurm/*.out; do log "task log $(basename "$f"): $(tail -n 1 "$f")"; done
    dotnet "$cli" sweep "$spec" --out "$out/slurm" --dry-run | tee "$out/dry-run.txt" >&2
    grep -q '4 runs into .* — 4 complete$' "$out/dry-run.txt" || die "demo: not all 4 array tasks completed their run"
    dotnet "$cli" report "$out/slurm/slurm-demo" >&2 || die "spikekit report failed"
    t2=$(now)
    dotnet "$cli" sweep "$spec" --out "$out/local" --jobs 2 --quiet >/dev/null || die "local sweep failed"
    t_local=$(elapsed "$t2")
    if ! diff -u "$out/local/slurm-demo/tables.md" "$out/slurm/slurm-demo/tables.md" >&2; then
        die "demo: the Slurm sweep's tables.md differs from the local sweep's"
    fi
    cat "$out/slurm/slurm-demo/tables.md"
    echo "slurm demo: 4/4 array tasks completed; cluster up in $t_up s, array sweep in $t_array s, same sweep locally (--jobs 2) in $t_local s; tables.md identical (results in $out)"
    if [ "${SPIKEKIT_SLURM_KEEP:-0}" != 1 ]; then cmd_down; fi
}

# ---------------------------------------------------------------------------------------------- main

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    status) cmd_status "$@" ;;
    wait) cmd_wait "$@" ;;
    selftest) cmd_selftest "$@" ;;
    demo) cmd_demo "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
esac
