"""Concrete ML (Zama's TFHE compiler for ML models) on a shared model, compiled the way its users do it.

The ONNX file Veil reads goes through `concrete.ml.torch.compile.compile_onnx_model` with the model's calibration
rows as the input set (post-training quantization). Concrete ML accepts opset 14 only, so the model is first
converted with `onnx.version_converter` (opset 13 -> 14 changes no op of these models).

The bit width is searched as a Concrete ML user does: `n_bits` (weights and activations) and the accumulators'
`rounding_threshold_bits` both set to b, for b = 3, 4, ... 8, keeping the first b whose simulated accuracy
(`fhe="simulate"`) on all saved rows is within one point of the float model's (onnxruntime on the same rows).
`--rounding exact` rounds the accumulators exactly, `approximate` with `fhe.Exactness.APPROXIMATE` (cheaper,
off by one sometimes). Failure probability: Concrete ML's default (p_error 2^-40 per PBS) unless given.

Latency: one row at a time, `quantize_input`, `encrypt`, `run` (the server's part, reported as `seconds`),
`decrypt`, `dequantize_output` (all of it: `total_seconds`). Keys are generated before, and one untimed inference
warms the runtime, as a server that has been up for a while.
"""

import time

import numpy as np

import peer_common as pc


def extra_args(p):
    p.add_argument("--rounding", choices=["exact", "approximate"], default="exact")
    p.add_argument("--n-bits", type=int, default=None, help="skip the search and compile at this bit width")
    p.add_argument("--widths", default="3,4,5,6,7,8", help="bit widths tried, in order")
    p.add_argument("--p-error", type=float, default=None, help="failure probability of one PBS")
    p.add_argument("--global-p-error", type=float, default=None, help="failure probability of the circuit")


def main():
    args = pc.parse_args(__doc__.splitlines()[0], extra_args)
    data = pc.Data(args.models_dir, args.model)
    pc.main(lambda: prepare(args, data), args, data)


def prepare(args, data):
    import onnx
    from onnx import version_converter
    from concrete import fhe
    from concrete.ml.torch.compile import compile_onnx_model
    import concrete.ml

    model = version_converter.convert_version(onnx.load(str(data.onnx_path)), 14)
    method = fhe.Exactness.EXACT if args.rounding == "exact" else fhe.Exactness.APPROXIMATE
    float_accuracy = data.accuracy(data.float_outputs())
    n = len(data.inputs)

    def compile_at(b):
        return pc.timed(
            compile_onnx_model,
            model,
            data.calib,
            n_bits=b,
            rounding_threshold_bits={"n_bits": b, "method": method},
            p_error=args.p_error,
            global_p_error=args.global_p_error,
        )

    widths = [args.n_bits] if args.n_bits else [int(w) for w in args.widths.split(",")]
    search = []
    chosen = None
    for b in widths:
        qm, compile_s = compile_at(b)
        simulated = qm.forward(data.inputs, fhe="simulate")
        accuracy = data.accuracy(simulated)
        search.append({"n_bits": b, "simulated_accuracy": accuracy, "compile_s": compile_s})
        print(f"concrete {args.model} {args.rounding} n_bits={b}: simulated {accuracy:.3f}", flush=True)
        # Within one point of the float model: at most 1% of the rows fewer right (counted, not compared as floats).
        if round(accuracy * n) >= round(float_accuracy * n) - n / 100 or b == widths[-1]:
            chosen = (b, qm, compile_s, accuracy)
            break
    b, qm, compile_s, accuracy = chosen
    circuit = qm.fhe_circuit
    stats = circuit.statistics
    _, keygen_s = pc.timed(circuit.keygen)
    eval_key_bytes = len(circuit.keys.evaluation.serialize())
    client_key_bytes = len(circuit.keys.serialize()) - eval_key_bytes

    def infer(x):
        start = time.perf_counter()
        q = qm.quantize_input(x)
        encrypted = circuit.encrypt(q)
        result, seconds = pc.timed(circuit.run, encrypted)
        y = qm.post_processing(qm.dequantize_output(circuit.decrypt(result)))
        return int(np.argmax(y, axis=1)[0]), seconds, time.perf_counter() - start

    infer(data.row(0))  # warm-up, untimed
    report = {
        "tool": "concrete-ml",
        "config": f"concrete-{args.rounding}",
        "version": f"concrete-ml {concrete.ml.__version__}, concrete-python {fhe.__version__}",
        "scheme": "TFHE",
        "model": args.model,
        "rounding": args.rounding,
        "n_bits": b,
        "bit_width": f"n_bits={b}, rounding_threshold_bits={b} ({args.rounding}); widest integer "
        f"{circuit.graph.maximum_integer_bit_width()} bits",
        "max_bit_width": int(circuit.graph.maximum_integer_bit_width()),
        "pbs": int(stats["programmable_bootstrap_count"]),
        "p_error": float(circuit.p_error),
        "global_p_error": float(circuit.global_p_error),
        # Concrete ML's default when neither is given: 2^-40 per PBS.
        "requested_p_error": args.p_error if args.p_error or args.global_p_error else 2.0**-40,
        "requested_global_p_error": args.global_p_error,
        "client_key_bytes": client_key_bytes,
        "eval_key_bytes": eval_key_bytes,
        "bootstrap_key_bytes_in_memory": int(stats["size_of_bootstrap_keys"]),
        "keyswitch_key_bytes_in_memory": int(stats["size_of_keyswitch_keys"]),
        "compile_s": compile_s,
        "keygen_s": keygen_s,
        "float_accuracy": float_accuracy,
        "accuracy": accuracy,
        "accuracy_kind": "simulated",
        "accuracy_rows": n,
        "search": search,
        "machine": pc.machine(),
    }
    return report, infer


if __name__ == "__main__":
    main()
