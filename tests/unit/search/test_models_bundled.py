"""ensure_bundled_model: converts once, never publishes a partial folder, rebuilds stale ones.

The cache logic is exercised with a fast stand-in converter; the real conversion's output is checked once, on the
copy kept in pytest's cache.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
import pytest
from safetensors import safe_open

from search.models import BUNDLED_MODEL_NAME, E5S1File, bundled_e5s1_path, ensure_bundled_model
from search.models import _bundled as bundled

if TYPE_CHECKING:
    from pathlib import Path


class FakeConverter:
    """Writes the files a model folder needs, tagged with a generation number; can fail half-way or be slow."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self.delay = 0.0

    def __call__(self, source: Path, target: Path) -> Path:
        self.calls += 1
        time.sleep(self.delay)
        target.mkdir(parents=True, exist_ok=True)
        (target / "config.json").write_text(json.dumps({"generation": self.calls}))
        if self.fail:
            raise RuntimeError("converter crashed")
        for name in bundled._REQUIRED_FILES:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            if name != "config.json":
                (target / name).write_text("{}")
        return target


@pytest.fixture
def converter(monkeypatch: pytest.MonkeyPatch) -> FakeConverter:
    fake = FakeConverter()
    monkeypatch.setattr(bundled, "convert_e5s1", fake)
    return fake


def _generation(folder: Path) -> int:
    return int(json.loads((folder / "config.json").read_text())["generation"])


def test_converts_once_then_reuses(tmp_path: Path, converter: FakeConverter) -> None:
    first = ensure_bundled_model(tmp_path)
    second = ensure_bundled_model(tmp_path)
    assert first == second == tmp_path / "models" / BUNDLED_MODEL_NAME
    assert converter.calls == 1
    assert sorted(p.name for p in first.parent.iterdir() if p.is_dir()) == [BUNDLED_MODEL_NAME]


def test_marker_records_the_source_file(tmp_path: Path, converter: FakeConverter) -> None:
    folder = ensure_bundled_model(tmp_path)
    marker = json.loads((folder / bundled.MARKER_FILE).read_text())
    assert marker["source_sha256"] == hashlib.sha256(bundled_e5s1_path().read_bytes()).hexdigest()
    assert marker["converter_version"] == bundled.CONVERTER_VERSION


def test_stale_marker_is_rebuilt(tmp_path: Path, converter: FakeConverter) -> None:
    folder = ensure_bundled_model(tmp_path)
    marker = json.loads((folder / bundled.MARKER_FILE).read_text())
    marker["converter_version"] -= 1
    (folder / bundled.MARKER_FILE).write_text(json.dumps(marker))
    assert _generation(ensure_bundled_model(tmp_path)) == 2


@pytest.mark.parametrize("damage", ["no marker", "missing weights"])
def test_incomplete_folder_is_rebuilt(tmp_path: Path, converter: FakeConverter, damage: str) -> None:
    folder = ensure_bundled_model(tmp_path)
    (folder / (bundled.MARKER_FILE if damage == "no marker" else "model.safetensors")).unlink()
    assert _generation(ensure_bundled_model(tmp_path)) == 2
    assert bundled.is_current(folder, bundled._expected_marker(bundled_e5s1_path()))


def test_crash_publishes_nothing_and_next_call_recovers(tmp_path: Path, converter: FakeConverter) -> None:
    converter.fail = True
    with pytest.raises(RuntimeError, match="crashed"):
        ensure_bundled_model(tmp_path)
    assert list((tmp_path / "models").iterdir()) == [tmp_path / "models" / f".{BUNDLED_MODEL_NAME}.lock"]
    converter.fail = False
    assert _generation(ensure_bundled_model(tmp_path)) == 2


def test_crash_while_rebuilding_keeps_the_old_folder(tmp_path: Path, converter: FakeConverter) -> None:
    folder = ensure_bundled_model(tmp_path)
    (folder / bundled.MARKER_FILE).unlink()
    converter.fail = True
    with pytest.raises(RuntimeError):
        ensure_bundled_model(tmp_path)
    assert _generation(folder) == 1


def test_leftovers_of_a_killed_conversion_are_removed(tmp_path: Path, converter: FakeConverter) -> None:
    leftover = tmp_path / "models" / f".{BUNDLED_MODEL_NAME}.staging-dead"
    (leftover / "1_Pooling").mkdir(parents=True)
    ensure_bundled_model(tmp_path)
    assert not leftover.exists()


def test_concurrent_callers_share_one_conversion(tmp_path: Path, converter: FakeConverter) -> None:
    converter.delay = 0.3
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_bundled_model(tmp_path))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert converter.calls == 1
    assert len(set(results)) == 1


@pytest.fixture(scope="module")
def converted(model_data_dir: Path) -> Path:
    # One conversion per test session (per xdist worker): every module asks for the same data dir and
    # ensure_bundled_model reuses the first module's result.
    return ensure_bundled_model(model_data_dir)


@pytest.mark.model
def test_converted_folder_is_readable_by_other_accounts(converted: Path) -> None:
    assert converted.stat().st_mode & 0o777 == 0o755
    assert (converted / "model.safetensors").stat().st_mode & 0o777 == 0o644


@pytest.mark.model
def test_converted_folder_is_a_mean_pooled_normalised_bert(converted: Path) -> None:
    config = json.loads((converted / "config.json").read_text())
    assert (config["model_type"], config["hidden_size"], config["num_hidden_layers"]) == ("bert", 384, 12)
    assert config["hidden_act"] == "gelu"
    modules = json.loads((converted / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((converted / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    assert pooling["pooling_mode_cls_token"] is False
    st_config = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}


@pytest.mark.model
@pytest.mark.parametrize(
    ("bert_name", "e5s1_name"),
    [
        ("embeddings.position_embeddings.weight", "emb.pos"),
        ("encoder.layer.11.intermediate.dense.weight", "l11.fi.w"),
        ("encoder.layer.5.attention.output.LayerNorm.bias", "l5.aln.b"),
    ],
)
def test_weights_are_the_dequantised_originals(converted: Path, bert_name: str, e5s1_name: str) -> None:
    with safe_open(str(converted / "model.safetensors"), framework="numpy") as weights:
        stored = weights.get_tensor(bert_name)
    with E5S1File(bundled_e5s1_path()) as source:
        original = source.tensor(e5s1_name, stored.shape)
    assert stored.dtype == np.float32
    np.testing.assert_array_equal(stored, original)
