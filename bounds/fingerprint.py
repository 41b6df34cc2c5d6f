"""Content hash of a model: what a stored run is keyed by, so a changed model under an old name is run again."""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np


def _feed(h, value) -> None:
    """Add ``value`` to the hash ``h``, tagged by its kind so that different structures cannot collide."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError("cannot fingerprint an array of dtype object (its bytes are pointers, not content)")
        a = np.ascontiguousarray(value)
        h.update(b"ndarray" + a.dtype.str.encode() + repr(a.shape).encode())
        h.update(a.view(np.uint8).tobytes() if a.size else b"")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        h.update(f"dataclass {cls.__module__}.{cls.__qualname__}".encode())
        for f in dataclasses.fields(value):
            # The display name (compare=False) is not content; a field left at None (an unset option such as
            # reward_noise) is not hashed, so a model class that gains an optional field keeps its old fingerprints.
            if f.compare and getattr(value, f.name) is not None:
                h.update(f"field {f.name}".encode())
                _feed(h, getattr(value, f.name))
    elif hasattr(value, "tocsr") and hasattr(value, "nnz"):  # a scipy sparse matrix or array
        m = value.tocsr(copy=True)  # canonicalised below: never touch the caller's matrix
        m.sum_duplicates()
        m.sort_indices()
        h.update(f"sparse {m.shape}".encode())
        for part in (m.data, m.indices, m.indptr):
            _feed(h, part)
    elif isinstance(value, (tuple, list)):
        h.update(f"{type(value).__name__} {len(value)}".encode())
        for v in value:
            _feed(h, v)
    elif value is None or isinstance(value, (bool, int, float, complex, str, bytes, np.generic)):
        h.update(f"{type(value).__name__} {value!r}".encode())
    else:
        raise TypeError(f"cannot fingerprint a {type(value).__name__} (a model field)")


def content_hash(value: object) -> str:
    """SHA-256 (hex) of ``value``'s content: arrays by dtype, shape and bytes, sparse matrices by their canonical CSR
    arrays, dataclasses by class and compared fields, tuples/lists item by item, scalars by type and ``repr``.
    ``TypeError`` for anything else (a set, a dict, an arbitrary object)."""
    h = hashlib.sha256()
    _feed(h, value)
    return h.hexdigest()


def fingerprint(model: object) -> str:
    """SHA-256 (hex) of a model's content: its class and every compared dataclass field (arrays by dtype, shape and
    bytes; ``P``, ``R``, ``H``, ``initial``, ``reward_range``; ``phi``, ``mu``, ``theta`` for a ``LinearMDP``; any
    field a model gains later). The display ``name`` is left out: two equal models share a fingerprint."""
    if not dataclasses.is_dataclass(model) or isinstance(model, type):
        raise TypeError(f"model must be a model such as tabular.EpisodicMDP (a dataclass), got {type(model).__name__}")
    return content_hash(model)
