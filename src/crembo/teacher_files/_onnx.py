"""ONNX teachers: a classifier graph with a probability output, run with onnxruntime."""

from __future__ import annotations

import numpy as np

from crembo.teacher_files._common import FileTeacher, library, not_a_model

#: Operator domains an ONNX teacher may use (the standard ones; no custom operators).
_ONNX_DOMAINS = ("", "ai.onnx", "ai.onnx.ml")
_ONNX_CLASSIFIERS = ("TreeEnsembleClassifier", "LinearClassifier", "SVMClassifier", "ZipMap")


def _load_onnx(path, data, trusted):
    source = f"--teacher {path} (ONNX model)"
    onnx = library("onnx", source)
    raw = path.read_bytes()
    try:
        model = onnx.load_model_from_string(raw)
    except Exception as exc:  # protobuf's DecodeError and kin
        raise not_a_model(source, exc) from None
    graph = model.graph
    _check_onnx_graph(source, model)
    inputs = [i for i in graph.input if i.name not in {t.name for t in graph.initializer}]
    if len(inputs) != 1:
        raise ValueError(
            f"{source}: {len(inputs)} inputs; expected one float tensor of shape (rows, features)."
        )
    dims = inputs[0].type.tensor_type.shape.dim
    if len(dims) != 2 or not dims[1].HasField("dim_value"):
        raise ValueError(
            f"{source}: input {inputs[0].name!r} is not a (rows, features) tensor with a fixed "
            "feature count."
        )
    data.columns(source, count=int(dims[1].dim_value))
    output, is_map = _onnx_probability_output(source, graph)
    labels = _onnx_labels(graph)
    elem = inputs[0].type.tensor_type.elem_type
    if elem not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE):
        raise ValueError(f"{source}: input {inputs[0].name!r} is not a float tensor.")
    predictor = _OnnxPredictor(raw, inputs[0].name, output, is_map, elem == onnx.TensorProto.DOUBLE)
    n_outputs = predictor.n_outputs(labels)
    order = (
        data.order_by_position(source, n_outputs)
        if labels is None
        else data.order_by_label(source, labels)
    )
    if is_map:
        predictor.keys = list(labels) if labels is not None else None
    return FileTeacher(predictor, None, order, data.classes, len(data.names), source)


def _check_onnx_graph(source, model):
    """Standard operators only, and no tensor stored outside the file (it would be read)."""
    for opset in model.opset_import:
        if opset.domain not in _ONNX_DOMAINS:
            raise ValueError(
                f"{source}: operators of domain {opset.domain!r}; expected the standard "
                "ONNX and ONNX-ML operators only."
            )
    graphs = [model.graph, *(f for f in model.functions)]
    while graphs:
        g = graphs.pop()
        tensors = list(getattr(g, "initializer", []))
        tensors += [s.values for s in getattr(g, "sparse_initializer", [])]
        for node in g.node:
            for attr in node.attribute:
                tensors += [attr.t, *attr.tensors] if attr.HasField("t") else list(attr.tensors)
                graphs += ([attr.g] if attr.HasField("g") else []) + list(attr.graphs)
        for t in tensors:
            if t.data_location == 1 or len(t.external_data):  # TensorProto.EXTERNAL
                raise ValueError(
                    f"{source}: tensor {t.name!r} is stored outside the file; expected a "
                    "self-contained model."
                )


def _onnx_probability_output(source, graph):
    """The output holding class probabilities: a sequence of maps (ZipMap) or a float matrix."""
    maps, tensors = [], []
    for out in graph.output:
        t = out.type
        if t.HasField("sequence_type") and t.sequence_type.elem_type.HasField("map_type"):
            maps.append(out.name)
        elif (
            t.HasField("tensor_type")
            and t.tensor_type.elem_type in (1, 11)  # float, double
            and len(t.tensor_type.shape.dim) == 2
        ):
            tensors.append(out.name)
    if maps:
        return maps[0], True
    if len(tensors) > 1:
        tensors = [n for n in tensors if "prob" in n.lower()] or tensors
    if len(tensors) != 1:
        raise ValueError(
            f"{source}: no single class-probability output (a (rows, classes) float tensor or "
            f"ZipMap); outputs: {', '.join(o.name for o in graph.output)}."
        )
    return tensors[0], False


def _onnx_labels(graph):
    """Class labels a classifier node of the graph names, or None."""
    for node in graph.node:
        if node.op_type in _ONNX_CLASSIFIERS and node.domain == "ai.onnx.ml":
            for attr in node.attribute:
                if attr.name == "classlabels_strings" and attr.strings:
                    return [s.decode("utf-8", errors="replace") for s in attr.strings]
                if attr.name in ("classlabels_int64s", "classlabels_ints") and attr.ints:
                    return [int(v) for v in attr.ints]
    return None


class _OnnxPredictor:
    """Runs the graph with onnxruntime (one thread); the session is rebuilt after pickling."""

    def __init__(self, raw, input_name, output, is_map, double):
        self.raw, self.input_name, self.output = raw, input_name, output
        self.is_map, self.double, self.keys = is_map, double, None
        self._session = None

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_session"} | {"_session": None}

    def session(self):
        if self._session is None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = options.inter_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                self.raw, options, providers=["CPUExecutionProvider"]
            )
        return self._session

    def n_outputs(self, labels):
        if labels is not None:
            return len(labels)
        if self.is_map:
            return len(self._run(np.zeros((1, self._width())))[0])
        return self._run(np.zeros((1, self._width()))).shape[1]

    def _width(self):
        return self.session().get_inputs()[0].shape[1]

    def _run(self, X):
        X = X.astype(np.float64 if self.double else np.float32)
        return self.session().run([self.output], {self.input_name: X})[0]

    def __call__(self, X):
        out = self._run(X)
        if not self.is_map:
            return np.asarray(out, dtype=np.float64)
        keys = self.keys if self.keys is not None else sorted(out[0]) if len(out) else []
        return np.array([[row[k] for k in keys] for row in out], dtype=np.float64)
