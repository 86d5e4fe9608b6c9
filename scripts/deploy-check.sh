#!/usr/bin/env bash
# Bundles the production Worker exactly as `wrangler deploy --env production` would, without
# uploading (works offline), and checks the bindings production needs are there. A config or
# bundle that would not deploy fails here, in CI, instead of at release time.
set -euo pipefail
cd "$(dirname "$0")/.."
export WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log="$out/wrangler.log"
# wrangler.toml serves the live page from dist/web ([assets]); wrangler refuses a missing folder.
node scripts/build-web.mjs > /dev/null
# Vars the Worker parses per request (CORS_ORIGINS): a bad value fails here, not in production.
npx tsx scripts/check-vars.mjs
if ! npx wrangler deploy --dry-run --env production --outdir "$out/bundle" > "$log" 2>&1; then
  cat "$log"
  echo "deploy:check: wrangler could not bundle the production Worker" >&2
  exit 1
fi
missing=0
for binding in 'env.TARGET_ROOM (TargetRoom)' 'env.LIKE_SHARD (LikeShard)' 'env.LIVE_RELAY (LiveRelay)' 'env.USER_STATE (UserState)' 'env.LEADERBOARD (Leaderboard)' 'env.HEALTH_BOARD (HealthBoard)' 'env.BENCH_FLOOR (BenchFloor)' \
  'env.LAKE (engagement-lake-production)' 'env.COMMENT_ARCHIVE (engagement-comment-archive-production)' 'env.DB (engagement-production)' 'env.EVENTS (engagement-events-production)' \
  'env.DELETIONS (user-deletions-production)' 'env.ANALYTICS (engagement_requests)' 'env.ENVIRONMENT ("production")'; do
  if ! grep -qF "$binding" "$log"; then
    echo "deploy:check: production lacks $binding" >&2
    missing=1
  fi
done
# The sign-in vars are parsed as the Worker parses them (workers/identity/providers.ts).
if ! npx tsx scripts/check-auth-config.ts production; then
  missing=1
fi
if [ ! -s "$out/bundle/index.js" ] || [ "$missing" -ne 0 ]; then
  cat "$log"
  exit 1
fi
echo "deploy:check: production bundle $(wc -c < "$out/bundle/index.js") bytes, bindings present"
