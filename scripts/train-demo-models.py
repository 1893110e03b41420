#!/usr/bin/python3
"""Train the demo age-group autoencoders that Drawbridge seeds on first start.

Run with Debian's PyTorch (1.13):  npm run demo:train
                              ==  /usr/bin/python3 scripts/train-demo-models.py

For each age group (2-3, 3-4, ..., 8-9, 9-12) this script
  1. synthesizes 832-dim drawing embeddings (768 visual + 64 subject) from a
     per-age-group low-dimensional manifold, a 2000-sample normal training set
     and a 100-sample validation set with 15 labelled anomalies of four kinds;
  2. trains AutoencoderModel(input_dim=832, hidden_dims=[128, 64]) with
     Adam/MSE, exactly the architecture of the original pipeline;
  3. writes prisma/demo/age-<min>-<max>.pth (the original checkpoint layout),
     prisma/demo/age-<min>-<max>.validation.safetensors and
     prisma/demo/manifest.json (training job + report per group);
  4. checks that every model separates anomalies from normal samples and
     prints a table.

Everything is seeded; with one CPU thread the checkpoints and validation files
are byte-identical from run to run. Only `training_time_seconds` in the
manifest is measured (wall clock).
"""

import hashlib
import json
import math
import os
import struct
import sys
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import torch
import torch.nn as nn
from demo_data import (  # scripts/ is on sys.path when this file runs
    ANOMALY_KINDS,
    AgeGroupDistribution,
    INPUT_DIM,
    LATENT_POOL,
    MEAN_SCALE,
    N_ANOMALOUS,
    N_VAL,
    SUBJECT_DIM,
    VISUAL_DIM,
    World,
    make_anomaly,
    make_validation,
    read_safetensors,
    write_safetensors,
)

# --------------------------------------------------------------------------------------------
# The original pipeline's model (kept inline: scripts/autoencoder.py is not part of this job).
# --------------------------------------------------------------------------------------------


class AutoencoderModel(nn.Module):
    """encoder: per hidden dim Linear → ReLU → Dropout; decoder mirrors it, last layer bare Linear."""

    def __init__(self, input_dim, hidden_dims, dropout_rate=0.1):
        super().__init__()
        self.input_dim = input_dim
        self.hidden_dims = list(hidden_dims)
        self.dropout_rate = dropout_rate

        enc = []
        prev = input_dim
        for h in self.hidden_dims:
            enc += [nn.Linear(prev, h), nn.ReLU(), nn.Dropout(dropout_rate)]
            prev = h
        self.encoder = nn.Sequential(*enc)

        dec = []
        dims = list(reversed(self.hidden_dims[:-1])) + [input_dim]
        for i, h in enumerate(dims):
            dec.append(nn.Linear(prev, h))
            if i < len(dims) - 1:
                dec += [nn.ReLU(), nn.Dropout(dropout_rate)]
            prev = h
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        return self.decoder(self.encoder(x))


# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "prisma", "demo")

AGE_GROUPS = [(2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9), (9, 12)]
HIDDEN_DIMS = [128, 64]
DROPOUT = 0.1

N_TRAIN = 2000

GLOBAL_SEED = 20261102
EPOCHS = 25
BATCH_SIZE = 64
LR = 3e-3
WEIGHT_DECAY = 0.0

BASE_TIME = datetime(2026, 11, 2, 9, 0, 0, tzinfo=timezone.utc)

# Subject vocabulary (index → name) recorded in the validation metadata; 64 entries.
SUBJECTS = [
    "person", "family", "house", "sun", "tree", "flower", "dog", "cat", "car", "scribble",
    "rainbow", "cloud", "bird", "fish", "ball", "heart", "star", "moon", "boat", "train",
    "butterfly", "horse", "monster", "robot", "castle", "dragon", "superhero", "princess",
    "school", "playground", "beach", "mountain", "forest", "city", "rocket", "planet",
    "dinosaur", "truck", "airplane", "bicycle", "farm", "zoo", "garden", "snowman", "birthday",
    "food", "sports", "music", "portrait", "self_portrait", "friends", "teacher", "map",
    "comic", "landscape", "underwater", "space", "fantasy", "animal_other", "vehicle_other",
    "abstract", "pattern", "text", "other",
]
assert len(SUBJECTS) == SUBJECT_DIM


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def r6(x):
    """Round to 6 significant digits (stable, readable JSON)."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.6g}")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()




# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


def per_sample_mse(model, x):
    model.eval()
    with torch.no_grad():
        return ((model(x) - x) ** 2).mean(dim=1)


def train_group(age_min, age_max, train_x, val_x, val_anom, seed):
    torch.manual_seed(seed)
    model = AutoencoderModel(INPUT_DIM, HIDDEN_DIMS, DROPOUT)
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    loss_fn = nn.MSELoss()
    gen = torch.Generator().manual_seed(seed)
    xt = torch.from_numpy(train_x)
    xv_normal = torch.from_numpy(val_x[val_anom == 0])
    train_losses, val_losses = [], []
    t0 = time.perf_counter()
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(xt.shape[0], generator=gen)
        total, count = 0.0, 0
        for i in range(0, xt.shape[0], BATCH_SIZE):
            xb = xt[perm[i : i + BATCH_SIZE]]
            opt.zero_grad()
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.item() * xb.shape[0]
            count += xb.shape[0]
        train_losses.append(total / count)
        val_losses.append(per_sample_mse(model, xv_normal).mean().item())
    elapsed = time.perf_counter() - t0
    return model, train_losses, val_losses, elapsed


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)

    world = World(GLOBAL_SEED)
    dists = [AgeGroupDistribution(world, a, b, GLOBAL_SEED + 100 * i + 1) for i, (a, b) in enumerate(AGE_GROUPS)]

    groups = []
    rows = []
    for gi, ((age_min, age_max), dist) in enumerate(zip(AGE_GROUPS, dists)):
        tag = f"age-{age_min}-{age_max}"
        seed = GLOBAL_SEED + 1000 * (gi + 1)
        rng = np.random.RandomState(seed)
        train_x = dist.sample(rng, N_TRAIN).astype(np.float32)
        others = [d for d in dists if d is not dist]
        val_x, val_anom, kinds = make_validation(dist, others, rng)

        model, train_losses, val_losses, elapsed = train_group(age_min, age_max, train_x, val_x, val_anom, seed)

        errs = per_sample_mse(model, torch.from_numpy(val_x)).numpy().astype(np.float64)
        normal_e, anom_e = errs[val_anom == 0], errs[val_anom == 1]
        train_e = per_sample_mse(model, torch.from_numpy(train_x)).numpy().astype(np.float64)
        threshold = float(np.percentile(normal_e, 95))
        predicted = errs > threshold
        accuracy = float(np.mean(predicted == (val_anom == 1)))
        best_epoch = int(np.argmin(val_losses)) + 1
        kind_medians = {
            k: r6(np.median(errs[[i for i, kk in enumerate(kinds) if kk == k]])) for k in ANOMALY_KINDS
        }

        training_config = {
            "learning_rate": LR,
            "epochs": EPOCHS,
            "batch_size": BATCH_SIZE,
            "seed": seed,
            "optimizer": "adam",
            "weight_decay": WEIGHT_DECAY,
            "loss": "mse",
            "dropout_rate": DROPOUT,
            "hidden_dims": HIDDEN_DIMS,
            "input_dim": INPUT_DIM,
            "train_samples": N_TRAIN,
            "age_group_min": age_min,
            "age_group_max": age_max,
        }
        ckpt_name = f"{tag}.pth"
        ckpt_path = os.path.join(OUT_DIR, ckpt_name)
        torch.save(
            {
                "model_state_dict": model.state_dict(),
                "model_architecture": {
                    "input_dim": INPUT_DIM,
                    "hidden_dims": HIDDEN_DIMS,
                    "dropout_rate": DROPOUT,
                    "model_type": "autoencoder",
                },
                "training_config": training_config,
            },
            ckpt_path,
        )

        val_name = f"{tag}.validation.safetensors"
        val_path = os.path.join(OUT_DIR, val_name)
        write_safetensors(
            val_path,
            val_x,
            val_anom,
            {
                "age_group_min": str(age_min),
                "age_group_max": str(age_max),
                "samples": str(N_VAL),
                "anomalies": str(int(val_anom.sum())),
                "anomaly_kinds": json.dumps(kinds),
                "layout": json.dumps({"visual": [0, VISUAL_DIM], "subject": [VISUAL_DIM, INPUT_DIM]}),
                "subjects": json.dumps(SUBJECTS),
                "generator": "scripts/train-demo-models.py",
                "seed": str(seed),
                "description": "Synthetic 832-dim drawing embeddings (768 unit-norm visual + 64 subject "
                "probabilities); is_anomaly=1 marks the injected anomalies.",
            },
        )

        start = BASE_TIME + timedelta(minutes=45 * gi)
        end = start + timedelta(minutes=18 + 3 * gi)
        groups.append(
            {
                "age_group_min": age_min,
                "age_group_max": age_max,
                "job_name": f"autoencoder-{tag}-2026-11",
                "environment": "local",
                "status": "completed",
                "config_parameters": training_config,
                "dataset_path": f"synthetic://drawings/{tag}/train",
                "start_time": iso(start),
                "end_time": iso(end),
                "sample_count": N_TRAIN,
                "threshold": r6(threshold),
                "report": {
                    "final_loss": r6(train_losses[-1]),
                    "validation_accuracy": r6(accuracy),
                    "best_epoch": best_epoch,
                    "training_time_seconds": round(elapsed, 2),
                    "metrics_summary": {
                        "train_loss": [r6(v) for v in train_losses],
                        "val_loss": [r6(v) for v in val_losses],
                        "threshold_p95": r6(threshold),
                        "threshold_basis": "95th percentile of reconstruction MSE of the normal validation samples",
                        "normal_error_median": r6(np.median(normal_e)),
                        "anomalous_error_median": r6(np.median(anom_e)),
                        "separation_ratio": r6(np.median(anom_e) / np.median(normal_e)),
                        "train_error_median": r6(np.median(train_e)),
                        "train_error_p95": r6(np.percentile(train_e, 95)),
                        "anomalies_above_threshold": int((anom_e > threshold).sum()),
                        "anomalies_total": int(len(anom_e)),
                        "anomalous_error_median_by_kind": kind_medians,
                        "validation_samples": N_VAL,
                    },
                },
                "files": {
                    "checkpoint": {
                        "path": ckpt_name,
                        "sha256": sha256_file(ckpt_path),
                        "size_bytes": os.path.getsize(ckpt_path),
                    },
                    "validation": {
                        "path": val_name,
                        "sha256": sha256_file(val_path),
                        "size_bytes": os.path.getsize(val_path),
                        # torch's per-sample reconstruction MSE, for cross-checking other readers.
                        "reconstruction_errors": [r6(e) for e in errs],
                    },
                },
            }
        )
        rows.append((tag, np.median(normal_e), np.median(anom_e), threshold, int((anom_e > threshold).sum()),
                     len(anom_e), accuracy, elapsed))
        print(f"{tag}: trained in {elapsed:.1f}s, final loss {train_losses[-1]:.3g}", flush=True)

    manifest = {
        "format": "drawbridge-demo-manifest/1",
        "generator": "scripts/train-demo-models.py",
        "torch_version": torch.__version__.split("+")[0],
        "embedding": {"input_dim": INPUT_DIM, "visual_dims": VISUAL_DIM, "subject_dims": SUBJECT_DIM},
        "groups": groups,
    }
    with open(os.path.join(OUT_DIR, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")

    verify(manifest)

    print()
    print("| group | normal median MSE | anomalous median MSE | ratio | p95 threshold | anomalies > p95 | val accuracy |")
    print("|---|---|---|---|---|---|---|")
    for tag, nm, am, thr, above, tot, acc, _ in rows:
        print(f"| {tag} | {nm:.3e} | {am:.3e} | {am / nm:.1f}× | {thr:.3e} | {above}/{tot} | {acc:.2f} |")
    total = sum(os.path.getsize(os.path.join(OUT_DIR, f)) for f in os.listdir(OUT_DIR))
    print(f"\nprisma/demo total: {total / 1e6:.2f} MB; training time {sum(r[-1] for r in rows):.1f}s")
    assert total < 12e6, "prisma/demo must stay under 12 MB"


def verify(manifest):
    """Reload every file from disk and re-check separation with a fresh model."""
    for g in manifest["groups"]:
        ck = os.path.join(OUT_DIR, g["files"]["checkpoint"]["path"])
        vp = os.path.join(OUT_DIR, g["files"]["validation"]["path"])
        assert sha256_file(ck) == g["files"]["checkpoint"]["sha256"]
        assert sha256_file(vp) == g["files"]["validation"]["sha256"]
        state = torch.load(ck, map_location="cpu")
        arch = state["model_architecture"]
        model = AutoencoderModel(arch["input_dim"], arch["hidden_dims"], arch["dropout_rate"])
        model.load_state_dict(state["model_state_dict"])
        keys = list(state["model_state_dict"].keys())
        assert keys == [
            "encoder.0.weight", "encoder.0.bias", "encoder.3.weight", "encoder.3.bias",
            "decoder.0.weight", "decoder.0.bias", "decoder.3.weight", "decoder.3.bias",
        ], keys
        tensors, meta = read_safetensors(vp)
        x = torch.from_numpy(np.array(tensors["embeddings"]))
        lab = np.array(tensors["is_anomaly"])
        assert x.shape == (N_VAL, INPUT_DIM) and int(lab.sum()) == N_ANOMALOUS
        assert json.loads(meta["anomaly_kinds"]).count("normal") == N_VAL - N_ANOMALOUS
        errs = per_sample_mse(model, x).numpy()
        normal_e, anom_e = errs[lab == 0], errs[lab == 1]
        ratio = np.median(anom_e) / np.median(normal_e)
        thr = np.percentile(normal_e, 95)
        above = int((anom_e > thr).sum())
        name = f"age-{g['age_group_min']}-{g['age_group_max']}"
        assert ratio >= 3.0, f"{name}: median anomalous/normal ratio {ratio:.2f} < 3"
        assert above >= int(math.ceil(0.8 * len(anom_e))), f"{name}: only {above}/{len(anom_e)} anomalies above p95"
        ref = np.array(g["files"]["validation"]["reconstruction_errors"])
        assert np.allclose(errs, ref, rtol=1e-5, atol=0), f"{name}: reloaded errors differ"


if __name__ == "__main__":
    sys.exit(main())
