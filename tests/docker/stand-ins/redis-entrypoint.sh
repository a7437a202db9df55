#!/bin/sh
# What the official redis image's entrypoint does with its arguments: a first
# argument that is a flag or a .conf file means redis-server, and without an
# explicit --protected-mode the server runs with it off. Redis would otherwise
# refuse every client but localhost, i.e. every other container.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  case " $* " in
    *" --protected-mode "*) ;;
    *) set -- "$@" --protected-mode no ;;
  esac
fi
exec "$@"
