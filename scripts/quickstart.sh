#!/usr/bin/env bash
# Sets up a local gateway with a mock account and one key, prints a curl to try, and runs the server.
# PORT=8080 bash scripts/quickstart.sh listens on another port (default 3847).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=dist/llm-gateway
[ -x "$bin" ] || bun run build
dir=.quickstart
mkdir -p "$dir"
chmod 700 "$dir"
export LLM_GATEWAY_CONFIG="$PWD/$dir/config.yaml"
if [ ! -s "$dir/key" ]; then
  # The raw key is a credential: the file is created 0600 (umask), never readable by others even for a moment.
  # --force: a config kept from an earlier run may hold a key of this name whose raw value is lost.
  (umask 077 && "$bin" apikey add --name quickstart --force --json | bun -e 'console.log(JSON.parse(await Bun.stdin.text()).key)' > "$dir/key")
fi
chmod 600 "$dir/key"
"$bin" upstream show mock >/dev/null 2>&1 || "$bin" upstream add --type api-key --provider mock --name mock >/dev/null
key=$(cat "$dir/key")
port="${PORT:-3847}"
cat <<MSG
Gateway key: $key (also in $dir/key)
Try:
  curl -s http://127.0.0.1:$port/v1/chat/completions -H "Authorization: Bearer $key" -H "content-type: application/json" \\
    -d '{"model":"mock-1","messages":[{"role":"user","content":"Hello!"}]}'
MSG
exec "$bin" server start --host 127.0.0.1 --port "$port"
