#!/usr/bin/python3
"""Build kiln's example models and their reference test data.

Run through examples/regenerate.sh, which calls this in two stages:

  /usr/bin/python3 make_models.py build  REFDIR
      builds every model (seeded), exports examples/<name>/model.onnx
      (torch.onnx.export, opset 13, batch 1, static shapes), writes
      examples/<name>/test_data_set_0/input_<i>.pb and stores the PyTorch
      outputs plus some metadata in REFDIR (a scratch directory).
      Also trains digits_cnn and writes digits_cnn/test_{x,y}.npy.

  (regenerate.sh then runs run_ort.js to produce output_<i>.pb with
   onnxruntime-node, and the ORT test-set accuracy for digits_cnn)

  /usr/bin/python3 make_models.py verify REFDIR
      onnx.checker + strict shape inference (all shapes static), compares the
      ORT outputs with the PyTorch outputs (fails loudly on mismatch), lists
      op types, and writes examples/README.md and digits_cnn/accuracy.txt.

Requires Debian's python3-torch (1.13), python3-onnx (1.12), numpy, sklearn.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
MODELS = ["kws_dscnn", "vww_mobilenetv1", "ic_resnet8", "ad_autoencoder",
          "digits_cnn", "audio_frontend", "mlp_layernorm"]

# ORT vs PyTorch tolerance: max|ort - torch| / max(max|torch|, 1e-3).
REL_TOL = 1e-4

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def seed(s):
    torch.manual_seed(s)
    np.random.seed(s)


# --------------------------------------------------------------------------
# helpers for random-but-meaningful weights
# --------------------------------------------------------------------------
def calibrate_bn(model, calib_x):
    """Give every BatchNorm non-trivial affine params and running stats.

    gamma ~ U(0.5, 1.5), beta ~ U(-0.3, 0.3); running mean/var are the batch
    statistics of a calibration batch (so activations stay O(1) through deep
    stacks), then perturbed (mean +- 0.2 std, var * U(0.7, 1.4)) so they are
    not exactly the statistics of any particular input.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.3, 0.3)
            bn.reset_running_stats()
            bn.momentum = 1.0
        model.train()
        model(calib_x)
        model.eval()
        for bn in bns:
            bn.momentum = 0.1
            std = bn.running_var.sqrt()
            bn.running_mean.add_(0.2 * std * torch.randn_like(std))
            bn.running_var.mul_(torch.empty_like(std).uniform_(0.7, 1.4))


def rescale_output(model, layer, calib_x, target_std=2.0):
    """Scale the last linear layer so outputs have std ~target_std."""
    model.eval()
    with torch.no_grad():
        s = model(calib_x).std().item()
        layer.weight.mul_(target_std / s)
        if layer.bias is not None:
            layer.bias.mul_(target_std / s)


from model_zoo import AudioFrontend, DigitsCnn, FcAutoencoder, KwsDsCnn, MlpLayerNorm, MobileNetV1, ResNet8


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def digits_split():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None, :, :]
    y = d.target.astype(np.int64)
    return train_test_split(x, y, test_size=0.25, random_state=0)


def train_digits(model, xtr, ytr, epochs=40, batch=32, lr=3e-3):
    g = torch.Generator().manual_seed(1234)
    xtr, ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
        sched.step()
    model.eval()


def audio_waveform(n, rng):
    """A few random tones + noise, in [-1, 1]."""
    t = np.arange(n) / 16000.0
    w = np.zeros(n)
    for _ in range(3):
        f = rng.uniform(100, 7000)
        w += rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    w += 0.05 * rng.standard_normal(n)
    return np.clip(w, -1, 1).astype(np.float32)



# --------------------------------------------------------------------------
# ONNX post-processing: fold torch's F.pad "pads" computation, merge Pad into Conv
# --------------------------------------------------------------------------
def _np_slice(data, starts, ends, axes=None, steps=None):
    axes = list(range(len(starts))) if axes is None else [int(a) % data.ndim for a in axes]
    steps = [1] * len(starts) if steps is None else list(steps)
    out = data
    for st, en, ax, sp in zip(starts, ends, axes, steps):
        dim = data.shape[ax]
        st, en, sp = int(st), int(en), int(sp)
        st = st + dim if st < 0 else st
        en = en + dim if en < 0 else en
        if sp > 0:
            st, en = min(max(st, 0), dim), min(max(en, 0), dim)
        else:
            st, en = min(max(st, 0), dim - 1), min(max(en, -1), dim - 1)
        out = np.take(out, np.arange(st, en, sp, dtype=np.int64), axis=ax)
    return out


def _eval_const(node, ins):
    a = {x.name: onnx.helper.get_attribute_value(x) for x in node.attribute}
    op = node.op_type
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return np.full(tuple(int(d) for d in ins[0]), v.reshape(-1)[0], dtype=v.dtype)
    if op == "Concat":
        return np.concatenate(ins, axis=a["axis"])
    if op == "Reshape":
        shape = [int(d) if d != 0 else ins[0].shape[i] for i, d in enumerate(ins[1])]
        return ins[0].reshape(shape)
    if op == "Slice":
        return _np_slice(*ins)
    if op == "Transpose":
        return np.transpose(ins[0], a.get("perm"))
    if op == "Cast":
        return ins[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[a["to"]])
    return None


def fold_pad_into_conv(model):
    """torch 1.13 exports nn.ZeroPad2d / F.pad as a chain Constant -> ConstantOfShape
    -> Concat -> Reshape -> Slice -> Transpose -> Reshape -> Cast computing the
    `pads` input of Pad, and its constant folder does not fold it (so ONNX shape
    inference cannot give the Pad output a static shape). Evaluate such constant
    subgraphs with numpy, then merge each zero Pad that feeds a single Conv into
    that Conv's (now asymmetric) `pads` attribute -- what tf2onnx emits for a
    Keras ZeroPadding2D + 'valid' conv. Constant nodes that remain in use (Clip
    bounds, Pow exponents, ...) are left alone."""
    g = model.graph
    const = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == "Constant":
            const[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    folded = []
    for n in g.node:
        if n.op_type in ("ConstantOfShape", "Concat", "Reshape", "Slice", "Transpose", "Cast") \
                and all(i in const for i in n.input if i):
            v = _eval_const(n, [const[i] for i in n.input if i])
            if v is not None:
                const[n.output[0]] = v
                folded.append(n)
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    outputs = {o.name for o in g.output}
    removed = {id(n) for n in folded}
    merged = 0
    for n in g.node:
        if n.op_type != "Pad" or n.input[1] not in const:
            continue
        mode = [onnx.helper.get_attribute_value(x) for x in n.attribute if x.name == "mode"]
        cval = const.get(n.input[2], np.zeros(1)) if len(n.input) > 2 and n.input[2] else np.zeros(1)
        pads = [int(p) for p in const[n.input[1]]]
        users = consumers.get(n.output[0], [])
        if mode not in ([], [b"constant"]) or np.any(cval != 0) or n.output[0] in outputs \
                or len(users) != 1 or users[0].op_type != "Conv" or len(pads) != 8 \
                or any(pads[i] for i in (0, 1, 4, 5)):
            continue
        conv = users[0]
        cp = [x for x in conv.attribute if x.name == "pads"]
        old = list(cp[0].ints) if cp else [0, 0, 0, 0]
        new = [old[0] + pads[2], old[1] + pads[3], old[2] + pads[6], old[3] + pads[7]]
        if cp:
            conv.attribute.remove(cp[0])
        conv.attribute.append(onnx.helper.make_attribute("pads", new))
        conv.input[0] = n.input[0]
        removed.add(id(n))
        merged += 1
    keep = [n for n in g.node if id(n) not in removed]
    # dead-code elimination (unused Constant nodes etc.)
    while True:
        used = {i for n in keep for i in n.input} | outputs
        live = [n for n in keep if any(o in used for o in n.output)]
        if len(live) == len(keep):
            break
        keep = live
    del g.node[:]
    g.node.extend(keep)
    return merged

# --------------------------------------------------------------------------
# build stage
# --------------------------------------------------------------------------
def build_one(name, refdir):
    """Returns (model, example_input ndarray, description, export training mode, extra)."""
    extra = {}
    training = torch.onnx.TrainingMode.EVAL
    if name == "kws_dscnn":
        seed(101)
        model = KwsDsCnn()
        calib = torch.randn(32, 1, 49, 10)
        calibrate_bn(model, calib)
        rescale_output(model, model.fc, calib)
        x = np.random.RandomState(1).standard_normal((1, 1, 49, 10)).astype(np.float32)
        desc = "MLPerf Tiny keyword spotting DS-CNN (49x10 MFCC, 12 classes); BN kept as explicit BatchNormalization nodes"
        # PRESERVE (with the model in eval mode) skips torch's Conv+BN fusion, so
        # the graph keeps explicit BatchNormalization nodes after each Conv.
        training = torch.onnx.TrainingMode.PRESERVE
    elif name == "vww_mobilenetv1":
        seed(102)
        model = MobileNetV1()
        calib = torch.rand(16, 3, 96, 96)
        calibrate_bn(model, calib)
        rescale_output(model, model.fc, calib)
        x = np.random.RandomState(2).uniform(0, 1, (1, 3, 96, 96)).astype(np.float32)
        desc = "MLPerf Tiny visual wake words MobileNetV1 alpha=0.25 (96x96 RGB, 2 classes); BN folded into Conv"
    elif name == "ic_resnet8":
        seed(103)
        model = ResNet8()
        calib = torch.rand(32, 3, 32, 32)
        calibrate_bn(model, calib)
        rescale_output(model, model.fc, calib)
        x = np.random.RandomState(3).uniform(0, 1, (1, 3, 32, 32)).astype(np.float32)
        desc = "MLPerf Tiny image classification ResNet-8 (CIFAR-10 32x32, 10 classes); BN folded into Conv"
    elif name == "ad_autoencoder":
        seed(104)
        model = FcAutoencoder()
        calib = torch.randn(64, 640)
        calibrate_bn(model, calib)
        rescale_output(model, model.out, calib, target_std=1.0)
        x = np.random.RandomState(4).standard_normal((1, 640)).astype(np.float32)
        desc = "MLPerf Tiny anomaly detection FC autoencoder (640->...->8->...->640, BatchNorm1d kept)"
    elif name == "digits_cnn":
        seed(105)
        model = DigitsCnn()
        xtr, xte, ytr, yte = digits_split()
        train_digits(model, xtr, ytr)
        with torch.no_grad():
            pred = model(torch.from_numpy(xte)).argmax(1).numpy()
        acc = float((pred == yte).mean())
        extra = {"torch_accuracy": acc, "correct": int((pred == yte).sum()), "total": int(len(yte)),
                 "n_train": int(len(ytr))}
        np.save(os.path.join(HERE, name, "test_x.npy"), np.ascontiguousarray(xte, dtype=np.float32))
        np.save(os.path.join(HERE, name, "test_y.npy"), yte.astype(np.int64))
        # int8 calibration samples: the first 200 digits of the training split (never the test split)
        np.save(os.path.join(HERE, name, "calib_x.npy"), np.ascontiguousarray(xtr[:200], dtype=np.float32))
        x = xte[0:1].copy()  # a real held-out digit
        desc = "small CNN trained on sklearn 8x8 digits (10 classes)"
    elif name == "audio_frontend":
        seed(106)
        model = AudioFrontend()
        rng = np.random.RandomState(6)
        calib = torch.from_numpy(np.stack([audio_waveform(1024, rng) for _ in range(32)])[:, None, :])
        model.eval()
        with torch.no_grad():  # scale/centre fc1 for typical log-mel values so ReLU matters
            feats = torch.flatten(model.logmel(calib), 1)
            model.fc1.bias.zero_()
            model.fc1.weight.div_(model.fc1(feats).std(0).mean())
            model.fc1.bias.copy_(-model.fc1(feats).mean(0) + 0.3 * torch.randn(32))
        rescale_output(model, model.fc2, calib)
        x = audio_waveform(1024, np.random.RandomState(7))[None, None, :]
        desc = "audio front end: framed DFT as strided Conv1d, power, mel MatMul, Clip floor, Log, FC classifier (raw 1024-sample waveform)"
    elif name == "mlp_layernorm":
        seed(107)
        model = MlpLayerNorm()
        calib = torch.randn(32, 32)
        rescale_output(model, model.fc3, calib, target_std=2.0)
        x = np.random.RandomState(8).standard_normal((1, 32)).astype(np.float32)
        desc = "MLP head with hand-written LayerNorm, MatMul/Gemm, Relu, Tanh, Sigmoid gating, Softmax"
    else:
        raise KeyError(name)
    model.eval()
    return model, x, desc, training, extra


def build(refdir):
    meta = {}
    for name in MODELS:
        os.makedirs(os.path.join(HERE, name, "test_data_set_0"), exist_ok=True)
        model, x, desc, training, extra = build_one(name, refdir)
        path = os.path.join(HERE, name, "model.onnx")
        xt = torch.from_numpy(x)
        with torch.no_grad():
            y = model(xt).numpy()
        torch.onnx.export(model, (xt,), path, opset_version=OPSET, do_constant_folding=True,
                          input_names=["input"], output_names=["output"], training=training,
                          export_params=True, keep_initializers_as_inputs=False)
        m = onnx.load(path)
        merged = fold_pad_into_conv(m)
        if merged:
            print(f"[build] {name}: merged {merged} Pad nodes into Conv pads")
            onnx.save(m, path)
        in_names = [i.name for i in m.graph.input]
        out_names = [o.name for o in m.graph.output]
        assert in_names == ["input"] and out_names == ["output"], (in_names, out_names)
        tdir = os.path.join(HERE, name, "test_data_set_0")
        for f in os.listdir(tdir):
            if f.endswith(".pb"):
                os.remove(os.path.join(tdir, f))
        with open(os.path.join(tdir, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, name=in_names[0]).SerializeToString())
        os.makedirs(os.path.join(refdir, name), exist_ok=True)
        np.save(os.path.join(refdir, name, "output_0.npy"), y)
        n_params = sum(p.numel() for p in model.parameters())
        meta[name] = {"desc": desc, "params": int(n_params), "input_shape": list(x.shape),
                      "output_shape": list(y.shape), **extra}
        print(f"[build] {name}: params={n_params} in={list(x.shape)} out={list(y.shape)} "
              f"out range [{y.min():.4g}, {y.max():.4g}] std {y.std():.4g}")
    with open(os.path.join(refdir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


# --------------------------------------------------------------------------
# verify stage
# --------------------------------------------------------------------------
def check_static_shapes(m, name):
    inferred = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    vis = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.input)
           + list(inferred.graph.output)}
    inits = {i.name for i in inferred.graph.initializer}
    for node in inferred.graph.node:
        for o in node.output:
            if not o:
                continue
            if o not in vis:
                raise SystemExit(f"FAIL {name}: no inferred shape for {o} ({node.op_type})")
    for v in vis.values():
        if v.name in inits:
            continue
        t = v.type.tensor_type
        if not t.HasField("shape"):
            raise SystemExit(f"FAIL {name}: {v.name} has no shape")
        for d in t.shape.dim:
            if not d.HasField("dim_value") or d.dim_value <= 0:
                raise SystemExit(f"FAIL {name}: {v.name} has non-static shape {t.shape}")
    for v in list(inferred.graph.input) + list(inferred.graph.output):
        if v.type.tensor_type.shape.dim[0].dim_value != 1:
            raise SystemExit(f"FAIL {name}: {v.name} batch dim is not 1")


def op_types(m):
    seen, counts = [], {}
    for n in m.graph.node:
        if n.op_type not in counts:
            seen.append(n.op_type)
            counts[n.op_type] = 0
        counts[n.op_type] += 1
    return seen, counts


def verify(refdir):
    with open(os.path.join(refdir, "meta.json")) as f:
        meta = json.load(f)
    ok = True
    rows = []
    for name in MODELS:
        path = os.path.join(HERE, name, "model.onnx")
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        check_static_shapes(m, name)
        assert m.opset_import[0].version == OPSET
        tdir = os.path.join(HERE, name, "test_data_set_0")
        ref = np.load(os.path.join(refdir, name, "output_0.npy"))
        outs = sorted(f for f in os.listdir(tdir) if f.startswith("output_"))
        if outs != ["output_0.pb"]:
            raise SystemExit(f"FAIL {name}: expected output_0.pb from run_ort.js, found {outs}")
        t = onnx.TensorProto()
        with open(os.path.join(tdir, "output_0.pb"), "rb") as f:
            data = f.read()
        t.ParseFromString(data)
        got = numpy_helper.to_array(t)
        # run_ort.js claims byte-identical serialization with numpy_helper
        if numpy_helper.from_array(got, name=t.name).SerializeToString() != data:
            raise SystemExit(f"FAIL {name}: output_0.pb is not canonical TensorProto serialization")
        if t.name != m.graph.output[0].name:
            raise SystemExit(f"FAIL {name}: output tensor named {t.name!r}")
        if got.shape != ref.shape or got.dtype != ref.dtype:
            raise SystemExit(f"FAIL {name}: ORT output {got.dtype}{got.shape} vs torch {ref.dtype}{ref.shape}")
        err = float(np.abs(got.astype(np.float64) - ref).max())
        rel = err / max(float(np.abs(ref).max()), 1e-3)
        status = "ok" if rel <= REL_TOL else "MISMATCH"
        if status != "ok":
            ok = False
        seen, counts = op_types(m)
        print(f"[verify] {name}: ORT vs torch max abs {err:.3g}, rel {rel:.3g} -> {status}")
        print(f"         ops: " + ", ".join(f"{o} x{counts[o]}" for o in seen))
        meta[name]["ops"] = seen
        meta[name]["op_counts"] = counts
        meta[name]["rel_err"] = rel
        meta[name]["onnx_bytes"] = os.path.getsize(path)
        meta[name]["n_nodes"] = len(m.graph.node)
        rows.append(name)
    if not ok:
        raise SystemExit("FAIL: onnxruntime and PyTorch disagree (see above)")

    # digits accuracy: torch (build stage) and ORT (run_ort.js --accuracy)
    d = meta["digits_cnn"]
    ort_acc_file = os.path.join(refdir, "digits_ort_accuracy.json")
    with open(ort_acc_file) as f:
        ort_acc = json.loads(f.read().strip().splitlines()[-1])
    if ort_acc["correct"] != d["correct"] or ort_acc["total"] != d["total"]:
        raise SystemExit(f"FAIL digits_cnn: ORT accuracy {ort_acc} != torch {d['correct']}/{d['total']}")
    acc_txt = (f"{d['correct']}/{d['total']} = {100.0 * d['correct'] / d['total']:.2f}%\n"
               f"# test accuracy of digits_cnn/model.onnx on sklearn load_digits, "
               f"train_test_split(test_size=0.25, random_state=0) (test_x.npy / test_y.npy);\n"
               f"# identical under PyTorch and onnxruntime-node 1.30.0\n")
    with open(os.path.join(HERE, "digits_cnn", "accuracy.txt"), "w") as f:
        f.write(acc_txt)
    write_readme(meta)
    print(f"[verify] digits_cnn test accuracy {d['correct']}/{d['total']} "
          f"= {100.0 * d['correct'] / d['total']:.2f}% (torch == ORT)")
    print("[verify] all models OK")


def write_readme(meta):
    lines = []
    lines.append("# kiln example models\n")
    lines.append("Generated by `examples/regenerate.sh` (PyTorch 1.13 `torch.onnx.export`, opset 13, "
                 "batch 1, static shapes, seeded). Each `<name>/` holds `model.onnx` and "
                 "`test_data_set_0/{input_0,output_0}.pb` in the ONNX backend-test layout "
                 "(serialized `TensorProto`s). Reference outputs come from onnxruntime-node 1.30.0 "
                 "(`run_ort.js`, graph optimizations disabled) and are cross-checked against PyTorch "
                 f"(max |ort-torch| / max|torch| <= {REL_TOL:g}).\n")
    lines.append("Weights are random (seeded; BatchNorm gets random gamma/beta and non-trivial running "
                 "stats) except `digits_cnn`, which is trained.\n")
    lines.append("| model | input shape | output shape | what it is | ops used | params | digits test accuracy |")
    lines.append("|---|---|---|---|---|---|---|")
    for name in MODELS:
        d = meta[name]
        ops = ", ".join(f"{o}" + (f"&nbsp;x{d['op_counts'][o]}" if d['op_counts'][o] > 1 else "")
                        for o in d["ops"])
        acc = (f"{100.0 * d['correct'] / d['total']:.2f}% ({d['correct']}/{d['total']})"
               if name == "digits_cnn" else "-")
        lines.append(f"| `{name}` | {d['input_shape']} | {d['output_shape']} | {d['desc']} | {ops} | "
                     f"{d['params']:,} | {acc} |")
    lines.append("")
    lines.append("Ops are the distinct ONNX `op_type`s in graph order, with node counts. "
                 "Params = PyTorch parameter count (BatchNorm running stats not included).\n")
    lines.append("`digits_cnn/test_x.npy` (float32 [N,1,8,8], pixels/16) and `test_y.npy` (int64 [N]) "
                 "are the held-out split of `sklearn.datasets.load_digits` "
                 "(`train_test_split(test_size=0.25, random_state=0)`); `digits_cnn/accuracy.txt` records "
                 "the test accuracy. `digits_cnn/test_data_set_0` uses the first held-out image.\n")
    lines.append("Notes on the exported graphs (things a consumer must handle):\n")
    lines.append("- Scalar operands are `Constant` nodes, not initializers: ReLU6 exports as `Clip(x, min, max)` "
                 "with min/max from two `Constant` nodes per Clip (54 of them in `vww_mobilenetv1`); likewise "
                 "the `Pow` exponent (2.0), the LayerNorm epsilon and the `Clip` floor. All weights are "
                 "initializers (graph inputs are only the real input).")
    lines.append("- `audio_frontend`: `clamp(min=1e-6)` is `Clip(x, min, \"\")` -- the optional max input is "
                 "the empty name. Its Conv is 1-D (`[1,1,1024]`, kernel 64, stride 32) without bias.")
    lines.append("- `kws_dscnn` is exported with `training=TrainingMode.PRESERVE` (model in eval mode), which "
                 "skips torch's Conv+BN fusion, so it keeps an explicit `BatchNormalization` after every `Conv` "
                 "(opset-13 BN; it carries a `momentum` attribute, irrelevant for inference). The other conv nets "
                 "use the default eval export, where BN is folded into the Conv weights/bias. "
                 "`ad_autoencoder`'s BatchNorm1d follows `Gemm`, so it is never folded: `BatchNormalization` "
                 "runs on a 2-D `[1,128]` tensor.")
    lines.append("- `vww_mobilenetv1` pads its stride-2 convs like Keras (`ZeroPadding2D(((0,1),(0,1)))` + "
                 "valid conv). torch 1.13 exports `nn.ZeroPad2d` as a `Pad` whose `pads` input is computed by an "
                 "unfolded ConstantOfShape/Concat/Reshape/Slice/Transpose/Reshape/Cast chain (so ONNX shape "
                 "inference cannot give it a static shape); `make_models.py` evaluates that chain and merges each "
                 "Pad into the following Conv, giving asymmetric `pads=[0,0,1,1]` (what tf2onnx emits). "
                 "The ORT outputs are checked against the PyTorch model, so the rewrite is verified.")
    lines.append("- `nn.AvgPool2d` is built with `count_include_pad=False`; with the default, torch 1.13 puts a "
                 "no-op `Pad` (all-zero pads from a `Constant`) in front of every `AveragePool`.")
    lines.append("- `torch.flatten(x, 1)` exports as a single `Flatten` (no Shape/Gather/Concat chains). "
                 "`nn.Linear` exports as `Gemm` (transB=1); the explicit `torch.matmul` in `mlp_layernorm` and "
                 "the mel filterbank in `audio_frontend` (3-D x 2-D) export as `MatMul`. `ReduceMean` uses the "
                 "opset-13 `axes` attribute (`[-1]`, keepdims=1); `Softmax` has axis=-1.")
    lines.append("")
    lines.append("Regenerate with `examples/regenerate.sh` (see the header of that script for prerequisites).")
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("build", "verify"):
        sys.exit(__doc__)
    {"build": build, "verify": verify}[sys.argv[1]](sys.argv[2])
