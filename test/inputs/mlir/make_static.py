# Fixes the dynamic batch dimension of an ONNX model's inputs and outputs to 1 (IREE's importer keeps `?`, and Veil
# needs static shapes). Usage: python make_static.py IN.onnx OUT.onnx
import sys

import onnx

model = onnx.load(sys.argv[1])
for value in list(model.graph.input) + list(model.graph.output):
    value.type.tensor_type.shape.dim[0].dim_value = 1
onnx.save(model, sys.argv[2])
