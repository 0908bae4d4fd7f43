#!/usr/bin/env bash
# Executes notebooks headless on Deno's Jupyter kernel and writes the executed
# copies; exits non-zero if any cell of any notebook fails.
#
# Usage: deno task notebooks [NOTEBOOK.ipynb ...]     (default: notebooks/*.ipynb)
#
# Environment:
#   WETOK_NOTEBOOK_SCALE         smoke (default here: smallest sizes, a few minutes in all) or full
#   WETOK_NOTEBOOK_OUT           folder for the executed copies (default results/notebooks)
#   WETOK_NOTEBOOK_CELL_TIMEOUT  time limit per cell, in seconds (default 600 at smoke
#                                scale, 14400 at full scale, where one cell trains for minutes to hours)
#
# The kernel is the project's pinned Deno (node_modules/.bin/deno), registered
# as kernel "deno" in a private Jupyter path under .cache/jupyter, so a
# different Deno kernel installed for the user is not used. Cells see
# WETOK_NOTEBOOK_HEADLESS=1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) $1 notebooks: $2" >&2; }

if ! command -v jupyter >/dev/null 2>&1 || ! /usr/bin/python3 -c "import nbclient, nbformat" 2>/dev/null; then
  log ERROR "Jupyter not found: install it with \`apt-get install -y --no-install-recommends jupyter-nbconvert python3-nbclient python3-nbformat jupyter-client jupyter-core\` (setup.sh does this as root)"
  exit 2
fi
deno_bin="$root/node_modules/.bin/deno"
if [ ! -x "$deno_bin" ]; then
  log ERROR "Deno not found at $deno_bin: run \`bash setup.sh\`"
  exit 2
fi

export WETOK_NOTEBOOK_SCALE="${WETOK_NOTEBOOK_SCALE:-smoke}"
case "$WETOK_NOTEBOOK_SCALE" in
  smoke | full) ;;
  *)
    log ERROR "invalid WETOK_NOTEBOOK_SCALE \"$WETOK_NOTEBOOK_SCALE\": use smoke or full"
    exit 2
    ;;
esac
if [ "$WETOK_NOTEBOOK_SCALE" = "full" ]; then default_timeout=14400; else default_timeout=600; fi
cell_timeout="${WETOK_NOTEBOOK_CELL_TIMEOUT:-$default_timeout}"
if ! [[ "$cell_timeout" =~ ^[1-9][0-9]*$ ]]; then
  log ERROR "invalid WETOK_NOTEBOOK_CELL_TIMEOUT \"$cell_timeout\": give whole seconds"
  exit 2
fi
out_dir="${WETOK_NOTEBOOK_OUT:-results/notebooks}"
export WETOK_NOTEBOOK_HEADLESS=1
# Keeps ANSI colour codes out of the text results in the executed copies.
export NO_COLOR=1

# This kernelspec runs the pinned Deno. JUPYTER_PATH comes first in Jupyter's
# search path, so the kernel name "deno" resolves to it. node_modules/.bin/deno
# is npm's Node.js launcher, so the kernelspec names the binary it launches.
deno_exe="$("$deno_bin" eval --quiet 'console.log(Deno.execPath())')"
kernel_dir="$root/.cache/jupyter/kernels/deno"
mkdir -p "$kernel_dir"
cat >"$kernel_dir/kernel.json.tmp" <<JSON
{
  "argv": ["$deno_exe", "jupyter", "--kernel", "--conn", "{connection_file}"],
  "display_name": "Deno (WeTok lab)",
  "language": "typescript"
}
JSON
mv "$kernel_dir/kernel.json.tmp" "$kernel_dir/kernel.json"
export JUPYTER_PATH="$root/.cache/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"

if [ "$#" -gt 0 ]; then
  notebooks=("$@")
else
  shopt -s nullglob
  notebooks=(notebooks/*.ipynb)
  shopt -u nullglob
fi
if [ "${#notebooks[@]}" -eq 0 ]; then
  log ERROR "no notebooks found in notebooks/"
  exit 2
fi
for notebook in "${notebooks[@]}"; do
  if [ ! -f "$notebook" ]; then
    log ERROR "notebook not found: $notebook"
    exit 2
  fi
done

mkdir -p "$out_dir"
log INFO "executing ${#notebooks[@]} notebook(s) at scale $WETOK_NOTEBOOK_SCALE into $out_dir"
started=$SECONDS
failed=()
index=0
for notebook in "${notebooks[@]}"; do
  index=$((index + 1))
  name="$(basename "$notebook")"
  log INFO "[$index/${#notebooks[@]}] $name: started"
  notebook_started=$SECONDS
  if /usr/bin/python3 bin/notebooks_execute.py "$notebook" "$out_dir/$name" deno "$cell_timeout"; then
    log INFO "[$index/${#notebooks[@]}] $name: done in $((SECONDS - notebook_started)) s"
  else
    log ERROR "[$index/${#notebooks[@]}] $name: failed after $((SECONDS - notebook_started)) s (executed copy: $out_dir/$name)"
    failed+=("$name")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  log ERROR "${#failed[@]} of ${#notebooks[@]} notebook(s) failed in $((SECONDS - started)) s: ${failed[*]}"
  exit 1
fi
log INFO "all ${#notebooks[@]} notebook(s) ran in $((SECONDS - started)) s"
