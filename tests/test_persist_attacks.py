"""Crafted model files (issue 16): none runs code, writes a file, crashes or eats memory.

Each file is built here from a valid one, its digest recomputed (so the check under test is
the allow-list, the limits or the tree validation, not the digest), and handed to
``crembo.load`` and ``crembo predict``: a ValueError / one line and exit 1, nothing created.
"""

import io
import json
import subprocess
import sys
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

import crembo
from crembo import persist
from crembo.cli import app

X, Y = load_iris(return_X_y=True)
COLUMNS = ["a", "b", "c", "d"]


# ---------------------------------------------------------------------------- helpers


def read_archive(path):
    with zipfile.ZipFile(path) as z:
        schema = json.loads(z.read("schema.json"))
        members = {n: z.read(n) for n in z.namelist() if n != "schema.json"}
    return schema, members


def write_archive(path, schema, members, *, digest=True, compression=zipfile.ZIP_STORED):
    """Write an archive as an attacker would: any schema, any members, a valid digest."""
    schema = dict(schema)
    if digest:
        schema[persist.DIGEST_KEY] = persist._digest(
            schema, members, lambda n: io.BytesIO(members[n])
        )
    with zipfile.ZipFile(path, "w", compression) as z:
        z.writestr("schema.json", json.dumps(schema))
        for name, data in members.items():
            z.writestr(name, data)
    return path


def model_node(schema):
    return schema["content"]["model"]


def json_node(value):
    return {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
    }


def tuple_node(*items):
    return {
        "__class__": "tuple",
        "__module__": "builtins",
        "__loader__": "TupleNode",
        "content": list(items),
    }


def add_attribute(schema, name, node):
    """A new attribute of the saved estimator (as the issue's files add one)."""
    attrs = model_node(schema)["content"]
    attrs["content"][name] = node
    attrs["key_types"]["content"].append(
        {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
    )
    return schema


def tree_members(schema):
    """Member names of the first tree's (nodes, values) arrays."""
    stack = [schema]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            if obj.get("__loader__") == "TreeNode":
                c = obj["content"]["content"]
                return c["nodes"]["file"], c["values"]["file"]
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)
    raise AssertionError("no tree")


def npy(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


@pytest.fixture(scope="module")
def valid(tmp_path_factory):
    d = tmp_path_factory.mktemp("valid")
    path = crembo.save(
        DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y),
        d / "tree.skops",
        metadata={"feature_names": COLUMNS},
    )
    csv = d / "rows.csv"
    csv.write_text(",".join(COLUMNS) + "\n" + "\n".join(",".join(map(str, r)) for r in X))
    return path, csv


def crafted(tmp_path, valid, edit):
    schema, members = read_archive(valid[0])
    schema, members = edit(schema, members) or (schema, members)
    return write_archive(tmp_path / "crafted.skops", schema, members)


def predict_cli(model, csv, out, *extra):
    result = CliRunner().invoke(
        app, ["predict", "--model", str(model), "--data", str(csv), "--out", str(out), *extra]
    )
    return result


def assert_refused(result, *words):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


# ---------------------------------------------------------------- code, files, imports


def _popen(target):
    return {
        "__class__": "Popen",
        "__module__": "numpy.distutils.fcompiler.gnu",
        "__loader__": "ConstructorFromReduceNode",
        "content": tuple_node(
            {
                "__class__": "list",
                "__module__": "builtins",
                "__loader__": "ListNode",
                "content": [json_node("touch"), json_node(str(target))],
            }
        ),
    }


def _memmap(target):
    args = [json_node(str(target)), json_node("uint8"), json_node("w+"), json_node(0)]
    return {
        "__class__": "memmap",
        "__module__": "numpy",
        "__loader__": "ConstructorFromReduceNode",
        "content": tuple_node(*args, tuple_node(json_node(1))),
    }


def _f2py(target):
    return {"__class__": "main", "__module__": "numpy.f2py.__main__", "__loader__": "ObjectNode"}


@pytest.mark.parametrize(
    "payload, name",
    [
        (_popen, "numpy.distutils.fcompiler.gnu.Popen"),
        (_memmap, "numpy.memmap"),
        (_f2py, "numpy.f2py.__main__.main"),
    ],
    ids=["popen", "memmap", "f2py-main"],
)
def test_code_and_file_writes_are_refused(tmp_path, valid, payload, name):
    target = tmp_path / "pwned"
    path = crafted(tmp_path, valid, lambda s, m: (add_attribute(s, "evil", payload(target)), m))
    with pytest.raises(persist.UntrustedTypesError, match="not trusted") as info:
        crembo.load(path)
    assert name in info.value.types
    out = tmp_path / "p.csv"
    assert_refused(predict_cli(path, valid[1], out), name)
    assert not target.exists() and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crafted.skops"]


def test_refusing_imports_nothing(tmp_path, valid):
    """The names are compared as strings: a module named in a file is never imported."""
    path = crafted(tmp_path, valid, lambda s, m: (add_attribute(s, "evil", _f2py(None)), m))
    code = (
        "import sys, crembo\n"
        f"try:\n    crembo.load({str(path)!r})\nexcept ValueError as e:\n    print('refused')\n"
        "print('numpy.f2py' in sys.modules, 'numpy.distutils' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["refused", "False", "False"]


def test_trusting_a_function_by_hand_warns(tmp_path, valid):
    target = tmp_path / "ran"
    payload = {
        "__class__": "system",
        "__module__": "os",
        "__loader__": "ConstructorFromReduceNode",
        "content": tuple_node(json_node(f"touch {target}")),
    }
    path = crafted(tmp_path, valid, lambda s, m: (add_attribute(s, "evil", payload), m))
    with pytest.raises(persist.UntrustedTypesError, match="allows running"):
        crembo.load(path)
    assert not target.exists()
    result = predict_cli(path, valid[1], tmp_path / "p.csv", "--trust", "os.system")
    assert "warning:" in result.stderr and "allows this file to run it" in result.stderr
    assert "os.system" in result.stderr


# ----------------------------------------------------------------------- bounded work


def _repeated_refs(schema, members, n_refs, big_name, big_data):
    for i in range(n_refs):
        node = {
            "__class__": "ndarray",
            "__module__": "numpy",
            "__loader__": "NdArrayNode",
            "type": "numpy",
            "file": big_name,
            "__id__": 10_000 + i,
        }
        add_attribute(schema, f"copy{i}", node)
    members[big_name] = big_data
    return schema, members


def _deflated_zeros(tmp_path, name, n_bytes, schema_text=None):
    """A small archive with one member of ``n_bytes`` zeros (and a valid-looking schema)."""
    path = tmp_path / f"{name}.skops"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open(name, "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(n_bytes >> 20):
                fh.write(chunk)
        if schema_text is not None:
            z.writestr("other.json", schema_text)
    return path


def _peak(fn):
    import skops.io  # noqa: F401  (its import is not part of the audit)

    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _peak_refused(path, words) -> int:
    """Peak traced memory of a load that must be refused with ``words``."""
    import skops.io  # noqa: F401  (its import is not part of the audit)

    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=words):
            crembo.load(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_many_references_to_one_member(tmp_path, valid):
    big = npy(np.zeros(1 << 17))  # 1 MiB, stored: only the references are too many
    path = crafted(tmp_path, valid, lambda s, m: _repeated_refs(s, m, 40, "big.npy", big))
    size = path.stat().st_size
    peak = _peak_refused(path, "referred to 40 times")
    assert peak < 4 * size + (8 << 20)  # skops would have read the member 40 times
    assert_refused(predict_cli(path, valid[1], tmp_path / "p.csv"), "referred to 40 times")


def test_compressed_member_bomb(tmp_path, valid):
    """40 references to one 64 MiB member of a small file: refused from the zip directory."""
    schema, members = read_archive(valid[0])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.npy", npy(np.zeros(8 << 20)))
    big = zipfile.ZipFile(buf).read("big.npy")
    schema, members = _repeated_refs(schema, members, 40, "big.npy", big)
    path = write_archive(tmp_path / "bomb.skops", schema, members, compression=zipfile.ZIP_DEFLATED)
    size = path.stat().st_size
    assert size < 1 << 20
    peak = _peak_refused(path, "over the model file limits")
    assert peak < 8 * size + (4 << 20)
    assert_refused(predict_cli(path, valid[1], tmp_path / "p.csv"), "limits")


@pytest.mark.parametrize("name", ["schema.json", "x.npy"])
def test_gigabyte_member_in_a_small_file(tmp_path, valid, name):
    path = _deflated_zeros(tmp_path, name, 1 << 30)
    assert path.stat().st_size < 8 << 20
    assert _peak_refused(path, "over the model file limits") < 4 << 20  # never decompressed
    assert_refused(predict_cli(path, valid[1], tmp_path / "p.csv"), "limits")


def test_too_many_members(tmp_path, valid, monkeypatch):
    monkeypatch.setattr(persist, "MAX_MEMBERS", 10)
    schema, members = read_archive(valid[0])
    members |= {f"pad{i}.bin": b"" for i in range(12)}
    path = write_archive(tmp_path / "many.skops", schema, members)
    with pytest.raises(ValueError, match="members"):
        crembo.load(path)


def test_deep_schema(tmp_path, valid):
    deep = json_node(0)
    for _ in range(300):
        deep = tuple_node(deep)
    path = crafted(tmp_path, valid, lambda s, m: (add_attribute(s, "deep", deep), m))
    with pytest.raises(ValueError, match="nested deeper"):
        crembo.load(path)


def test_member_nothing_refers_to_and_missing_member(tmp_path, valid):
    schema, members = read_archive(valid[0])
    path = write_archive(tmp_path / "loose.skops", schema, members | {"extra.bin": b"x"})
    with pytest.raises(ValueError, match="nothing refers to"):
        crembo.load(path)
    nodes, _ = tree_members(schema)
    rest = {k: v for k, v in members.items() if k != nodes}
    path = write_archive(tmp_path / "missing.skops", schema, rest)
    with pytest.raises(ValueError, match="missing member"):
        crembo.load(path)


def test_array_header_that_lies_about_its_size(tmp_path, valid):
    def edit(schema, members):
        _, values = tree_members(schema)
        array = np.load(io.BytesIO(members[values]))
        buf = io.BytesIO()
        header = {"descr": "<f8", "fortran_order": False, "shape": (10**7, *array.shape[1:])}
        np.lib.format.write_array_header_1_0(buf, header)
        members[values] = buf.getvalue() + array.tobytes()  # far fewer bytes than it says
        return schema, members

    path = crafted(tmp_path, valid, edit)
    with pytest.raises(ValueError, match="not a valid crembo model file"):
        crembo.load(path)


def test_object_array_member(tmp_path, valid):
    def edit(schema, members):
        _, values = tree_members(schema)
        buf = io.BytesIO()
        np.save(buf, np.array([print], dtype=object), allow_pickle=True)
        members[values] = buf.getvalue()
        return schema, members

    path = crafted(tmp_path, valid, edit)
    with pytest.raises(ValueError, match="Python objects"):
        crembo.load(path)


# --------------------------------------------------------------- trees and the digest


def _edit_nodes(change):
    def edit(schema, members):
        nodes_name, _ = tree_members(schema)
        nodes = np.load(io.BytesIO(members[nodes_name])).copy()
        change(nodes)
        members[nodes_name] = npy(nodes)
        return schema, members

    return edit


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda n: n["left_child"].__setitem__(0, 10**8), "child index out of range"),
        (lambda n: n["right_child"].__setitem__(0, 0), "child index out of range"),
        (lambda n: n["left_child"].__setitem__(2, -1), "one child"),
        (lambda n: n["feature"].__setitem__(0, 4), "feature index"),
        (lambda n: n["feature"].__setitem__(0, -7), "feature index"),
        (lambda n: n["threshold"].__setitem__(0, np.nan), "NaN threshold"),
    ],
    ids=["child-1e8", "self-loop", "one-child", "feature-4", "feature-negative", "nan"],
)
def test_invalid_trees_are_refused(tmp_path, valid, change, words):
    path = crafted(tmp_path, valid, _edit_nodes(change))
    with pytest.raises(ValueError, match=words):
        crembo.load(path)


def test_child_index_1e8_in_a_subprocess(tmp_path, valid):
    """The issue's segfault: ``crembo predict`` answers with one line and exit 1."""
    path = crafted(tmp_path, valid, _edit_nodes(lambda n: n["left_child"].__setitem__(0, 10**8)))
    out = tmp_path / "p.csv"
    run = subprocess.run(
        [sys.executable, "-m", "crembo.cli", "predict", "--model", str(path), "--data",
         str(valid[1]), "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 1, (run.returncode, run.stderr)
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert "child index" in run.stderr
    assert not out.exists()


def test_node_count_and_shapes_must_agree(tmp_path, valid):
    def count(schema, members):
        tree = _find(schema, "TreeNode")
        tree["content"]["content"]["node_count"] = json_node(10**6)
        return schema, members

    with pytest.raises(ValueError, match="node_count"):
        crembo.load(crafted(tmp_path, valid, count))

    def n_outputs(schema, members):
        tree = _find(schema, "TreeNode")
        tree["__reduce__"]["args"]["content"][2] = json_node(10**6)
        return schema, members

    with pytest.raises(ValueError, match="n_classes|values"):
        crembo.load(crafted(tmp_path, valid, n_outputs))

    def depth(schema, members):
        tree = _find(schema, "TreeNode")
        tree["content"]["content"]["max_depth"] = json_node(1)
        return schema, members

    with pytest.raises(ValueError, match="max_depth"):
        crembo.load(crafted(tmp_path, valid, depth))


def _find(schema, loader):
    stack = [schema]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            if obj.get("__loader__") == loader:
                return obj
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)
    raise AssertionError(loader)


def test_n_features_in_must_match_the_tree(tmp_path, valid):
    def edit(schema, members):
        model_node(schema)["content"]["content"]["n_features_in_"] = json_node(2)
        return schema, members

    path = crafted(tmp_path, valid, edit)
    with pytest.raises(ValueError, match="n_features_in_=2"):
        crembo.load(path)


def test_tampering_without_the_digest_is_refused(tmp_path, valid):
    """The issue's silent case: thresholds or n_features_in_ changed, digest left as it was."""
    schema, members = read_archive(valid[0])  # schema keeps the digest of the valid file
    nodes_name, _ = tree_members(schema)
    nodes = np.load(io.BytesIO(members[nodes_name])).copy()
    nodes["threshold"][0] += 1.0
    path = tmp_path / "t.skops"
    write_archive(path, schema, members | {nodes_name: npy(nodes)}, digest=False)
    with pytest.raises(ValueError, match="digest mismatch"):
        crembo.load(path)
    assert_refused(predict_cli(path, valid[1], tmp_path / "p.csv"), "digest mismatch")
    model_node(schema)["content"]["content"]["n_features_in_"] = json_node(5)
    write_archive(path, schema, members, digest=False)
    with pytest.raises(ValueError, match="digest mismatch"):
        crembo.load(path)


def test_version_2_without_digest_is_refused(tmp_path, valid):
    schema, members = read_archive(valid[0])
    del schema[persist.DIGEST_KEY]
    path = write_archive(tmp_path / "nodigest.skops", schema, members, digest=False)
    with pytest.raises(ValueError, match="no content digest"):
        crembo.load(path)


def test_version_1_file_loads_with_a_warning(tmp_path):
    import skops.io as sio

    tree = DecisionTreeClassifier(max_depth=2).fit(X, Y)
    path = tmp_path / "v1.skops"
    sio.dump({"format": "crembo-model", "version": 1, "metadata": "{}", "model": tree}, path)
    with pytest.warns(UserWarning, match="before model files had a digest"):
        loaded = crembo.load(path)
    np.testing.assert_array_equal(loaded.predict(X), tree.predict(X))
    again = crembo.save(loaded, tmp_path / "v2.skops")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        crembo.load(again)


def test_valid_load_memory_is_a_multiple_of_the_file(tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(30, random_state=0).fit(X, Y)
    path = crembo.save(forest, tmp_path / "f.skops")
    crembo.load(path)  # imports done
    peak = _peak(lambda: crembo.load(path))
    assert peak < 32 * path.stat().st_size + (4 << 20)


# ------------------------------------------------------------ issue 24: every estimator


def attrs_of(schema, cls, index=0):
    """The attribute dict (skops DictNode) of the ``index``-th object of class ``cls``."""
    found, stack = [], [schema]
    while stack:
        obj = stack.pop(0)
        if isinstance(obj, dict):
            if obj.get("__loader__") == "ObjectNode" and obj.get("__class__") == cls:
                found.append(obj["content"])
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)
    return found[index]


def set_attr(schema, cls, name, node, index=0):
    attrs = attrs_of(schema, cls, index)
    if name not in attrs["content"]:
        attrs["key_types"]["content"].append(
            {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
        )
    attrs["content"][name] = node
    return schema


def del_attr(schema, cls, name, index=0):
    attrs = attrs_of(schema, cls, index)
    attrs["content"].pop(name)
    attrs["key_types"]["content"].pop()
    return schema


def saved(tmp_path, model, name="m.skops", metadata=None):
    return crembo.save(model, tmp_path / name, metadata=metadata or {"feature_names": COLUMNS})


def edited(tmp_path, path, edit, name="crafted.skops"):
    schema, members = read_archive(path)
    schema, members = edit(schema, members) or (schema, members)
    return write_archive(tmp_path / name, schema, members)


def csv_rows(tmp_path):
    csv = tmp_path / "rows.csv"
    csv.write_text(",".join(COLUMNS) + "\n" + "\n".join(",".join(map(str, r)) for r in X))
    return csv


def allowed_label_model():
    from crembo.students.sklearn import AllowedLabelClassifier

    return AllowedLabelClassifier(DecisionTreeClassifier(max_depth=2, random_state=0)).fit(
        X, np.eye(3)[Y]
    )


def _far_feature(feature, *, wrapper_width):
    """The issue's file: the wrapped tree splits on ``feature``; its n_features_in_ agrees."""

    def edit(schema, members):
        nodes_name, _ = tree_members(schema)
        nodes = np.load(io.BytesIO(members[nodes_name])).copy()
        nodes["feature"][0] = feature
        members[nodes_name] = npy(nodes)
        _find(schema, "TreeNode")["__reduce__"]["args"]["content"][0] = json_node(feature + 1)
        set_attr(schema, "DecisionTreeClassifier", "n_features_in_", json_node(feature + 1), 1)
        if wrapper_width is None:  # as files saved before the wrapper kept its width
            del_attr(schema, "AllowedLabelClassifier", "n_features_in_")
        return schema, members

    return edit


def test_hole1_wrapped_tree_on_feature_1e8_is_refused(tmp_path):
    path = edited(
        tmp_path, saved(tmp_path, allowed_label_model()), _far_feature(10**8, wrapper_width=None)
    )
    with pytest.raises(ValueError, match="n_features_in_=100000001"):
        crembo.load(path)
    out = tmp_path / "p.csv"
    assert_refused(predict_cli(path, csv_rows(tmp_path), out), "n_features_in_")
    assert not out.exists()


def test_hole1_wrapped_tree_on_feature_5_checks_x_at_predict(tmp_path):
    """Width 6 everywhere: a valid file, but X of 4 columns is refused, not read past."""
    path = edited(
        tmp_path, saved(tmp_path, allowed_label_model()), _far_feature(5, wrapper_width=None)
    )
    model = crembo.load(path)
    with pytest.raises(ValueError, match="X has 4 features"):
        model.predict(X)
    out = tmp_path / "p.csv"
    assert_refused(predict_cli(path, csv_rows(tmp_path), out), "takes 6 features")
    assert not out.exists()
    # with the wrapper's own width kept (files saved now), the disagreement is refused at load
    path = edited(
        tmp_path, saved(tmp_path, allowed_label_model()), _far_feature(5, wrapper_width=4)
    )
    with pytest.raises(ValueError, match="n_features_in_=4 over a student of 6"):
        crembo.load(path)


def test_hole1_medoid_student_checks_x(tmp_path):
    from crembo.students.medoid import BootstrapMedoidStudent

    model = BootstrapMedoidStudent(n_bootstrap=2, random_state=0).fit(X, np.eye(3)[Y])
    loaded = crembo.load(saved(tmp_path, model))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="X has 3 features"):
        loaded.predict(X[:, :3])


def test_every_allowed_class_has_a_validator():
    from crembo import _model_checks

    assert frozenset(_model_checks.VALIDATORS) == persist.ALLOWED_OBJECTS
    assert "crembo.students.optimal.OptimalAllowedLabelTree" in persist.ALLOWED_OBJECTS


def test_a_class_without_validator_is_refused(tmp_path, monkeypatch):
    from crembo import _model_checks

    path = saved(tmp_path, DecisionTreeClassifier(max_depth=2).fit(X, Y))
    name = "sklearn.tree._classes.DecisionTreeClassifier"
    monkeypatch.delitem(_model_checks.VALIDATORS, name)
    with pytest.raises(ValueError, match="no structural validator"):
        crembo.load(path)
    with pytest.raises(ValueError, match="no structural validator"):
        crembo.load(path, trusted=[name])  # trusting an allowed name changes nothing


def _optimal_tree(tmp_path):
    pytest.importorskip("pystreed")
    from crembo.students.optimal import OptimalAllowedLabelTree

    model = OptimalAllowedLabelTree(max_depth=2, time_limit=10).fit(X, np.eye(3)[Y])
    return saved(tmp_path, model)


def _array_attr(schema, members, cls, name):
    node = attrs_of(schema, cls)["content"][name]
    return node["file"], np.load(io.BytesIO(members[node["file"]]))


def test_hole3_optimal_tree_cycle_and_depth_are_refused(tmp_path):
    path = _optimal_tree(tmp_path)
    crembo.load(path)
    cls = "OptimalAllowedLabelTree"

    def cycle(schema, members):
        name, left = _array_attr(schema, members, cls, "children_left_")
        left = left.copy()
        left[0] = 0  # node 0 its own child
        members[name] = npy(left)
        set_attr(schema, cls, "max_depth", json_node(10**15))
        return schema, members

    with pytest.raises(ValueError, match="max_depth=1000000000000000"):
        crembo.load(edited(tmp_path, path, cycle))

    def cycle_only(schema, members):
        cycle(schema, members)
        set_attr(schema, cls, "max_depth", json_node(2))
        return schema, members

    crafted_ = edited(tmp_path, path, cycle_only)
    with pytest.raises(ValueError, match="child index out of range"):
        crembo.load(crafted_)
    assert_refused(predict_cli(crafted_, csv_rows(tmp_path), tmp_path / "p.csv"), "child index")

    def far_feature(schema, members):
        name, feature = _array_attr(schema, members, cls, "feature_")
        feature = feature.copy()
        feature[0] = 7
        members[name] = npy(feature)
        return schema, members

    with pytest.raises(ValueError, match="feature index outside 0..3"):
        crembo.load(edited(tmp_path, path, far_feature))

    def bad_label(schema, members):
        name, label = _array_attr(schema, members, cls, "label_")
        label = label.copy()
        label[label >= 0] = 9
        members[name] = npy(label)
        return schema, members

    with pytest.raises(ValueError, match="leaf label outside"):
        crembo.load(edited(tmp_path, path, bad_label))


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_hole2_only_stored_and_deflated_members(tmp_path, valid, method):
    schema, members = read_archive(valid[0])
    path = write_archive(tmp_path / "bz.skops", schema, members, compression=method)
    with pytest.raises(ValueError, match="only stored or deflated"):
        crembo.load(path)
    with pytest.raises(ValueError, match="only stored or deflated"):
        persist.read_metadata(path)
    assert_refused(predict_cli(path, valid[1], tmp_path / "p.csv"), "only stored or deflated")
    deflated = write_archive(
        tmp_path / "ok.skops", schema, members, compression=zipfile.ZIP_DEFLATED
    )
    crembo.load(deflated)  # a re-zipped file still loads


def _metadata_file(tmp_path, valid, **changes):
    schema, members = read_archive(valid[0])
    meta = json.loads(json.loads(schema["content"]["metadata"]["content"]))
    meta.update(changes)
    schema["content"]["metadata"]["content"] = json.dumps(json.dumps(meta))
    return write_archive(tmp_path / "meta.skops", schema, members)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"sep": "(a+)+$"}, "sep"),
        ({"sep": ""}, "sep"),
        ({"sep": '"'}, "sep"),
        ({"encoding": "rot13"}, "encoding"),
        ({"encoding": "zlib_codec"}, "encoding"),
        ({"encoding": 7}, "encoding"),
        ({"categories": ["a", "b"]}, "categories"),
        ({"categories": {"a": "xyz"}}, "categories"),
        ({"columns": COLUMNS, "categories": {"a": [str(i) for i in range(200_000)]}}, "values"),
        ({"columns": COLUMNS, "categories": {"zz": ["1"]}}, "not features"),
        ({"feature_names": "abcd"}, "feature_names"),
        ({"classes": [[1], None]}, "classes"),
        ({"target": ["t"]}, "target"),
    ],
    ids=[
        "regex-sep", "empty-sep", "quote-sep", "rot13", "zlib", "int-encoding",
        "categories-list", "categories-str", "200k-values", "unknown-column", "names-str",
        "classes-nested", "target-list",
    ],
)  # fmt: skip
def test_hole4_metadata_is_validated_like_user_input(tmp_path, valid, changes, words):
    path = _metadata_file(tmp_path, valid, **changes)
    with pytest.raises(ValueError, match="model metadata") as info:
        persist.read_metadata(path)
    assert words in str(info.value)
    out = tmp_path / "p.csv"
    assert_refused(predict_cli(path, valid[1], out), "model metadata", words)
    assert not out.exists()


def test_save_refuses_metadata_load_would_refuse(tmp_path):
    tree = DecisionTreeClassifier(max_depth=1).fit(X, Y)
    with pytest.raises(ValueError, match="metadata: sep: expected one character"):
        crembo.save(tree, tmp_path / "m.skops", metadata={"sep": ";;"})
    assert not (tmp_path / "m.skops").exists()
    path = crembo.save(tree, tmp_path / "m.skops", metadata={"classes": [0, 1, 2], "x": [{}]})
    assert persist.read_metadata(path)["classes"] == [0, 1, 2]  # numbers are names too


def test_metadata_tab_spelled_out_is_a_tab(tmp_path, valid):
    csv = tmp_path / "tab.csv"
    csv.write_text(valid[1].read_text().replace(",", "\t"))
    path = _metadata_file(tmp_path, valid, sep="\\t")
    out = tmp_path / "p.csv"
    result = predict_cli(path, csv, out)
    assert result.exit_code == 0, result.output
    assert out.read_text().count("\n") == len(X) + 1


def _forest_file(tmp_path, n=3):
    from sklearn.ensemble import RandomForestClassifier

    return saved(tmp_path, RandomForestClassifier(n, max_depth=2, random_state=0).fit(X, Y))


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("n_classes_", 10**6, "n_classes_"),
        ("n_classes_", 4, "classes"),
        ("n_jobs", 4000, "n_jobs=4000"),
        ("n_jobs", -4000, "n_jobs=-4000"),
        ("n_estimators", 4000, "n_estimators=4000"),
        ("n_estimators", 10**6, "n_estimators=1000000"),
        ("n_outputs_", 2, "n_outputs_"),
    ],
)
def test_hole5_forest_counts_are_bounded(tmp_path, name, value, words):
    path = _forest_file(tmp_path)
    crafted_ = edited(
        tmp_path,
        path,
        lambda s, m: (set_attr(s, "RandomForestClassifier", name, json_node(value)), m),
    )
    with pytest.raises(ValueError, match="not a valid crembo model file") as info:
        crembo.load(crafted_)
    assert words in str(info.value)


def _mlp_file(tmp_path):
    from sklearn.neural_network import MLPClassifier

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = MLPClassifier((5,), max_iter=5, random_state=0).fit(X, Y)
    return saved(tmp_path, net)


@pytest.mark.parametrize(
    "cls, name, value, words",
    [
        ("MLPClassifier", "activation", "gelu", "activation='gelu'"),
        ("MLPClassifier", "out_activation_", "softplus", "out_activation_"),
        ("MLPClassifier", "n_layers_", 50, "n_layers_=50"),
        ("MLPClassifier", "n_layers_", 10**9, "n_layers_"),
        ("MLPClassifier", "n_outputs_", 2, "n_outputs_"),
        ("LabelBinarizer", "y_type_", "continuous", "y_type_"),
    ],
)
def test_hole7_mlp_state_is_checked(tmp_path, cls, name, value, words):
    path = _mlp_file(tmp_path)
    crafted_ = edited(tmp_path, path, lambda s, m: (set_attr(s, cls, name, json_node(value)), m))
    with pytest.raises(ValueError, match="not a valid crembo model file") as info:
        crembo.load(crafted_)
    assert words in str(info.value)
    assert_refused(predict_cli(crafted_, csv_rows(tmp_path), tmp_path / "p.csv"), words)


def test_hole7_shortened_classes_and_renamed_tree(tmp_path, valid):
    def short(schema, members):
        node = attrs_of(schema, "DecisionTreeClassifier")["content"]["classes_"]
        members[node["file"]] = npy(np.arange(2))
        return schema, members

    with pytest.raises(ValueError, match="classes_ / n_classes_ disagree"):
        crembo.load(edited(tmp_path, valid[0], short))

    def renamed(schema, members):
        attrs = attrs_of(schema, "DecisionTreeClassifier")["content"]
        attrs["tree_x"] = attrs.pop("tree_")
        return schema, members

    crafted_ = edited(tmp_path, valid[0], renamed)
    with pytest.raises(ValueError, match="without tree_"):
        crembo.load(crafted_)
    assert_refused(predict_cli(crafted_, valid[1], tmp_path / "p.csv"), "without tree_")


def test_hole7_crembo_classes_must_match_its_student(tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    from crembo import CREMBOClassifier

    forest = RandomForestClassifier(3, max_depth=2, random_state=0)
    model = CREMBOClassifier(forest, preset="paper", random_state=0, n_jobs=1).fit(X, Y)
    path = saved(tmp_path, model)
    np.testing.assert_array_equal(crembo.load(path).predict(X), model.predict(X))

    def short(schema, members):
        node = attrs_of(schema, "CREMBOClassifier")["content"]["classes_"]
        members[node["file"]] = npy(np.arange(2))
        return schema, members

    with pytest.raises(ValueError, match="student_.classes_ of 3 classes, expected 2"):
        crembo.load(edited(tmp_path, path, short))


def test_sum_of_trees_round_trip_and_cycle(tmp_path):
    from crembo.students.sum_of_trees import SumOfTreesStudent

    model = SumOfTreesStudent(max_splits=4, random_state=0).fit(X, np.eye(3)[Y])
    path = saved(tmp_path, model)
    np.testing.assert_array_equal(crembo.load(path).predict(X), model.predict(X))

    def cycle(schema, members):
        name, left = _array_attr(schema, members, "AdditiveTree", "children_left")
        left = left.copy()
        left[0] = 0  # the root its own child: apply() would loop for ever
        members[name] = npy(left)
        return schema, members

    with pytest.raises(ValueError, match="(SumOfTrees|Additive).*: a child index out of range"):
        crembo.load(edited(tmp_path, path, cycle))

    def far_feature(schema, members):
        name, feature = _array_attr(schema, members, "AdditiveTree", "feature")
        feature = feature.copy()
        feature[0] = 9
        members[name] = npy(feature)
        return schema, members

    with pytest.raises(ValueError, match="feature index outside 0..3"):
        crembo.load(edited(tmp_path, path, far_feature))
