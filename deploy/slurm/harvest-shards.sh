#!/usr/bin/env bash
# One Cajal harvest recorded as a Slurm array job, one shard per array task, then joined by a merge job that starts
# when every shard has finished (afterok). Run it on the login node; it submits both jobs and prints their ids:
#
#   SHARDS=16 OUT_DIR=/scratch/$USER/run1 MODEL=/scratch/$USER/model.onnx TENSOR=fire9/concat_1 \
#   STIMULI=folder:/scratch/$USER/photos HARVEST_ARGS="--recipe-preset imagenet-bgr255 --positions mean" \
#     deploy/slurm/harvest-shards.sh
#
# Each array task runs `cajal harvest … --shard $SLURM_ARRAY_TASK_ID/$SHARDS` into $OUT_DIR/shard-I-of-N.cajal; a
# task that is requeued or run again resumes its shard from the last committed chunk. The merge job runs
# `cajal merge --into $OUT_DIR/merged.cajal $OUT_DIR/shard-*-of-N.cajal`, which refuses shards that do not make one
# harvest. CAJAL is the command (default `cajal`; e.g. CAJAL="apptainer exec cajal.sif cajal" for the image built
# from deploy/Dockerfile). SBATCH_ARGS go to both sbatch calls (partition, account, time), e.g. "-p cpu -t 04:00:00".
set -euo pipefail

: "${SHARDS:?set SHARDS, the number of shards (array tasks)}"
: "${OUT_DIR:?set OUT_DIR, a directory every node can write (the shard files and the merged project go there)}"
: "${MODEL:?set MODEL, the ONNX model file}"
: "${TENSOR:?set TENSOR, the tensor to record}"
: "${STIMULI:?set STIMULI, the stimulus spec (mnist, folder:PATH, noise:white:N)}"
CAJAL=${CAJAL:-cajal}
HARVEST_ARGS=${HARVEST_ARGS:-}
SBATCH_ARGS=${SBATCH_ARGS:-}
CPUS=${CPUS:-4}

read -r -a cajal <<<"$CAJAL"
read -r -a harvest_args <<<"$HARVEST_ARGS"
read -r -a sbatch_args <<<"$SBATCH_ARGS"

shard_file() { printf '%s/shard-%d-of-%d.cajal' "$OUT_DIR" "$1" "$SHARDS"; }

case "${CAJAL_STAGE:-submit}" in
  shard)
    # One array task: its shard of the stimuli, into its own project file.
    : "${SLURM_ARRAY_TASK_ID:?the shard stage runs as a Slurm array task}"
    exec "${cajal[@]}" harvest --project "$(shard_file "$SLURM_ARRAY_TASK_ID")" --model "$MODEL" \
      --tensor "$TENSOR" --stimuli "$STIMULI" "${harvest_args[@]}" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS"
    ;;
  merge)
    shards=()
    for ((i = 0; i < SHARDS; i++)); do shards+=("$(shard_file "$i")"); done
    exec "${cajal[@]}" merge --into "$OUT_DIR/merged.cajal" "${shards[@]}"
    ;;
  submit)
    if ! [[ "$SHARDS" =~ ^[1-9][0-9]*$ ]]; then
      echo "SHARDS must be a positive whole number, not $SHARDS." >&2
      exit 2
    fi
    mkdir -p "$OUT_DIR/logs"
    script=$(realpath "$0")
    array_job=$(sbatch --parsable "${sbatch_args[@]}" --job-name=cajal-shard --array="0-$((SHARDS - 1))" \
      --cpus-per-task="$CPUS" --requeue --output="$OUT_DIR/logs/shard-%a.out" \
      --export=ALL,CAJAL_STAGE=shard "$script")
    array_job=${array_job%%;*} # --parsable prints id;cluster on a multi-cluster site
    merge_job=$(sbatch --parsable "${sbatch_args[@]}" --job-name=cajal-merge --dependency="afterok:$array_job" \
      --cpus-per-task=1 --output="$OUT_DIR/logs/merge.out" --export=ALL,CAJAL_STAGE=merge "$script")
    merge_job=${merge_job%%;*}
    echo "shards: job $array_job (array 0-$((SHARDS - 1))); merge: job $merge_job into $OUT_DIR/merged.cajal"
    ;;
  *)
    echo "CAJAL_STAGE must be submit, shard or merge, not $CAJAL_STAGE." >&2
    exit 2
    ;;
esac
