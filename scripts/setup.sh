# Shared set-up steps for scripts/demo and scripts/test (sourced, not run).
# Each step installs what is missing and says what to do when it cannot.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else return 1
  fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  say "installing Debian packages: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The project's virtual environment with the locked packages of one job, then the project.
# $1: the job, the name of its lock in requirements/ (demo or test; scripts/lock makes them).
ensure_venv() {
  local lock="$ROOT/requirements/$1.txt"
  [ -f "$lock" ] || die "$lock is missing: run scripts/lock"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed: install Python 3.11+ with venv (Debian: apt-get install python3-venv)"
  fi
  say "installing requirements/$1.txt (exact versions, hashes checked) into $VENV"
  pip_quiet install --require-hashes -r "$lock" ||
    die "installing $lock failed (see above)"
  # The project itself: its build backend comes from the lock too, hence no isolation.
  pip_quiet install --no-deps --no-build-isolation -e "$ROOT" || die "the project did not install into $VENV"
  "$VENV/bin/python" -m pip check >/dev/null || { "$VENV/bin/python" -m pip check >&2; die "the installed packages disagree (pip check)"; }
}

# A throwaway environment with the newest releases pyproject.toml allows, for one job's extra
# (scripts/test --latest): VENV points at it for the rest of the script, and it goes at exit.
ensure_latest_venv() {
  VENV=$(mktemp -d "${TMPDIR:-/tmp}/consent-latest.XXXXXX")
  trap 'rm -rf "$VENV"' EXIT
  say "creating a throwaway environment with the newest allowed releases in $VENV"
  python3 -m venv "$VENV" || die "python3 -m venv failed"
  # The newest build backend too, used as the locked one is (no isolation).
  pip_quiet install --upgrade setuptools &&
    pip_quiet install --upgrade --no-build-isolation -e "$ROOT[$1]" ||
    die "installing the newest releases failed (see above)"
}

# pip in the project's environment, without the notices that say nothing about this project.
pip_quiet() {
  "$VENV/bin/python" -m pip -q --disable-pip-version-check "$@" 2>&1 | grep -v "^WARNING: Location" >&2
  return "${PIPESTATUS[0]}"
}

# Debian's Chromium and its driver, for the browser tests.
ensure_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return 0; fi
  apt_install chromium chromium-driver ||
    die "the browser tests need Debian's Chromium and ChromeDriver: run 'sudo apt-get install chromium chromium-driver'"
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] ||
    die "chromium or chromedriver still missing after apt-get install"
}

# PostgreSQL on 127.0.0.1:5432 with a database named test; installed and started when absent.
ensure_postgres() {
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      apt_install postgresql ||
        die "the PostgreSQL tests need a server on 127.0.0.1:5432: run 'sudo apt-get install postgresql'"
    fi
    local version
    version=$(ls /etc/postgresql | sort -n | tail -n 1)
    say "starting PostgreSQL $version"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
      die "could not start PostgreSQL $version"
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  if ! psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
    as_root su postgres -c "createdb test" 2>/dev/null ||
      psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null 2>&1 || true
  fi
  psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1 ||
    die "PostgreSQL runs but database 'test' is not reachable as user postgres on 127.0.0.1:5432"
  export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
}

# Redis on 127.0.0.1:6379 for the shared rate-limit test; installed and started when absent.
ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server redis-tools ||
      die "the rate-limit test needs Redis on 127.0.0.1:6379: run 'sudo apt-get install redis-server'"
  fi
  say "starting Redis on 127.0.0.1:6379 (nothing kept on disk)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null ||
    die "could not start redis-server"
  for _ in $(seq 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "Redis did not answer on 127.0.0.1:6379"
}

# axe-core for the accessibility tests (tests/package.json pins it; tests inject axe.min.js).
ensure_axe() {
  if [ -f "$ROOT/tests/node_modules/axe-core/axe.min.js" ] &&
     [ -f "$ROOT/tests/node_modules/vnu-jar/build/dist/vnu.jar" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || apt_install npm ||
    die "the accessibility tests need npm to install axe-core: run 'sudo apt-get install npm'"
  say "installing axe-core and the Nu HTML Checker into tests/node_modules"
  npm ci --prefix "$ROOT/tests" --no-audit --no-fund >/dev/null ||
    die "npm ci --prefix tests failed: is the npm registry reachable?"
}

# Java runs the Nu HTML Checker (vnu-jar), which checks the demo's pages are valid HTML.
ensure_java() {
  if command -v java >/dev/null 2>&1; then return 0; fi
  apt_install default-jre-headless ||
    die "the HTML validity test needs Java: run 'sudo apt-get install default-jre-headless'"
}

# nginx, the buffering proxy in front of the app server (server/nginx.py renders its
# configuration; tests/test_proxy.py runs it on 127.0.0.1). Debian would start its service on
# port 80 of every address when installing it: a policy-rc.d that says no keeps it stopped.
ensure_nginx() {
  if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then return 0; fi
  say "installing nginx (Debian's nginx-light), its service not started"
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod +x "$policy"
  fi
  apt_install nginx-light
  local installed=$?
  [ -z "$policy" ] || as_root rm -f "$policy"
  [ "$installed" = 0 ] ||
    die "the proxy tests need nginx: run 'sudo apt-get install nginx-light'"
}

# esbuild and terser, which compile banner_src/js/ (package.json pins them): the test that
# the committed banner_src/compiled/ is fresh recompiles it. A site build needs neither.
ensure_js_compilers() {
  if [ -x "$ROOT/node_modules/.bin/esbuild" ] && [ -x "$ROOT/node_modules/.bin/terser" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || apt_install npm ||
    die "the compiled widget's freshness test needs npm: run 'sudo apt-get install npm'"
  say "installing esbuild and terser into node_modules"
  npm ci --prefix "$ROOT" --no-audit --no-fund >/dev/null ||
    die "npm ci failed: is the npm registry reachable?"
}
