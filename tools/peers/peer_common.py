"""What the peer programs share: their command line, the model's data (the files Veil reads), onnxruntime's float
accuracy, timing, and the two ways of answering.

A peer prepares a model once (compile, keys) and then runs encrypted inferences of single rows:

- standalone (`--rows 0,1,2`): prints ONE JSON object, the peer's report with `latencies` for those rows;
- `--serve` (what `veil bench peers` uses, to interleave Veil and the peer row by row): prints the report as one
  JSON line (without latencies), then reads `row N` lines on stdin and answers each with one JSON line
  `{"row", "seconds", "total_seconds", "prediction", "label"}`; `quit` or the end of stdin ends it.

Only these JSON lines go to stdout: everything the libraries print is sent to stderr.
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

# ../shared/models beside the repository, as `veil bench` reads it from the repository root.
DEFAULT_MODELS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "models"


class Unsupported(Exception):
    """The peer cannot run this model (e.g. TenSEAL on a ReLU network); reported, not a failure."""


def protocol_stream():
    """The real stdout for the JSON lines; fd 1 (and sys.stdout) now go to stderr."""
    sys.stdout.flush()
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return out


def parse_args(description, extra=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--model", required=True, help="model name: <models-dir>/<model>.onnx and its .npy files")
    p.add_argument("--models-dir", default=str(DEFAULT_MODELS_DIR))
    p.add_argument("--rows", default="0", help="comma-separated row indices timed in standalone mode")
    p.add_argument("--serve", action="store_true", help="answer `row N` lines on stdin (veil bench peers)")
    if extra:
        extra(p)
    return p.parse_args()


class Data:
    """The model and the rows Veil reads: `<m>.onnx`, `.inputs.npy`, `.labels.npy`, `.calib.npy`."""

    def __init__(self, models_dir, model):
        d = Path(models_dir)
        self.model = model
        self.onnx_path = d / f"{model}.onnx"
        for path in [self.onnx_path, d / f"{model}.inputs.npy", d / f"{model}.labels.npy", d / f"{model}.calib.npy"]:
            if not path.is_file():
                raise SystemExit(f"error: '{path}' does not exist (see --models-dir)")
        self.inputs = np.load(d / f"{model}.inputs.npy").astype(np.float32)
        self.labels = np.load(d / f"{model}.labels.npy").astype(np.int64)
        self.calib = np.load(d / f"{model}.calib.npy").astype(np.float32)

    def row(self, i):
        if not 0 <= i < len(self.inputs):
            raise ValueError(f"row {i} does not exist ({len(self.inputs)} rows)")
        return self.inputs[i : i + 1]

    def float_outputs(self):
        """onnxruntime on every row, one at a time (the shared files' reference)."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        return np.concatenate([session.run(None, {name: self.row(i)})[0] for i in range(len(self.inputs))])

    def accuracy(self, outputs):
        return float(np.mean(np.argmax(outputs, axis=1) == self.labels[: len(outputs)]))


def machine():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def timed(f, *args, **kwargs):
    """`f(...)` and the seconds it took."""
    start = time.perf_counter()
    r = f(*args, **kwargs)
    return r, time.perf_counter() - start


def run_rows(out, report, infer, data, rows):
    """Standalone: `infer(x)` -> (prediction, evaluate seconds, total seconds) on each row; one JSON object."""
    latencies = [answer(infer, data, i) for i in rows]
    report["latencies"] = latencies
    report["latency_s"] = [r["seconds"] for r in latencies]
    out.write(json.dumps(report) + "\n")


def answer(infer, data, i):
    prediction, seconds, total = infer(data.row(i))
    return {
        "row": i,
        "seconds": seconds,
        "total_seconds": total,
        "prediction": int(prediction),
        "label": int(data.labels[i]),
    }


def serve(out, report, infer, data):
    """`--serve`: the report, then one answer per `row N` line."""
    report["ready"] = True
    out.write(json.dumps(report) + "\n")
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        try:
            if words[0] != "row" or len(words) != 2:
                raise ValueError(f"expected `row N` or `quit`, not {line.strip()!r}")
            reply = answer(infer, data, int(words[1]))
        except Exception as e:  # the bench shows it and stops
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")


def main(prepare, args, data):
    """Prepares the peer (`prepare()` -> (report, infer)) and answers in the mode asked for."""
    try:
        rows = [int(r) for r in args.rows.split(",") if r.strip()]
    except ValueError:
        raise SystemExit(f"error: --rows takes comma-separated row indices, not {args.rows!r}")
    try:
        for i in rows:
            data.row(i)
    except ValueError as e:
        raise SystemExit(f"error: {e}")
    out = protocol_stream()
    try:
        report, infer = prepare()
    except Unsupported as e:
        out.write(json.dumps({"unsupported": str(e), "model": args.model}) + "\n")
        return
    if args.serve:
        serve(out, report, infer, data)
    else:
        run_rows(out, report, infer, data, rows)
