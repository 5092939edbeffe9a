#!/usr/bin/env bash
# Assembles the files one image ships, from a checkout whose dependencies (dev ones included,
# for the build tools) are installed and whose pnpm store holds them:
#
#   deploy/docker/assemble.sh guardian|ratelimit <new folder>
#
# The Dockerfile's build stage runs it and copies the folder into the image as /app; the
# image test (deploy/images.alone.test.ts) runs the same script and checks the folder.
#
# The folder holds package.json, pnpm-lock.yaml and node_modules of `pnpm deploy --prod`
# (production dependencies only, in pnpm's layout), the program compiled into bundles that
# import packages from that node_modules, and the files the program reads beside its code:
#   guardian   packages/cli/dist/ (main.js, worker-entry.js), packages/console/dist/ (the
#              web console), migrations/, deploy/ratelimit/limits.yaml (embedded mode's limits)
#   ratelimit  services/ratelimit/dist/main.js
set -euo pipefail

target="${1:-}"
out="${2:-}"
case "$target" in
  guardian) package=@guardian/cli ;;
  ratelimit) package=@guardian/ratelimit-service ;;
  *) target="" ;;
esac
if [ -z "$target" ] || [ -z "$out" ]; then
  echo "usage: deploy/docker/assemble.sh guardian|ratelimit <new folder>" >&2
  exit 2
fi
if [ -e "$out" ] && [ -n "$(ls -A "$out")" ]; then
  echo "assemble: $out is not empty" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
pnpm="${PNPM:-pnpm}"
cd "$root"

# Production dependencies, from the store the install filled (no network).
"$pnpm" --filter "$package" deploy --prod --offline "$out" >&2
# The package's own files and the workspace packages are compiled into the bundles below:
# only the manifest, the lockfile and the third-party packages stay.
find "$out" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name package.json \
  ! -name pnpm-lock.yaml -exec rm -rf {} +
rm -rf "$out/node_modules/@guardian" "$out"/node_modules/.pnpm/@guardian+*
find "$out/node_modules" -xtype l -delete

node scripts/build.mjs "$target" --into "$out"

if [ "$target" = guardian ]; then
  cp -R migrations "$out/migrations"
  mkdir -p "$out/deploy/ratelimit"
  cp deploy/ratelimit/limits.yaml "$out/deploy/ratelimit/limits.yaml"
  # The web console's files, built here so that the image needs no Vite.
  "$pnpm" --filter @guardian/console exec vite build --config web/vite.config.ts \
    --outDir "$out/packages/console/dist" --emptyOutDir --logLevel warn >&2
fi
