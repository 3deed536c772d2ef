#!/usr/bin/env bash
# Runs a jaxgan search on a multi-host Cloud TPU VM pod slice.
#
#   experiments/tpu_pod/launch.sh create|install|run|collect|delete|all
#
# Every worker runs the same `jaxgan tune` command; JAX finds the pod's
# coordinator, process count and rank itself (jaxgan.distributed), the
# population is split over every chip of every host, and process 0 writes the
# trial store, the report and TensorBoard. The workdir must be one directory
# that every worker sees: a Cloud Storage bucket mounted with gcsfuse at
# $MOUNT on each worker (this script mounts it).
#
# Settings (environment variables; defaults in brackets):
#   TPU_NAME [jaxgan-pod]  ZONE [us-central2-b]  ACCELERATOR [v4-32]
#   RUNTIME [tpu-ubuntu2204-base]  PROJECT [gcloud's current project]
#   BUCKET (required for run/collect: gs://... where workdirs live)
#   MOUNT [/mnt/jaxgan]  RUN [tpu_pod]  CONFIG [experiments/tpu_pod/config.py]
#   OUT [workdirs]  (collect copies the workdir to $OUT/$RUN)
#   DRY_RUN=1 prints every command instead of running it.
set -euo pipefail

TPU_NAME=${TPU_NAME:-jaxgan-pod}
ZONE=${ZONE:-us-central2-b}
ACCELERATOR=${ACCELERATOR:-v4-32}
RUNTIME=${RUNTIME:-tpu-ubuntu2204-base}
MOUNT=${MOUNT:-/mnt/jaxgan}
RUN=${RUN:-tpu_pod}
CONFIG=${CONFIG:-experiments/tpu_pod/config.py}
OUT=${OUT:-workdirs}
DRY_RUN=${DRY_RUN:-0}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '%q ' "$@"
    printf '\n'
  else
    "$@"
  fi
}

project() {
  if [ -n "${PROJECT:-}" ]; then
    echo "$PROJECT"
  elif [ "$DRY_RUN" = 1 ]; then
    echo my-project
  else
    gcloud config get-value project
  fi
}

require_bucket() {
  if [ -z "${BUCKET:-}" ]; then
    echo "launch.sh: set BUCKET=gs://your-bucket: the workdir must be shared by every worker" >&2
    exit 2
  fi
  BUCKET=${BUCKET#gs://}
}

tpu() {
  # gcloud compute tpus tpu-vm SUBCOMMAND ... on this pod.
  local sub=$1
  shift
  run gcloud compute tpus tpu-vm "$sub" "$@" --zone="$ZONE" --project="$(project)"
}

on_all_workers() {
  tpu ssh "$TPU_NAME" --worker=all --command="$1"
}

create() {
  tpu create "$TPU_NAME" --accelerator-type="$ACCELERATOR" --version="$RUNTIME"
}

install() {
  # The checked-out tree, without build outputs, to every worker.
  local archive=/tmp/jaxgan-src.tar.gz
  run git -C "$ROOT" archive --format=tar.gz --prefix=jaxgan/ -o "$archive" HEAD
  tpu scp "$archive" "$TPU_NAME:~/jaxgan-src.tar.gz" --worker=all
  on_all_workers "set -e; rm -rf ~/jaxgan && tar xzf ~/jaxgan-src.tar.gz -C ~ \
    && python3 -m venv ~/jaxgan/.venv \
    && ~/jaxgan/.venv/bin/pip install -q 'jax[tpu]' ~/jaxgan"
  # gcsfuse comes from Google's apt repository.
  on_all_workers "command -v gcsfuse >/dev/null || { \
    curl -fsSL https://packages.cloud.google.com/apt/doc/apt-key.gpg \
      | sudo tee /usr/share/keyrings/cloud.google.asc >/dev/null \
    && echo 'deb [signed-by=/usr/share/keyrings/cloud.google.asc] https://packages.cloud.google.com/apt gcsfuse-'\$(lsb_release -cs)' main' \
      | sudo tee /etc/apt/sources.list.d/gcsfuse.list >/dev/null \
    && sudo apt-get update -q && sudo apt-get install -y -q gcsfuse; }"
}

mount() {
  require_bucket
  on_all_workers "sudo mkdir -p $MOUNT && sudo chown \$USER $MOUNT \
    && (mountpoint -q $MOUNT || gcsfuse --implicit-dirs $BUCKET $MOUNT)"
}

train() {
  mount
  on_all_workers "cd ~/jaxgan && .venv/bin/jaxgan tune --config=$CONFIG \
    --workdir=$MOUNT/$RUN"
}

collect() {
  require_bucket
  run mkdir -p "$OUT"
  run gcloud storage cp --recursive "gs://$BUCKET/$RUN" "$OUT/"
}

delete() {
  tpu delete "$TPU_NAME" --quiet
}

case "${1:-}" in
  create) create ;;
  install) install ;;
  run) train ;;
  collect) collect ;;
  delete) delete ;;
  all)
    require_bucket
    create
    install
    train
    collect
    ;;
  *)
    echo "usage: $0 create|install|run|collect|delete|all" >&2
    exit 2
    ;;
esac
