#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine: Debian packages
# (when run as root) and the pinned npm packages, Deno included. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  # WebGPU software adapter for the webgpu backend tests (llvmpipe through Vulkan).
  mesa-vulkan-drivers libvulkan1
  # Headless rendering of plotly figures to PNG and SVG.
  chromium fonts-dejavu-core
  # Headless execution of the notebooks on Deno's Jupyter kernel.
  jupyter-nbconvert python3-nbclient python3-nbformat jupyter-client jupyter-core
)

if [ "$(id -u)" = "0" ]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # The photo corpus builder runs `apt-get download`, which needs fresh package lists.
  if [ ! -e /var/lib/apt/periodic/update-success-stamp ] || [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -qq
  fi
  if [ "${#missing[@]}" -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup.sh: not root, so Debian packages were not installed; needed: ${APT_PACKAGES[*]}" >&2
fi

# onnxruntime-node's install script would fetch CUDA libraries; Deno skips install scripts.
export ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/deno install --quiet
