"""TenSEAL (CKKS over Microsoft SEAL) on a shared square-activation model, as in TenSEAL's own MNIST tutorial.

Runs CryptoNets-shaped ONNX graphs only: Conv (one input channel, no groups or dilation) -> Mul(x, x) ->
Flatten -> Gemm -> Mul(x, x) -> Gemm; anything else is reported as unsupported (TenSEAL has no ReLU). The weights
are read from the ONNX file Veil reads. The client pads the image (zeros) and encodes it with
`ts.im2col_encoding`; the server computes one `conv2d_im2col` per filter, packs the channels
(`CKKSVector.pack_vectors`, channel-major like torch's Flatten), squares, multiplies by the plain weight
matrices (`mm`) and adds the biases. CKKS parameters (`--params`): `tutorial`, the tutorial's (polynomial degree
8192, coefficient moduli [31, 26 x 6, 31] bits: 218 bits, 128-bit security; scale 2^26), or `precise` (degree
16384, [60, 40 x 6, 60] bits, scale 2^40): on digits_cryptonets, whose logits reach a few hundred, the tutorial's
err by tens on a logit and lose points of accuracy. Galois keys for the rotations.

CKKS is approximate: there is no failure probability; accuracy is measured on encrypted runs of all saved rows
(`--accuracy-rows` to limit), with the largest |decrypted - onnxruntime| logit. Latency: one row at a time,
`seconds` the server's evaluation, `total_seconds` with encoding, encryption and decryption.
"""

import time

import numpy as np

import peer_common as pc

# (polynomial degree, coefficient moduli in bits, scale bits): the tutorial's, and a larger set for the same depth
# (5 rescales) whose 40-bit scale keeps the logits' error small (438 bits allowed at 16384 for 128-bit security).
PARAMETERS = {
    "tutorial": (8192, [31, 26, 26, 26, 26, 26, 26, 31], 26),
    "precise": (16384, [60, 40, 40, 40, 40, 40, 40, 60], 40),
}


def extra_args(p):
    p.add_argument("--params", choices=sorted(PARAMETERS), default="tutorial", help="CKKS parameters")
    p.add_argument("--accuracy-rows", type=int, default=None, help="encrypted rows for the accuracy (default: all)")


def main():
    args = pc.parse_args(__doc__.splitlines()[0], extra_args)
    data = pc.Data(args.models_dir, args.model)
    pc.main(lambda: prepare(args, data), args, data)


def attribute(node, name, default):
    import onnx

    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def cryptonet(onnx_path):
    """The network's weights, or `Unsupported` when the graph is not Conv, square, Flatten, Gemm, square, Gemm."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    graph = model.graph
    weights = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    ops = [n.op_type for n in graph.node]
    if ops != ["Conv", "Mul", "Flatten", "Gemm", "Mul", "Gemm"]:
        raise pc.Unsupported(f"TenSEAL runs Conv, square, Flatten, Gemm, square, Gemm networks; this one is {ops}")
    conv, sq1, _, fc1, sq2, fc2 = graph.node
    for sq in [sq1, sq2]:
        if sq.input[0] != sq.input[1]:
            raise pc.Unsupported("a Mul that is not a square")
    w = weights[conv.input[1]]
    strides = attribute(conv, "strides", [1, 1])
    if w.shape[1] != 1 or attribute(conv, "group", 1) != 1 or attribute(conv, "dilations", [1, 1]) != [1, 1]:
        raise pc.Unsupported("im2col encoding takes one input channel, no groups, no dilation")
    if strides[0] != strides[1]:
        raise pc.Unsupported("im2col encoding takes one stride for both axes")
    if w.shape[2] != w.shape[3]:
        raise pc.Unsupported("im2col encoding here takes square kernels")
    gemms = []
    for g in [fc1, fc2]:
        m = weights[g.input[1]]
        if attribute(g, "transB", 0) != 1:
            m = m.T
        if attribute(g, "alpha", 1.0) != 1.0 or attribute(g, "beta", 1.0) != 1.0 or attribute(g, "transA", 0):
            raise pc.Unsupported("Gemm with alpha, beta or transA")
        gemms.append((m.T.astype(np.float64), weights[g.input[2]].astype(np.float64)))
    return {
        "kernels": w[:, 0].astype(np.float64),
        "conv_bias": weights[conv.input[2]].astype(np.float64),
        "stride": int(strides[0]),
        "pads": list(attribute(conv, "pads", [0, 0, 0, 0])),
        "fc1": gemms[0],
        "fc2": gemms[1],
    }


def prepare(args, data):
    import tenseal as ts

    net = cryptonet(data.onnx_path)
    version = ts.__version__ if hasattr(ts, "__version__") else pkg_version("tenseal")

    degree, moduli, scale_bits = PARAMETERS[args.params]

    def make_context():
        ctx = ts.context(ts.SCHEME_TYPE.CKKS, degree, -1, moduli)
        ctx.global_scale = 2**scale_bits
        ctx.generate_galois_keys()
        return ctx

    ctx, keygen_s = pc.timed(make_context)
    client_key_bytes = len(
        ctx.serialize(save_public_key=False, save_secret_key=True, save_galois_keys=False, save_relin_keys=False)
    )
    eval_key_bytes = len(
        ctx.serialize(save_public_key=False, save_secret_key=False, save_galois_keys=True, save_relin_keys=True)
    )
    kernels = [k.tolist() for k in net["kernels"]]
    k = net["kernels"].shape[1]
    (w1, b1), (w2, b2) = net["fc1"], net["fc2"]
    w1, b1, w2, b2 = w1.tolist(), b1.tolist(), w2.tolist(), b2.tolist()
    top, left, bottom, right = net["pads"]

    def evaluate(enc, windows):
        channels = [enc.conv2d_im2col(kernel, windows) + float(b) for kernel, b in zip(kernels, net["conv_bias"])]
        h = ts.CKKSVector.pack_vectors(channels)
        h.square_()
        h = h.mm(w1) + b1
        h.square_()
        return h.mm(w2) + b2

    def logits(x):
        start = time.perf_counter()
        image = np.pad(x[0, 0].astype(np.float64), ((top, bottom), (left, right)))
        enc, windows = ts.im2col_encoding(ctx, image.tolist(), k, k, net["stride"])
        result, seconds = pc.timed(evaluate, enc, windows)
        y = np.array(result.decrypt())
        return y, seconds, time.perf_counter() - start

    def infer(x):
        y, seconds, total = logits(x)
        return int(np.argmax(y)), seconds, total

    expected = data.float_outputs()
    n = min(args.accuracy_rows or len(data.inputs), len(data.inputs))
    outputs, times = [], []
    for i in range(n):
        y, seconds, _ = logits(data.row(i))
        outputs.append(y)
        times.append(seconds)
    outputs = np.array(outputs)
    report = {
        "tool": "tenseal",
        "config": "tenseal" if args.params == "tutorial" else f"tenseal-{args.params}",
        "version": f"tenseal {version}",
        "scheme": "CKKS",
        "model": args.model,
        "rounding": None,
        "bit_width": f"CKKS N={degree}, moduli {moduli} bits, scale 2^{scale_bits} ({args.params})",
        "pbs": None,
        "p_error": None,
        "global_p_error": None,
        "client_key_bytes": client_key_bytes,
        "eval_key_bytes": eval_key_bytes,
        "compile_s": 0.0,
        "keygen_s": keygen_s,
        "float_accuracy": data.accuracy(expected[:n]),
        "accuracy": data.accuracy(outputs),
        "accuracy_kind": "encrypted",
        "accuracy_rows": n,
        "max_abs_error_vs_float": float(np.max(np.abs(outputs - expected[:n]))),
        "accuracy_pass_median_s": float(np.median(times)),
        "machine": pc.machine(),
    }
    return report, infer


def pkg_version(name):
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()
