#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for the tests of `quicklearn run --executor slurm`.
#
#   bash scripts/slurm-local.sh up       start munged, slurmctld and slurmd (idempotent: quick when already up)
#   bash scripts/slurm-local.sh down     stop the daemons this script started
#   bash scripts/slurm-local.sh status   exit 0 when the cluster answers and its node is idle/allocated/mixed
#   bash scripts/slurm-local.sh env      print `export SLURM_CONF=...` for this cluster
#
# Needs root and Debian's packages (scripts/setup.sh --dev installs them):
#   apt-get install --no-install-recommends slurm-wlm slurm-client munge
# Made for containers without systemd: the daemons are started directly. Without slurmdbd there is no
# accounting database, so finished jobs are recorded by jobcomp/filetxt and read back with `sacct --completion`.
#
# State (config, spool, logs, pid files) lives in $QUICKLEARN_SLURM_DIR (default: $TMPDIR/quicklearn-slurm).
# The config is also linked at /etc/slurm/slurm.conf when nothing else is there, so plain `sbatch` works;
# otherwise set SLURM_CONF as `slurm-local.sh env` prints.
set -euo pipefail

STATE=${QUICKLEARN_SLURM_DIR:-${TMPDIR:-/tmp}/quicklearn-slurm}
CONF=$STATE/slurm.conf
SYSTEM_CONF=/etc/slurm/slurm.conf
MARK="# written by quicklearn scripts/slurm-local.sh"
MUNGE_SOCKET=/run/munge/munge.socket.2

die() {
  echo "slurm-local: $*" >&2
  exit 1
}
note() { echo "slurm-local: $*" >&2; }

need_tools() {
  local t missing=()
  for t in munged munge slurmctld slurmd sbatch squeue sinfo scontrol; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] ||
    die "missing ${missing[*]}; install them with: apt-get install --no-install-recommends slurm-wlm slurm-client munge (or run scripts/setup.sh --dev as root)"
  [ "$(id -u)" = 0 ] || die "must run as root (the daemons and munge need it)"
}

# True when this pid file names a live process.
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_munge() {
  if munge -n --socket="$MUNGE_SOCKET" </dev/null 2>/dev/null | unmunge --socket="$MUNGE_SOCKET" >/dev/null 2>&1; then
    return 0 # a munged already answers (ours or the system's)
  fi
  [ -s /etc/munge/munge.key ] || {
    note "creating /etc/munge/munge.key"
    mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null ||
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
  }
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 0755 /run/munge
  rm -f "$MUNGE_SOCKET" "$MUNGE_SOCKET.lock"
  # munged refuses to run as root without --force; run it as its own user, as the packaged service does.
  # Daemons get /dev/null as stdio so a caller reading this script's output through a pipe is not held open.
  runuser -u munge -- munged --socket="$MUNGE_SOCKET" </dev/null >/dev/null 2>&1 9>&- ||
    die "munged did not start; see /var/log/munge/munged.log"
  for _ in $(seq 50); do
    munge -n --socket="$MUNGE_SOCKET" </dev/null 2>/dev/null | unmunge --socket="$MUNGE_SOCKET" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "munged started but does not answer on $MUNGE_SOCKET; see /var/log/munge/munged.log"
}

write_conf() {
  local host cpus mem
  host=$(hostname -s)
  # getconf, not nproc: nproc obeys OMP_NUM_THREADS, which test runners set to 1.
  cpus=${QUICKLEARN_SLURM_CPUS:-$(getconf _NPROCESSORS_ONLN)}
  # slurmd -C prints this node's hardware as slurm sees it; RealMemory must not exceed it or the node drains.
  mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' | head -1)
  [ -n "$mem" ] || die "cannot read RealMemory from 'slurmd -C'"
  mkdir -p "$STATE"/{ctld,spool,log,run}
  cat >"$CONF.tmp" <<EOF
$MARK
ClusterName=quicklearn
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthInfo=cred_expire=10
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# No systemd and no usable cgroups in a container: track processes through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
# Short passes: a requeued task becomes eligible again without waiting long for the next scheduling pass.
SchedulerParameters=sched_interval=2,bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# No slurmdbd: finished jobs go to a text file that 'sacct --completion' reads.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/log/jobcomp.txt
# Requeue is how preemption and 'scontrol requeue' work; the study's runs resume from their checkpoints.
JobRequeue=1
ReturnToService=2
SlurmdParameters=config_overrides
# Keep finished jobs visible to squeue/scontrol for an hour (sacct --completion has them after that).
MinJobAge=3600
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
  if cmp -s "$CONF.tmp" "$CONF"; then
    rm -f "$CONF.tmp"
  else
    mv "$CONF.tmp" "$CONF"
    CONF_CHANGED=1
  fi
  # Link the system-wide path only when it is free or already ours: never overwrite a real cluster's config.
  if [ -L "$SYSTEM_CONF" ] && [ "$(readlink "$SYSTEM_CONF")" = "$CONF" ]; then
    :
  elif [ ! -e "$SYSTEM_CONF" ] || head -1 "$SYSTEM_CONF" | grep -qF "$MARK"; then
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    ln -sfn "$CONF" "$SYSTEM_CONF"
  else
    note "$SYSTEM_CONF belongs to another setup; left alone (use: export SLURM_CONF=$CONF)"
  fi
}

node_ready() {
  local st
  st=$(SLURM_CONF=$CONF sinfo --noheader --partition=debug --format=%T 2>/dev/null | head -1) || return 1
  case "$st" in idle* | alloc* | mix* | completing*) return 0 ;; *) return 1 ;; esac
}

CONF_CHANGED=0

up() {
  need_tools
  start_munge
  write_conf
  export SLURM_CONF=$CONF
  if [ $CONF_CHANGED = 1 ] && { alive "$STATE/run/slurmctld.pid" || alive "$STATE/run/slurmd.pid"; }; then
    note "configuration changed: restarting the daemons"
    stop_daemons
  fi
  if alive "$STATE/run/slurmctld.pid" && alive "$STATE/run/slurmd.pid" && node_ready; then
    note "already up ($CONF)"
    return 0
  fi
  if ! alive "$STATE/run/slurmctld.pid"; then
    slurmctld -f "$CONF" </dev/null >>"$STATE/log/slurmctld.out" 2>&1 9>&- || die "slurmctld did not start; see $STATE/log/slurmctld.log"
  fi
  for _ in $(seq 100); do
    scontrol ping 2>/dev/null | grep -q UP && break
    sleep 0.2
  done
  scontrol ping 2>/dev/null | grep -q UP ||
    die "slurmctld does not answer; last log lines:
$(tail -n 15 "$STATE/log/slurmctld.log" 2>/dev/null)"
  if ! alive "$STATE/run/slurmd.pid"; then
    slurmd -f "$CONF" </dev/null >>"$STATE/log/slurmd.out" 2>&1 9>&- || die "slurmd did not start; see $STATE/log/slurmd.log"
  fi
  for _ in $(seq 100); do
    node_ready && break
    sleep 0.2
  done
  if ! node_ready; then
    # A node left DOWN/DRAIN by an earlier run of this script comes back once resumed.
    scontrol update NodeName="$(hostname -s)" State=RESUME 2>/dev/null || true
    sleep 1
  fi
  node_ready || die "node $(hostname -s) is not ready: $(sinfo --noheader --format='%T %E' 2>&1); see $STATE/log/slurmd.log"
  note "up: partition debug on $(hostname -s) ($CONF)"
}

stop_daemons() {
  local f pid
  for f in slurmd slurmctld; do
    if alive "$STATE/run/$f.pid"; then
      pid=$(cat "$STATE/run/$f.pid")
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$STATE/run/$f.pid"
  done
}

down() {
  stop_daemons
  # munged may serve other software on this machine; it is cheap to leave running. Stop it with: munged --stop
  if [ -L "$SYSTEM_CONF" ] && [ "$(readlink "$SYSTEM_CONF")" = "$CONF" ]; then rm -f "$SYSTEM_CONF"; fi
  note "down (state kept in $STATE)"
}

# Two test files may bring the cluster up at the same moment: one at a time.
mkdir -p "$STATE"
exec 9>"$STATE/.lock"
flock 9

case "${1:-}" in
  up) up ;;
  down) down ;;
  status)
    alive "$STATE/run/slurmctld.pid" && alive "$STATE/run/slurmd.pid" && node_ready ||
      die "not up (start it with: bash scripts/slurm-local.sh up)"
    echo "up ($CONF)"
    ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *)
    echo "usage: $0 up|down|status|env" >&2
    exit 2
    ;;
esac
