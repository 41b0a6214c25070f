"""``import crembo`` and the command's ``--help`` stay light: heavy packages load on use."""

import subprocess
import sys

import pytest

HEAVY = ("torch", "matplotlib", "skops", "rich", "sklearn.ensemble", "pandas")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return out.stdout.split()


def test_import_crembo_loads_no_heavy_package():
    assert _loaded_after("import crembo") == []


def test_public_names_resolve_lazily():
    import crembo

    assert sorted(crembo.__all__) == sorted(crembo._LAZY)  # every public name is lazy
    assert set(crembo.__all__) <= set(dir(crembo))
    for name in crembo.__all__:
        assert getattr(crembo, name) is not None, name
    assert crembo.CREMBOClassifier.__module__.startswith("crembo.")
    with pytest.raises(AttributeError, match="no_such_name"):
        crembo.no_such_name  # noqa: B018


def test_name_import_loads_only_what_it_needs():
    # the estimator needs scikit-learn, but not skops (only load/save read files)
    loaded = _loaded_after("from crembo import CREMBOClassifier")
    assert "skops" not in loaded and "torch" not in loaded and "matplotlib" not in loaded


def test_the_command_line_loads_no_scikit_learn_until_a_command_runs():
    # `crembo --help` builds every command's options: none may need the models
    probe = "import crembo.cli\nprint('sklearn' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{probe}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split() == ["False"]


def test_command_line_choices_match_what_they_name():
    from crembo.choices import EXPORT_FORMATS, PRESET_NAMES
    from crembo.config import PRESETS
    from crembo.exporters import FORMATS

    assert sorted(PRESET_NAMES) == sorted(PRESETS)
    assert tuple(FORMATS) == EXPORT_FORMATS
