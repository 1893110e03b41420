"""The hostile-file builders behind scripts/make-fixtures.py: deterministic zips, hand-assembled pickles
whose opcodes call os.system & co., a check that each payload really runs under the real unpickler,
and torch zips pickled by hand so that tensors no real torch.save would write can be tested.

Kept apart from the model fixtures so the payload code is in one place to read and audit: every payload
only ever touches the marker path it is given.
"""
import collections
import io
import os
import pickle
import struct
import subprocess
import sys
import zipfile

import torch

# Fixed zip timestamps, so regenerated fixtures are byte-identical.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------------------------------------- zips

def read_entries(path):
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def write_zip(path, entries, compress=zipfile.ZIP_STORED, force_zip64=False):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zi.compress_type = compress
            with z.open(zi, "w", force_zip64=force_zip64) as w:
                w.write(data)


# ----------------------------------------------------------------------------------------- pickles

def op_str(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def call_p2(module, name, arg_ops):
    """GLOBAL module.name applied to the args built by arg_ops (a tuple opcode sequence)."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n" + arg_ops + b"R"


def call_p4(module, name, arg_ops):
    return op_str(module) + op_str(name) + b"\x93" + arg_ops + b"R"


def evil_pickles(marker):
    """name → pickle bytes (protocol 2 via GLOBAL, protocol 4 via STACK_GLOBAL), each touching `marker`."""
    cmd = "touch " + marker
    out = {}
    for proto, call, head in (("p2", call_p2, b"\x80\x02"), ("p4", call_p4, b"\x80\x04")):
        out["os-system." + proto] = head + call("os", "system", op_str(cmd) + b"\x85") + b"."
        out["builtins-eval." + proto] = head + call("builtins", "eval", op_str("__import__('os').system(%r)" % cmd) + b"\x85") + b"."
        # importlib.import_module('os') first (memo 0), then getattr(memo0, 'system')(cmd)
        out["importlib-import-module." + proto] = (
            head + call("importlib", "import_module", op_str("os") + b"\x85") + b"q\x00" + b"0"
            + call("builtins", "getattr", b"h\x00" + op_str("system") + b"\x86") + op_str(cmd) + b"\x85R."
        )
        out["subprocess-popen." + proto] = head + call("subprocess", "Popen", b"](" + op_str("touch") + op_str(marker) + b"e\x85") + b"."
    return out


def prove_live(data, name, via_torch=False):
    """Run the payload (with a self-test marker) through the real unpickler; it must create the marker."""
    marker = "/tmp/drawbridge-fixture-selftest-" + name
    if os.path.exists(marker):
        os.remove(marker)
    tmp = "/tmp/drawbridge-fixture-selftest-input"
    with open(tmp, "wb") as f:
        f.write(data)
    code = "import pickle,sys;pickle.loads(open(sys.argv[1],'rb').read())"
    if via_torch:
        code = "import torch,sys;torch.load(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, tmp], capture_output=True, timeout=60)
    import time
    for _ in range(50):  # Popen is asynchronous
        if os.path.exists(marker):
            break
        time.sleep(0.05)
    ok = os.path.exists(marker)
    if ok:
        os.remove(marker)
    os.remove(tmp)
    if not ok:
        raise SystemExit("self-test: payload %s did not execute under the real unpickler" % name)


class Reduce:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class FakeStorage:
    def __init__(self, key, numel, stype="FloatStorage"):
        self.key, self.numel, self.stype = key, numel, stype


class FakeTensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


def crafted_torch_zip(path, obj, storages):
    """A torch-format zip whose data.pkl is pickled by hand (lets us write impossible tensors)."""
    buf = io.BytesIO()

    class P(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, FakeStorage):
                return ("storage", getattr(torch, o.stype), o.key, "cpu", o.numel)
            return None

    P(buf, protocol=2).dump(obj)
    entries = [("archive/data.pkl", buf.getvalue())] + [("archive/data/" + k, v) for k, v in storages.items()] + [("archive/version", b"3\n")]
    write_zip(path, entries)


def patch_all(data, old, new):
    assert data.count(old) >= 1, old
    return data.replace(old, new)
