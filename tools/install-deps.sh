#!/usr/bin/env bash
# install-deps.sh: install the Debian packages imgopt needs to build and
# test, only those missing.  Idempotent; needs root (or sudo) only when
# something is missing.
set -euo pipefail
pkgs=(gcc pkg-config meson ninja-build libvips-dev libvips-tools
      libjansson-dev libcmocka-dev libjpeg-dev libxml2-dev python3
      libmicrohttpd-dev libzip-dev curl chromium)
# The browser test needs node and npm; a node installed some other way
# (nodesource, nvm) is kept rather than replaced by Debian's.
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
