#!/bin/sh
# Install skl2onnx and onnxruntime for benchmarks/onnx_option.py only, in a folder of
# their own (never with the console): the script appends it to sys.path, after the
# console's own packages, so numpy and scikit-learn stay the console's.
#   sh benchmarks/onnx_env.sh            # -> /tmp/onnx-bench
#   ONNX_BENCH_DIR=/somewhere sh benchmarks/onnx_env.sh
set -eu
DIR="${ONNX_BENCH_DIR:-/tmp/onnx-bench}"
PY="${PYTHON:-.venv/bin/python}"
"$PY" -m pip install --quiet --target "$DIR" skl2onnx onnxruntime
echo "installed in $DIR"
