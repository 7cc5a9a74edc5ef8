#!/bin/sh
# Runs a command and starts it again whenever it exits with an error (a crash, a kill, a
# failure at start-up), after a pause; a clean exit (0) or SIGINT/SIGTERM to this script ends
# it. `make run` keeps the task worker alive with it:  scripts/supervise.sh python manage.py run_worker
# A production supervisor (systemd Restart=on-failure, supervisord) does the same job.
PAUSE=${SUPERVISE_PAUSE_SECONDS:-5}
child=
stop() {
  [ -n "$child" ] && kill "$child" 2>/dev/null && wait "$child" 2>/dev/null
  exit 0
}
trap stop INT TERM
while :; do
  "$@" &
  child=$!
  wait "$child"
  code=$?
  child=
  [ "$code" -eq 0 ] && exit 0
  echo "supervise: '$*' exited with status $code; starting it again in $PAUSE s" >&2
  sleep "$PAUSE"
done
