#!/usr/bin/env bash
# Installs what building, running and testing Rounds needs on a fresh Debian 12 machine.
# Idempotent: each step checks first, so a second run costs a second or two.
set -euo pipefail

need_apt=()
want() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$1"); }

# Tauri 2 on Linux (WebKitGTK 4.1), SQLCipher's OpenSSL, the OS keychain for headless runs
# (D-Bus + GNOME Keyring), the end-to-end test (Xvfb, WebKitWebDriver, screenshots), the
# throwaway PostgreSQL for server tests, Python (data checks, the OpenAPI validator).
for p in build-essential pkg-config curl openssl file libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev \
         libayatana-appindicator3-dev librsvg2-dev libxdo-dev \
         xvfb xauth webkit2gtk-driver imagemagick x11-utils \
         dbus gnome-keyring libdbus-1-dev \
         postgresql postgresql-contrib \
         python3 python3-venv; do
  want "$p"
done

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "deps: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# tauri-driver: the WebDriver bridge for the end-to-end test.
if ! command -v tauri-driver >/dev/null 2>&1; then
  echo "deps: installing tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "deps: installing nodejs and npm"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
