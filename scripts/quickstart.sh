#!/usr/bin/env bash
# Sets up a local gateway with a mock account and one key, prints a curl to try, and runs the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=dist/llm-gateway
[ -x "$bin" ] || bun run build
dir=.quickstart
mkdir -p "$dir"
export LLM_GATEWAY_CONFIG="$PWD/$dir/config.yaml"
if [ ! -s "$dir/key" ]; then
  "$bin" apikey add --name quickstart --json | bun -e 'console.log(JSON.parse(await Bun.stdin.text()).key)' > "$dir/key"
  "$bin" upstream add --type api-key --provider mock --name mock >/dev/null
fi
key=$(cat "$dir/key")
port="${PORT:-3847}"
cat <<MSG
Gateway key: $key
Try:
  curl -s http://127.0.0.1:$port/v1/chat/completions -H "Authorization: Bearer $key" -H "content-type: application/json" \\
    -d '{"model":"mock-1","messages":[{"role":"user","content":"Hello!"}]}'
MSG
exec "$bin" server start --host 127.0.0.1 --port "$port"
