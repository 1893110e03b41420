"""The demo's synthetic drawing embeddings and their safetensors files (for train-demo-models.py).

Each age group draws from its own low-dimensional manifold in the 768 visual + 64 subject dimensions; the
validation set mixes normal samples with four kinds of labelled anomalies. Seeded: the same RandomState gives the
same bytes.
"""

import json
import math
import struct

import numpy as np

VISUAL_DIM = 768
SUBJECT_DIM = 64
INPUT_DIM = VISUAL_DIM + SUBJECT_DIM
N_VAL = 100
N_ANOMALOUS = 15
ANOMALY_KINDS = ["off_manifold_noise", "other_age_group", "zeroed_visual_segment", "wrong_subject_pattern"]
MEAN_SCALE = 1.2  # weight of the shared 'drawing' direction vs. the per-drawing variation
LATENT_POOL = 32  # global pool of visual factors; each group uses its own age-rotated subspace

# --------------------------------------------------------------------------------------------
# Embedding synthesis
# --------------------------------------------------------------------------------------------


class World:
    """Quantities shared by all age groups (one fixed random 'visual encoder')."""

    def __init__(self, seed):
        rng = np.random.RandomState(seed)
        # Two global bases of the visual factor space; a group's basis is a rotation between them.
        self.A0 = rng.randn(VISUAL_DIM, LATENT_POOL) / math.sqrt(LATENT_POOL)
        self.A1 = rng.randn(VISUAL_DIM, LATENT_POOL) / math.sqrt(LATENT_POOL)
        # Nonlinear part: fixed random map applied to tanh of the factors.
        self.C = rng.randn(VISUAL_DIM, LATENT_POOL) / math.sqrt(LATENT_POOL)
        # Mean direction of "drawing-ness" and the age drift of the mean.
        self.m0 = rng.randn(VISUAL_DIM)
        self.drift = rng.randn(VISUAL_DIM)
        # Subject logits as a function of the factors (subject correlates with the picture).
        self.S = rng.randn(SUBJECT_DIM, LATENT_POOL) * 0.35
        # Factor spectrum: a few strong factors, many weak ones.
        self.spectrum = 1.0 / np.sqrt(1.0 + np.arange(LATENT_POOL) / 3.0)


class AgeGroupDistribution:
    def __init__(self, world, age_min, age_max, seed):
        self.world = world
        self.age_min, self.age_max = age_min, age_max
        rng = np.random.RandomState(seed)
        mid = (age_min + age_max) / 2.0
        t = (mid - 2.5) / (10.5 - 2.5)  # 0 for 2-3 .. 1 for 9-12
        self.t = t
        theta = t * (math.pi / 2) * 0.9
        # Age-rotated factor basis; younger children use fewer factors (simpler drawings).
        self.k = int(round(12 + 12 * t))  # 12 .. 24 latent factors
        A = math.cos(theta) * world.A0 + math.sin(theta) * world.A1
        self.A = A[:, : self.k]
        self.C = world.C[:, : self.k]
        self.spectrum = world.spectrum[: self.k]
        self.mean = MEAN_SCALE * (world.m0 + 1.3 * t * world.drift) + 0.35 * rng.randn(VISUAL_DIM)
        self.nonlin = 0.6
        self.noise = 0.05
        # Subject preferences: a handful of dominant subjects that move with age.
        prefs = np.full(SUBJECT_DIM, -1.5) + 0.3 * rng.randn(SUBJECT_DIM)
        young = [0, 1, 2, 3, 4, 5, 9, 10]  # person, family, house, sun, tree, flower, scribble, rainbow
        middle = [6, 7, 8, 12, 16, 20, 24, 27, 29, 30]
        old = [22, 23, 25, 26, 33, 34, 35, 36, 48, 53, 54, 56, 57]
        for idx in young:
            prefs[idx] += 3.2 * (1 - t)
        for idx in middle:
            prefs[idx] += 3.0 * (1 - abs(2 * t - 1))
        for idx in old:
            prefs[idx] += 3.2 * t
        self.subject_prefs = prefs
        self.subject_temp = 0.8
        # Subjects this group almost never draws (used by the wrong-subject anomaly).
        self.rare_subjects = list(np.argsort(prefs)[:16])

    def factors(self, rng, n):
        return rng.randn(n, self.k) * self.spectrum

    def visual(self, rng, z):
        v = self.mean + z @ self.A.T + self.nonlin * np.tanh(1.5 * z) @ self.C.T
        v = v + self.noise * rng.randn(*v.shape)
        return v / np.linalg.norm(v, axis=1, keepdims=True)  # CLIP-style unit norm

    def subject(self, rng, z):
        logits = self.subject_prefs + z @ self.world.S[:, : self.k].T + 0.3 * rng.randn(z.shape[0], SUBJECT_DIM)
        logits = logits / self.subject_temp
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def sample(self, rng, n):
        z = self.factors(rng, n)
        return np.concatenate([self.visual(rng, z), self.subject(rng, z)], axis=1)


def make_anomaly(kind, dist, others, rng):
    """One anomalous 832-vector of the given kind for distribution `dist`."""
    if kind == "off_manifold_noise":
        # A valid-looking unit-norm visual vector that lies nowhere near the manifold,
        # with a plausible subject pattern from this group.
        x = dist.sample(rng, 1)[0]
        v = rng.randn(VISUAL_DIM)
        x[:VISUAL_DIM] = v / np.linalg.norm(v)
        return x
    if kind == "other_age_group":
        # A normal drawing of an age group at least three groups away.
        far = [o for o in others if abs(o.t - dist.t) >= 0.4]
        other = far[rng.randint(len(far))]
        return other.sample(rng, 1)[0]
    if kind == "zeroed_visual_segment":
        # A corrupted embedding: a contiguous quarter to half of the visual part zeroed.
        x = dist.sample(rng, 1)[0]
        length = rng.randint(VISUAL_DIM // 4, VISUAL_DIM // 2)
        start = rng.randint(0, VISUAL_DIM - length)
        x[start : start + length] = 0.0
        return x
    if kind == "wrong_subject_pattern":
        # A normal picture whose subject part is concentrated on subjects this group never draws.
        x = dist.sample(rng, 1)[0]
        picks = rng.choice(dist.rare_subjects, size=2, replace=False)
        p = np.full(SUBJECT_DIM, 0.02 / (SUBJECT_DIM - 2))
        p[picks[0]] = 0.6
        p[picks[1]] = 0.38
        x[VISUAL_DIM:] = p / p.sum()
        return x
    raise ValueError(kind)


def make_validation(dist, others, rng):
    x = dist.sample(rng, N_VAL)
    anomalous_idx = sorted(rng.choice(N_VAL, size=N_ANOMALOUS, replace=False).tolist())
    kinds = ["normal"] * N_VAL
    for j, i in enumerate(anomalous_idx):
        kind = ANOMALY_KINDS[j % len(ANOMALY_KINDS)]
        kinds[i] = kind
        x[i] = make_anomaly(kind, dist, others, rng)
    is_anomaly = np.array([k != "normal" for k in kinds], dtype=np.uint8)
    return x.astype(np.float32), is_anomaly, kinds


# --------------------------------------------------------------------------------------------
# safetensors writer (by hand: 8-byte LE header length, JSON header padded to 8, LE data)
# --------------------------------------------------------------------------------------------


def write_safetensors(path, embeddings, is_anomaly, metadata):
    emb = np.ascontiguousarray(embeddings, dtype="<f4").tobytes()
    lab = np.ascontiguousarray(is_anomaly, dtype=np.uint8).tobytes()
    n = embeddings.shape[0]
    header = {
        "embeddings": {"dtype": "F32", "shape": [n, INPUT_DIM], "data_offsets": [0, len(emb)]},
        "is_anomaly": {"dtype": "U8", "shape": [n], "data_offsets": [len(emb), len(emb) + len(lab)]},
        "__metadata__": metadata,
    }
    assert all(isinstance(v, str) for v in metadata.values())
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        f.write(emb)
        f.write(lab)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (hlen,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + hlen].decode("utf-8"))
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dt = {"F32": "<f4", "U8": "u1"}[info["dtype"]]
        out[name] = np.frombuffer(data[base + a : base + b], dtype=dt).reshape(info["shape"])
    assert base + max(i["data_offsets"][1] for k, i in header.items() if k != "__metadata__") == len(data)
    return out, header.get("__metadata__", {})
