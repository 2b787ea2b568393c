#!/usr/bin/env bash
# Installs the Debian 12 packages hamgen needs to build, test and run its examples. Idempotent:
# installs only what is missing, and does nothing when everything is there.
#   scripts/setup.sh            build + test + examples
#   scripts/setup.sh --bench    also the benchmark peers (Google Benchmark, Boost, PyTorch, OpenBLAS)
set -euo pipefail
pkgs=(build-essential cmake ninja-build ccache pkg-config
      libeigen3-dev xtensor-dev catch2 libpng-dev libgif-dev nlohmann-json3-dev libcli11-dev)
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(libbenchmark-dev libboost-dev python3-torch python3-numpy python3-scipy libopenblas0-pthread)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
