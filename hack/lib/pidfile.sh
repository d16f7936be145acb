# shellcheck shell=bash
# Pid files of the loopback test servers (sourced, not run).
#
# A pid file can outlive its process: a run that was stopped, a reboot, or a machine restored from a
# snapshot of /tmp. Its number may since belong to an unrelated process, and `kill -0` alone would
# call that alive (a start script then skips a server that is not running, a stop kills a stranger).
# So a process counts only when it started no later than its pid file was written.

# process_start_epoch PID: the process's start time in seconds since the epoch.
process_start_epoch() {
  local stat fields btime
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  read -r -a fields <<<"${stat##*) }"
  btime=$(awk '/^btime/ {print $2}' /proc/stat)
  echo $((btime + fields[19] / $(getconf CLK_TCK)))
}

# pidfile_alive FILE: true when FILE names a live process that was started before FILE was written.
pidfile_alive() {
  local f=$1 pid started
  [[ -s $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  started=$(process_start_epoch "$pid") || return 1
  # 2 s of slack: btime and the clock tick rounding are whole seconds.
  [[ $started -le $(( $(stat -c %Y "$f") + 2 )) ]]
}
