#!/bin/sh
# Make sure Debian packages are installed: `package:command` is judged by the command
# being on PATH (so a source build counts), a bare `package` by dpkg.
# Usage: scripts/apt-ensure.sh graphviz:dot python3-venv ...
# As root, installs what is missing; otherwise prints the exact command and fails.
set -eu
missing=""
for item in "$@"; do
    package=${item%%:*}
    if [ "$package" != "$item" ]; then
        command -v "${item#*:}" >/dev/null 2>&1 || missing="$missing $package"
    else
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing="$missing $package"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
    echo "Missing system packages:$missing"
    echo "Install them, then run make again:"
    echo "    sudo apt-get install -y$missing"
    exit 1
fi
