#!/usr/bin/env bash
# The GPU checks of the speed benchmarks in one run, for a lent GPU machine with 16 cores:
#   bash bench/gpu.sh [OUT_DIR]
#   STEPS="probe train" bash bench/gpu.sh [OUT_DIR]     # only these steps (e.g. to split the run in two)
# 0. the machine alone, none of our model code (bench/gpu_probe.py): MIG slice or whole chip, launch cost,
#    bf16 and fp32 products, a plain BertModel trained in fp32 and bf16 (in bf16 with and without cuDNN attention);
# 1. fit against Trainer in bf16, and fit bf16 against fit fp32, at batches of 16 and 128 sentence
#    windows, with fit's top operators;
# 2. predict (with and without relations) against pipeline, BERT-base size, bf16, as many subwords
#    per encoder call on both sides, with the share of the chip's forward limit, then the same
#    with predict --workers 14;
# 3. several predict processes sharing the one GPU.
# Each step has its own time limit, so one that hangs or fails leaves the others' figures.
# Wheels in .whl/ (packages the machine lacks) are installed first, into /tmp/site.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/gpu-bench}}
mkdir -p "$out"
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader; nproc
  python3 -c "import torch, transformers, accelerate; print(torch.__version__, transformers.__version__, accelerate.__version__)"
} 2>&1 | tee "$out/machine.txt"
only=${STEPS:-}
# the random AraBERT-size model the predict steps load (kept when a warm machine already has it)
if [[ -z "$only" || "$only" == *inference* || "$only" == *scaling* ]] && [[ ! -f runs/bench-base/model/config.json ]]; then
    python3 bench/random_model.py base runs/bench-base
fi
step() {  # step NAME SECONDS COMMAND...
    local name=$1 limit=$2
    shift 2
    if [[ -n "$only" && " $only " != *" $name "* ]]; then return; fi
    echo "== $name"
    timeout "$limit" "$@" 2>&1 | tee "$out/$name.txt"
}
# The step limits add up to 540 s, besides the wheels and the random model, so that the whole
# script fits one 600 s device command (the first run, on 2026-11-29, needed more than its 15
# minutes: these sizes are cut to fit).
# Whether the chip (or the slice of it this machine sees) trains a plain BertModel faster in bf16
# than in fp32, on batches of sentences as fit's and on larger ones: if not, the slow bf16 fit of
# 2026-11-29 was the machine's or the batch size's, not fit's; and whether cuDNN attention (PyTorch's
# first choice on an H100/H200, which fit and predict now avoid: models/attention.py) was its cause.
step probe 90 python3 bench/gpu_probe.py --device cuda --budget 3
# fit-fp32 runs first: on 2026-11-29 the first process (then fit bf16) was the slow one, so a
# first-process cost (a cold GPU or kernel cache) would now fall on fit-fp32 instead.
step train 100 python3 bench/train_throughput.py --size base --device cuda --precision bf16 --steps 20 --warmup 3 \
    --batch-size 16 --runners fit-fp32 fit trainer trainer-grouped trainer-fit-batches
# A window is a sentence (about 50 subwords): 16 of them are some 800 subwords a step, which may
# leave the chip waiting for kernel launches; 128 are some 6,000.
step train_b128 75 python3 bench/train_throughput.py --size base --device cuda --precision bf16 --steps 20 --warmup 3 \
    --batch-size 128 --runners fit-fp32 fit trainer-fit-batches
# fit bf16's top operators by device time and by host time, in a step of its own (on 2026-11-29
# the profile came last in the train step, and the step's time ran out before it printed)
step train_profile 45 python3 bench/train_throughput.py --size base --device cuda --precision bf16 --steps 10 \
    --warmup 3 --batch-size 16 --runners fit --profile
# Our side batches up to 64 x 512 subwords, as many as the pipeline's 64 full windows: predict's
# windows are sentences, and 64 of them would give each encoder call a tenth of that.
step inference 90 python3 bench/inference.py runs/bench-base --device cuda --precision bf16 --docs 300 \
    --batch-size 64 --batch-subwords 32768 --repeats 2 --no-scaling
# The H200 run spent 77% of predict's time around the encoder, on one core: 14 workers do that work.
# An encoder batch holds one worker's chunk: 40 articles of about 830 subwords fill the budget,
# and 560 articles give each worker a chunk.
step inference_workers 95 python3 bench/inference.py runs/bench-base --device cuda --precision bf16 --docs 560 \
    --batch-size 64 --batch-subwords 32768 --repeats 2 --no-scaling --workers 14 --chunk 40
step scaling_gpu 45 python3 bench/scaling.py runs/bench-base --device cuda:0 --precision bf16 --docs 600 \
    --processes 1 4 --max-batch-subwords 32768
