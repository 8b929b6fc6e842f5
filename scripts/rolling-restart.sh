#!/usr/bin/env bash
# Restarts the API replicas of the compose project one at a time, so the others keep serving:
# each replica drains on SIGTERM (/ready fails, Traefik takes it out, in-flight work finishes),
# starts again, and the next one is restarted only once this one is healthy and ready again.
#
#   scripts/rolling-restart.sh            # every api replica of the project "iot-sensors"
#
# Settings (environment):
#   COMPOSE_PROJECT_NAME  compose project (default iot-sensors, the `name:` in docker-compose.yml)
#   SERVICE               compose service to restart (default api)
#   HEALTH_TIMEOUT_S      longest wait for one replica to be healthy and ready again (default 120)
#   POLL_INTERVAL_S       pause between two looks at its state (default 1)
#   SETTLE_S              pause after a replica is ready, before the next one goes down, so Traefik
#                         has picked it up again (its Docker provider applies changes within 2 s;
#                         default 3)
set -euo pipefail

PROJECT="${COMPOSE_PROJECT_NAME:-iot-sensors}"
SERVICE="${SERVICE:-api}"
HEALTH_TIMEOUT_S="${HEALTH_TIMEOUT_S:-120}"
POLL_INTERVAL_S="${POLL_INTERVAL_S:-1}"
SETTLE_S="${SETTLE_S:-3}"

# The replica's own readiness, asked from inside its container (slim image: node, no curl).
READY_CHECK="fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/ready', { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

log() { printf '%s rolling-restart: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { log "ERROR: $*" >&2; exit 1; }

health_of() {
  docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1"
}

running() {
  [ "$(docker inspect --format '{{.State.Running}}' "$1")" = "true" ]
}

# Waits until the container reports healthy (Docker healthcheck) and its /ready answers 200.
wait_until_ready() {
  local container="$1" deadline=$((SECONDS + HEALTH_TIMEOUT_S)) status
  while :; do
    running "$container" || die "$container is not running (see: docker logs $container)"
    status="$(health_of "$container")"
    case "$status" in
      healthy)
        if docker exec "$container" node -e "$READY_CHECK" >/dev/null 2>&1; then
          return 0
        fi
        ;;
      unhealthy)
        die "$container is unhealthy (see: docker inspect --format '{{json .State.Health}}' $container)"
        ;;
      none)
        die "$container has no healthcheck: cannot tell when it is back"
        ;;
    esac
    if ((SECONDS >= deadline)); then
      die "$container not healthy and ready after ${HEALTH_TIMEOUT_S}s (last health: $status)"
    fi
    sleep "$POLL_INTERVAL_S"
  done
}

command -v docker >/dev/null || die "docker is not installed"

mapfile -t replicas < <(
  docker ps \
    --filter "label=com.docker.compose.project=$PROJECT" \
    --filter "label=com.docker.compose.service=$SERVICE" \
    --format '{{.Names}}' | sort -V
)
((${#replicas[@]} > 0)) || die "no running containers for service '$SERVICE' in project '$PROJECT'"
if ((${#replicas[@]} == 1)); then
  log "warning: only one replica (${replicas[0]}): requests fail while it restarts"
fi
log "restarting ${#replicas[@]} replica(s) one at a time: ${replicas[*]}"

for replica in "${replicas[@]}"; do
  # Never take one down while another is not serving: that could leave none.
  for other in "${replicas[@]}"; do
    [ "$other" = "$replica" ] && continue
    [ "$(health_of "$other")" = "healthy" ] || die "$other is not healthy; not restarting $replica"
  done

  log "$replica: restarting (drains first; docker waits up to its stop_grace_period)"
  started=$SECONDS
  # The container's own stop timeout (compose's stop_grace_period), not the CLI's 10 s default.
  grace="$(docker inspect --format '{{if .Config.StopTimeout}}{{.Config.StopTimeout}}{{end}}' "$replica")"
  docker restart ${grace:+-t "$grace"} "$replica" >/dev/null
  wait_until_ready "$replica"
  log "$replica: healthy and ready after $((SECONDS - started))s"
  sleep "$SETTLE_S"
done

log "done: ${#replicas[@]} replica(s) restarted"
