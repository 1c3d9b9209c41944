#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian/Ubuntu machine for govpub (no Docker needed):
#   - apt-get installs what is missing: a JDK (openjdk-17-jdk-headless), maven, curl, python3-venv,
#     chromium + chromium-driver (the search page's browser tests), redis-server + postgresql
#     (the CeleryExecutor stack, started unprivileged by govpub_dev/services/, never as system services)
#   - creates <repo>/.venv with the system python3 (>= 3.11)
#   - pip install -r requirements.lock, then pip install --no-deps -e .
#     (skipped when .venv/.bootstrap-stamp holds the same sha256 of requirements.lock + pyproject.toml)
# Elasticsearch and S3Proxy themselves are fetched later by `python -m govpub_dev services up` (Maven Central).
# Works without a TTY, as root (CI) or as a user with sudo. Safe to run again.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO/.venv"
STAMP="$VENV/.bootstrap-stamp"

say() { printf '==> %s\n' "$*"; }
die() { printf 'bootstrap: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo -n)
else
  SUDO=()
fi

APT_UPDATED=0
apt_install() {
  # apt_install PACKAGE... — install with apt-get, non-interactively.
  command -v apt-get >/dev/null 2>&1 || die "missing: $* — no apt-get on this machine; install them by hand"
  if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
    die "missing: $* — run this script as root or install sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    "${SUDO[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- system packages ---------------------------------------------------------
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn  >/dev/null 2>&1 || missing+=(maven)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# headless Chromium for the search page's browser tests (Debian's build; never a downloaded one)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
# the CeleryExecutor stack (govpub_dev/services/celery_stack.py): Debian's Redis and PostgreSQL
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
else
  say "system packages present (java, mvn, curl, python3, chromium, redis-server, postgresql)"
fi

PY="$(command -v python3)"
"$PY" - <<'EOF' || die "python3 >= 3.11 is required (found $("$PY" -V 2>&1))"
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
EOF

# --- virtualenv --------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV with $("$PY" -V 2>&1)"
  if ! "$PY" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    apt_install python3-venv
    "$PY" -m venv "$VENV"
  fi
fi

want="$(cat "$REPO/requirements.lock" "$REPO/pyproject.toml" | sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" = "$have" ] && [ -x "$VENV/bin/govpub" ]; then
  say "python packages up to date ($VENV)"
else
  say "installing python packages into $VENV (requirements.lock; a few minutes the first time)"
  # Python 3.11's bundled pip (23.x) trips over an extra asked for twice (lxml[html-clean], by
  # trafilatura and readability-lxml): "Internal issue: Candidate is not for this requirement".
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "pip==26.3"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REPO/requirements.lock"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e "$REPO"
  printf '%s\n' "$want" > "$STAMP"
  say "python packages installed"
fi
say "bootstrap done; start services with: $VENV/bin/python -m govpub_dev services up"
