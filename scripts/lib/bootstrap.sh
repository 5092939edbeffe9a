# Sourced by ./guardian and scripts/test: makes sure Node, pnpm 12 and the workspace
# dependencies are present, installing what is missing. Needs only Node 20+ and npm.
# It runs before every command, so when nothing is missing it starts no other program (each
# one started costs 5-20 ms here): the Node version is checked by the launcher
# (scripts/lib/launch.mjs) and here only before an install.
bootstrap_here="${BASH_SOURCE[0]}"
case "$bootstrap_here" in
  */*) bootstrap_here="${bootstrap_here%/*}" ;;
  *) bootstrap_here=. ;;
esac
bootstrap_caller="$PWD"
CDPATH= cd "$bootstrap_here/../.."
guardian_root="$PWD"
cd "$bootstrap_caller"
pnpm_version="12.21.0"

bootstrap_fail() { echo "guardian: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || bootstrap_fail "Node.js 20 or newer is required (https://nodejs.org)"
require_node_20() {
  # `node --version` answers without starting JavaScript (`node -p` would cost a whole start).
  local node_version node_major
  node_version="$(node --version)"
  node_major="${node_version#v}"
  node_major="${node_major%%.*}"
  [ "$node_major" -ge 20 ] 2>/dev/null || bootstrap_fail "Node.js 20 or newer is required, found $node_version"
}

# pnpm, looked for only when there is something to install (asking a pnpm its version costs
# 40-50 ms of every command): a matching global pnpm 12, else a project-local copy in .tools/.
find_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" = "12" ]; then
    PNPM="$(command -v pnpm)"
  else
    PNPM="$guardian_root/.tools/node_modules/.bin/pnpm"
    if [ ! -x "$PNPM" ] || [ "$("$PNPM" --version 2>/dev/null)" != "$pnpm_version" ]; then
      echo "guardian: installing pnpm $pnpm_version into .tools/" >&2
      mkdir -p "$guardian_root/.tools"
      npm install --prefix "$guardian_root/.tools" --no-save --no-audit --no-fund --loglevel=error \
        "pnpm@$pnpm_version" >&2 || bootstrap_fail "could not install pnpm $pnpm_version with npm"
    fi
  fi
  export PNPM
}

# Adds glibc.malloc.hugetlb=1 to GLIBC_TUNABLES (unless it sets that tunable already): glibc
# then asks for transparent huge pages for its heaps (see "Starting and restarting" in
# docs/deploy.md).
# Called by ./guardian for Guardian's processes and by scripts/test for the tests'.
glibc_huge_pages() {
  case ":${GLIBC_TUNABLES:-}:" in
    *glibc.malloc.hugetlb=*) ;;
    *) export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1" ;;
  esac
}

# Workspace dependencies: install when the lockfile changed since the last install (the stamp
# is a copy of the lockfile; the contents are compared only when the lockfile is the newer).
stamp="$guardian_root/node_modules/.guardian-lock-stamp"
lockfile="$guardian_root/pnpm-lock.yaml"
if [ ! -f "$stamp" ] || { [ "$lockfile" -nt "$stamp" ] && ! cmp -s "$lockfile" "$stamp"; }; then
  require_node_20
  find_pnpm
  echo "guardian: installing dependencies (pnpm install --frozen-lockfile)" >&2
  (cd "$guardian_root" && CI=true "$PNPM" install --frozen-lockfile --reporter=append-only >&2) ||
    bootstrap_fail "pnpm install failed"
  cp "$lockfile" "$stamp"
fi
