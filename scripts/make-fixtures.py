#!/usr/bin/python3
"""Generate the lib/formats test fixtures with real PyTorch (Debian python3-torch 1.13).

Usage:
  /usr/bin/python3 scripts/make-fixtures.py              # writes lib/formats/fixtures/ (committed, < 3 MB)
  /usr/bin/python3 scripts/make-fixtures.py --large DIR  # writes the 832-[512,256,128,64] model (7.6 MB) to DIR

Deterministic: seeded, fixed zip timestamps. Malicious payloads only ever `touch /tmp/drawbridge-pwned-<name>`;
each one is proven live by running a copy (with a different, self-test marker) through the real unpickler
in a subprocess before the real file is written. The payload, zip and hand-pickling builders are in
scripts/fixture_payloads.py; this file says which fixtures exist and writes them.
"""
import base64
import collections
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib

import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from autoencoder import AutoencoderModel  # noqa: E402 (found through the path set just above)
from fixture_payloads import (  # noqa: E402 (likewise)
    FakeStorage, FakeTensor, Reduce, crafted_torch_zip, evil_pickles, patch_all, prove_live, read_entries, write_zip,
)
OUT = os.path.join(ROOT, "lib", "formats", "fixtures")
MAL = os.path.join(OUT, "malicious")


def b64(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype("<f4").tobytes()).decode()


def make_model(seed, input_dim, hidden_dims):
    torch.manual_seed(seed)
    m = AutoencoderModel(input_dim, hidden_dims)
    with torch.no_grad():  # non-trivial biases
        for p in m.parameters():
            if p.dim() == 1:
                p.uniform_(-0.2, 0.2)
    return m.eval()


def save_model(path, name, input_dim, hidden_dims, dtype="float32", layout="original", seed=0, batch=5):
    m = make_model(seed, input_dim, hidden_dims)
    tdt = {"float32": torch.float32, "float16": torch.float16, "float64": torch.float64, "bfloat16": torch.bfloat16}[dtype]
    sd = collections.OrderedDict((k, v.to(tdt)) for k, v in m.state_dict().items())
    sd._metadata = m.state_dict()._metadata  # what model.state_dict() carries (exercises BUILD)
    if layout == "original":
        obj = {
            "model_state_dict": sd,
            "model_architecture": {"input_dim": input_dim, "hidden_dims": list(hidden_dims), "dropout_rate": 0.1, "model_type": "autoencoder"},
            "training_config": {"epochs": 3, "learning_rate": 1e-3, "batch_size": 32, "age_group": [3.0, 4.0], "seed": seed, "early_stopping": True, "notes": None},
        }
    else:
        obj = sd
    torch.save(obj, os.path.join(path, name + ".pth"))
    # Reference: PyTorch float32 forward of the weights as our reader sees them (converted to float32).
    ref = AutoencoderModel(input_dim, hidden_dims).eval()
    ref.load_state_dict({k: v.float() for k, v in sd.items()})
    g = torch.Generator().manual_seed(seed + 1000)
    x = torch.randn(batch, input_dim, generator=g)
    with torch.no_grad():
        y = ref(x)
    err = ((y - x) ** 2).mean(dim=1)
    n_params = sum(p.numel() for p in ref.parameters())
    with open(os.path.join(path, name + ".forward.json"), "w") as f:
        json.dump({
            "name": name, "input_dim": input_dim, "hidden_dims": list(hidden_dims), "dtype": dtype, "layout": layout,
            "parameter_count": n_params, "keys": list(sd.keys()), "batch": batch,
            "reference": "PyTorch %s float32 forward (eval mode) of the weights converted to float32" % torch.__version__,
            "input_f32le_b64": b64(x), "output_f32le_b64": b64(y), "errors_f32le_b64": b64(err),
        }, f, indent=1)
        f.write("\n")


def tiny_state_dict_zip(path):
    """A small valid checkpoint (1-hidden autoencoder) to start tampering from."""
    m = make_model(7, 8, [4])
    torch.save(m.state_dict(), path)
    return read_entries(path)


def torch_evil(path, evil):
    m = make_model(3, 16, [8])
    torch.save({"model_state_dict": m.state_dict(), "model_architecture": {"input_dim": 16, "hidden_dims": [8]}, "training_config": {"note": evil}}, path)


def main_fixtures():
    os.makedirs(MAL, exist_ok=True)
    for d in (OUT, MAL):
        for f in os.listdir(d):
            if f != "README.md" and os.path.isfile(os.path.join(d, f)):
                os.remove(os.path.join(d, f))

    # ---- valid models
    models = [
        ("ae-32-16", 32, [16], "float32", "original"),
        ("ae-64-32-16-sd", 64, [32, 16], "float32", "state_dict"),
        ("ae-1024-16", 1024, [16], "float32", "original"),
        ("ae-48-512-16", 48, [512, 16], "float32", "original"),
        ("ae-256-128-64-32-16", 256, [128, 64, 32, 16], "float32", "original"),
        ("ae-96-48-24-f16", 96, [48, 24], "float16", "original"),
        ("ae-96-48-24-f64-sd", 96, [48, 24], "float64", "state_dict"),
        ("ae-64-32-bf16", 64, [32], "bfloat16", "original"),
    ]
    for i, (name, d, h, dt, lay) in enumerate(models):
        save_model(OUT, name, d, h, dt, lay, seed=i + 1)

    # ---- valid variants
    write_plain_pickles()
    torch.save(make_model(11, 16, [8]).state_dict(), os.path.join(OUT, "legacy.pth"), _use_new_zipfile_serialization=False)
    m = make_model(12, 16, [8])
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    m.train()
    loss = m(torch.randn(4, 16)).pow(2).mean()
    loss.backward()
    opt.step()
    m.eval()
    torch.save({"model_state_dict": m.state_dict(), "optimizer_state_dict": opt.state_dict(), "epoch": 1, "loss": float(loss),
                "model_architecture": {"input_dim": 16, "hidden_dims": [8]}, "training_config": {}, "metadata": {"age_group_min": 3, "age_group_max": 4}},
               os.path.join(OUT, "with-optimizer.pth"))
    torch.save(make_model(13, 16, [8]).state_dict(keep_vars=True), os.path.join(OUT, "parameters-keep-vars.pth"))
    write_zip(os.path.join(OUT, "zip64.pth"), read_entries(os.path.join(OUT, "ae-32-16.pth")), force_zip64=True)
    write_zip(os.path.join(OUT, "deflated.pth"), read_entries(os.path.join(OUT, "ae-32-16.pth")), compress=zipfile.ZIP_DEFLATED)

    # ---- non-contiguous views: accepted, gathered to C order
    torch.manual_seed(21)
    base = torch.randn(6, 5)
    torch.save(collections.OrderedDict([("transposed", base.t()), ("column", base[:, 1]), ("strided", base[::2, 1:4])]),
               os.path.join(MAL, "non-contiguous.pth"))
    with open(os.path.join(MAL, "non-contiguous.expected.json"), "w") as f:
        json.dump({k: {"shape": list(v.shape), "f32le_b64": b64(v)} for k, v in
                   [("transposed", base.t()), ("column", base[:, 1]), ("strided", base[::2, 1:4])]}, f, indent=1)

    # ---- malicious pickles, raw and inside torch zips
    for name in evil_pickles("x"):
        live = evil_pickles("/tmp/drawbridge-fixture-selftest-" + name)[name]
        prove_live(live, name)
        with open(os.path.join(MAL, name + ".pkl"), "wb") as f:
            f.write(evil_pickles("/tmp/drawbridge-pwned-" + name)[name])

    import builtins
    import importlib
    torch_cases = {
        "torch-os-system": lambda mk: Reduce(os.system, ("touch " + mk,)),
        "torch-builtins-eval": lambda mk: Reduce(builtins.eval, ("__import__('os').system(%r)" % ("touch " + mk),)),
        "torch-subprocess-popen": lambda mk: Reduce(subprocess.Popen, (["touch", mk],)),
        "torch-importlib-import-module": lambda mk: Reduce(importlib.import_module, ("os",)),
    }
    for name, mk in torch_cases.items():
        if name != "torch-importlib-import-module":
            tmp = "/tmp/drawbridge-fixture-selftest.pth"
            torch_evil(tmp, mk("/tmp/drawbridge-fixture-selftest-" + name))
            prove_live(open(tmp, "rb").read(), name, via_torch=True)
            os.remove(tmp)
        torch_evil(os.path.join(MAL, name + ".pth"), mk("/tmp/drawbridge-pwned-" + name))

    good = pickle.dumps({"a": 1, "b": [1.5, "x"]}, protocol=2)
    evil = evil_pickles("/tmp/drawbridge-pwned-trailing-after-stop")["os-system.p2"]
    with open(os.path.join(MAL, "trailing-after-stop.pkl"), "wb") as f:
        f.write(good + evil)
    with open(os.path.join(MAL, "truncated.pkl"), "wb") as f:
        f.write(good[:-1])
    with open(os.path.join(MAL, "broken-after-data.pkl"), "wb") as f:
        f.write(good[:-2] + b"\xff" + good[-2:])
    ents = tiny_state_dict_zip("/tmp/drawbridge-tiny.pth")
    ents = [(n, d + evil_pickles("/tmp/drawbridge-pwned-torch-trailing")["os-system.p2"] if n.endswith("/data.pkl") else d) for n, d in ents]
    write_zip(os.path.join(MAL, "torch-trailing-after-stop.pth"), ents)

    # ---- zip structure attacks (all start from a valid tiny checkpoint)
    base_entries = tiny_state_dict_zip("/tmp/drawbridge-tiny.pth")
    os.remove("/tmp/drawbridge-tiny.pth")
    prefix = base_entries[0][0].split("/")[0]
    for fname, evil_name in [
        ("zip-slip-dotdot.zip", prefix + "/../../../tmp/drawbridge-pwned-zip-slip"),
        ("zip-slip-absolute.zip", "/tmp/drawbridge-pwned-zip-slip"),
        ("zip-slip-backslash.zip", prefix + "\\..\\..\\drawbridge-pwned-zip-slip"),
        ("zip-slip-drive.zip", "C:/drawbridge-pwned-zip-slip"),
    ]:
        write_zip(os.path.join(MAL, fname), base_entries + [(evil_name, b"pwned")])
    p = os.path.join(MAL, "zip-slip-nul.zip")
    write_zip(p, base_entries + [(prefix + "/data.pklQ.txt", b"pwned")])
    data = patch_all(open(p, "rb").read(), b"/data.pklQ.txt", b"/data.pkl\x00.txt")
    open(p, "wb").write(data)

    write_zip(os.path.join(MAL, "zip-duplicate.zip"), base_entries + [base_entries[0]])

    p = os.path.join(MAL, "zip-header-mismatch-name.zip")
    write_zip(p, base_entries)
    data = bytearray(open(p, "rb").read())
    i = data.index(b"PK\x03\x04")
    name_at = i + 30
    data[name_at + len(prefix) + 1] = ord("D")  # local header says ".../Data.pkl", central ".../data.pkl"
    open(p, "wb").write(bytes(data))

    p = os.path.join(MAL, "zip-header-mismatch-size.zip")
    write_zip(p, base_entries)
    data = bytearray(open(p, "rb").read())
    i = data.index(b"PK\x03\x04", 1)  # second entry's local header (a storage)
    struct.pack_into("<I", data, i + 22, struct.unpack_from("<I", data, i + 22)[0] + 1)
    open(p, "wb").write(bytes(data))

    p = os.path.join(MAL, "zip-crc-mismatch.zip")
    write_zip(p, base_entries)
    data = bytearray(open(p, "rb").read())
    i = data.index(b"PK\x03\x04", 1)
    n_len, x_len = struct.unpack_from("<HH", data, i + 26)
    data[i + 30 + n_len + x_len] ^= 0x01  # flip a bit in the first storage's data
    open(p, "wb").write(bytes(data))

    # zip bomb: 200 MB of zeros deflated (~200 KB); and a variant that lies about its size
    bomb = [(prefix + "/data.pkl", base_entries[0][1]), (prefix + "/data/0", bytes(200 * 1024 * 1024))]
    write_zip(os.path.join(MAL, "zip-bomb.zip"), bomb, compress=zipfile.ZIP_DEFLATED)
    data = bytearray(open(os.path.join(MAL, "zip-bomb.zip"), "rb").read())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while True:
            j = data.find(sig, start)
            if j < 0:
                break
            if struct.unpack_from("<I", data, j + off)[0] == 200 * 1024 * 1024:
                struct.pack_into("<I", data, j + off, 1024 * 1024)
            start = j + 4
    open(os.path.join(MAL, "zip-bomb-lying-size.zip"), "wb").write(bytes(data))

    # overlapping entries: entry A's data is widened to swallow entry B's local header
    p = os.path.join(MAL, "zip-overlap.zip")
    write_zip(p, [(prefix + "/a", b"A" * 64), (prefix + "/b", b"B" * 64)])
    data = bytearray(open(p, "rb").read())
    a = data.index(b"PK\x03\x04")
    b = data.index(b"PK\x03\x04", a + 1)
    n_len, x_len = struct.unpack_from("<HH", data, a + 26)
    a_data = a + 30 + n_len + x_len
    b_n, b_x = struct.unpack_from("<HH", data, b + 26)
    new_size = (b + 30 + b_n + b_x + 64) - a_data
    crc = zlib.crc32(bytes(data[a_data:a_data + new_size]))
    c = data.index(b"PK\x01\x02")
    struct.pack_into("<III", data, a + 14, crc, new_size, new_size)
    struct.pack_into("<III", data, c + 16, crc, new_size, new_size)
    open(p, "wb").write(bytes(data))

    # ---- torch-level problems
    ents = [(n, d[:-4] if n.endswith("/data/0") else d) for n, d in base_entries]
    write_zip(os.path.join(MAL, "storage-size-mismatch.pth"), ents)
    write_zip(os.path.join(MAL, "big-endian.pth"), [(n, d) for n, d in base_entries] + [(prefix + "/byteorder", b"big")])
    write_zip(os.path.join(MAL, "missing-storage.pth"), [(n, d) for n, d in base_entries if not n.endswith("/data/0")])
    st = FakeStorage("0", 12)
    crafted_torch_zip(os.path.join(MAL, "tensor-out-of-bounds.pth"),
                      collections.OrderedDict([("encoder.0.weight", FakeTensor(st, 0, [4, 4], [4, 1]))]),
                      {"0": bytes(48)})
    crafted_torch_zip(os.path.join(MAL, "tensor-huge-stride0.pth"),
                      collections.OrderedDict([("w", FakeTensor(st, 0, [1 << 20, 1 << 12], [0, 0]))]),
                      {"0": bytes(48)})

    class BN(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(16, 8), nn.BatchNorm1d(8), nn.ReLU())
            self.decoder = nn.Sequential(nn.Linear(8, 16))
    torch.manual_seed(31)
    torch.save(BN().state_dict(), os.path.join(MAL, "not-autoencoder-batchnorm.pth"))

    class CNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.fc = nn.Linear(4, 2)
    torch.manual_seed(32)
    torch.save({"model_state_dict": CNN().state_dict(), "model_architecture": {"input_dim": 4}}, os.path.join(MAL, "not-autoencoder-cnn.pth"))
    m = make_model(33, 16, [8, 4])
    torch.save({"model_state_dict": m.state_dict(), "model_architecture": {"input_dim": 16, "hidden_dims": [8, 2]}, "training_config": {}},
               os.path.join(MAL, "architecture-mismatch.pth"))
    torch.save({"model_state_dict": m.state_dict(), "model_architecture": {"input_dim": 832, "hidden_dims": [8, 4]}, "training_config": {}},
               os.path.join(MAL, "architecture-mismatch-input.pth"))
    scripted = torch.jit.script(make_model(34, 8, [4]))
    scripted.save(os.path.join(MAL, "torchscript.pt"))


def plain_values():
    shared = [1, 2]
    return {
        "str": "h\u00e9llo \u2603 \\ back\nslash\r\x1a\x00", "empty": "",
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**53 - 1, 2**53, -2**63, 2**64 + 1, 10**30],
        "floats": [0.0, -0.5, 1e100, 3.14159, float("inf"), float("-inf"), float("nan")],
        "bools": [True, False], "none": None, "tuple": (1, "a", (2,)), "empty_tuple": (),
        "bytes": b"\x00\x01\xfe\\\n", "empty_bytes": b"", "bytearray": bytearray(b"ab\x00\xff"),
        "od": collections.OrderedDict([("z", 1), ("a", 2)]), "intkeys": {1: "one", 2: "two"},
        "shared1": shared, "shared2": shared, "nested": {"x": {"y": [[], {}]}},
    }


def write_plain_pickles():
    for proto in range(0, 6):
        with open(os.path.join(OUT, "plain-values.p%d.pkl" % proto), "wb") as f:
            f.write(pickle.dumps(plain_values(), protocol=proto))


def main_large(out):
    os.makedirs(out, exist_ok=True)
    save_model(out, "ae-832-512-256-128-64", 832, [512, 256, 128, 64], "float32", "original", seed=99, batch=8)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--large":
        main_large(sys.argv[2])
    elif len(sys.argv) == 1:
        main_fixtures()
    else:
        raise SystemExit(__doc__)
