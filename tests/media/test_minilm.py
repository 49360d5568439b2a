"""The offline embedding model: numpy's forward pass of all-MiniLM-L6-v2 gives the vectors
the reference implementation gives (transformers on PyTorch, run once on these sentences and
written down here), so similar means similar."""

from __future__ import annotations

import numpy as np

from media import minilm

SENTENCES = [
    "A cat sits on the mat.",
    "A kitten is resting on a rug.",
    "The stock market crashed today.",
    "Mara and Doc argue about the storm at dawn.",
]
# The first six dimensions and the cosine matrix from the reference implementation.
REFERENCE_HEAD = np.array(
    [
        [0.126535, -0.032851, -0.02906, 0.044407, -0.043445, 0.032097],
        [0.075357, 0.01511, 0.012094, 0.06079, -0.004022, 0.056365],
        [0.055137, -0.027447, 0.036947, 0.046596, -0.001549, -0.004567],
        [0.005066, 0.122742, 0.074864, 0.105249, 0.006893, 0.037313],
    ]
)
REFERENCE_COSINES = np.array(
    [
        [1.0, 0.655289, 0.100286, 0.045288],
        [0.655289, 1.0, 0.121345, 0.051283],
        [0.100286, 0.121345, 1.0, 0.076361],
        [0.045288, 0.051283, 0.076361, 1.0],
    ]
)


def test_the_vectors_are_the_reference_implementations():
    vectors = minilm.embed(SENTENCES)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[:, :6], REFERENCE_HEAD, atol=2e-6)
    assert np.allclose(vectors @ vectors.T, REFERENCE_COSINES, atol=2e-6)


def test_padding_in_a_batch_changes_nothing():
    alone = minilm.embed([SENTENCES[0]])[0]
    batched = minilm.embed([SENTENCES[0], "a much longer sentence " * 20])[0]
    assert np.allclose(alone, batched, atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)
