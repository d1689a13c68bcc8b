#!/bin/sh
# The lab's redis entrypoint, after the official image's (redis/docker-library-redis@0d55be9
# debian/docker-entrypoint.sh): as root it fixes the ownership of /data and drops to redis with
# setpriv, but only when it holds SETUID and SETGID; without them (--cap-drop ALL) it runs
# redis-server as root without a word, exactly as the official image does.
set -e

# first arg is `-f` or `--some-option`: run redis-server with it
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

has_cap() {
  setpriv -d | grep -q 'Capability bounding set:.*\b'"$1"'\b'
}

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ] && [ -z "${SKIP_DROP_PRIVS:-}" ] \
  && has_cap setuid && has_cap setgid; then
  if [ -z "${SKIP_FIX_PERMS:-}" ]; then
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || :
  fi
  exec setpriv --reuid=redis --regid=redis --clear-groups --nnp --inh-caps=-all "$0" "$@"
fi

# the official image is built with protected mode off (it has no config file to say so)
if [ "$1" = 'redis-server' ]; then
  case " $* " in
    *' --protected-mode '*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi

exec "$@"
