#!/usr/bin/python3
"""Proposes tests/onnx_suite/skip.txt from a backend-suite run.

    ctest --test-dir build -L onnx -j2; tests/onnx_suite/make_skip_list.py build > skip.txt

Every case that did not pass gets one line `SUITE/CASE  reason`, the reason derived from kiln's
error (element type, run-time shape input, unsupported op by category) or, for wrong results,
the checker's message. Review the output before committing it: the list is the reviewed record
of what kiln does not do.
"""
import glob
import os
import re
import sys

build = sys.argv[1] if len(sys.argv) > 1 else "build"
data = "/usr/share/libonnx-testdata/data"

TRAINING = {"Adam", "Adagrad", "Momentum", "Gradient"}
RANDOM = {"Bernoulli", "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial"}
SEQUENCE = re.compile(r"^(Sequence|Optional|SplitToSequence|ConcatFromSequence)")
STRINGS = {"StringNormalizer", "TfIdfVectorizer", "RegexFullMatch", "StringSplit", "StringConcat", "LabelEncoder"}
CONTROL = {"Loop", "Scan", "If"}
DYNAMIC = {"NonZero", "Unique", "NonMaxSuppression"}


TYPES = {"8": "string", "10": "float16", "16": "bfloat16"}


def reason(line):
    if "is not a supported tensor" in line:
        return "a graph input is a string, float16/bfloat16, sequence or optional value (not supported on a microcontroller)"
    if "E0303" in line or "element type" in line:
        m = re.search(r"element type (\d+)", line)
        t = TYPES.get(m.group(1), m.group(1)) if m else "?"
        return f"element type {t} is not supported (no use on a microcontroller)"
    if "E0204" in line and "has no shape" in line:
        return "a graph input is a sequence or optional value (no tensor shape)"
    if "imports no ai.onnx opset" in line or "preview.training" in line:
        return "training-only op (ai.onnx.preview.training)"
    if "E0207" in line and "Clip" in line:
        return "Clip's min/max are graph inputs (kiln needs them constant)"
    if "E0207" in line:
        return "a shape-defining input is computed at run time (data-dependent output shape)"
    m = re.search(r"operator ([\w.]+) \(opset", line)
    if m:
        op = m.group(1)
        if op in TRAINING:
            return f"{op} is a training op"
        if op in RANDOM:
            return f"{op} is a random op"
        if SEQUENCE.match(op):
            return f"{op} uses sequence or optional types"
        if op in STRINGS:
            return f"{op} works on string tensors"
        if op in CONTROL:
            return f"{op} is control flow with a run-time condition or trip count"
        if op in DYNAMIC:
            return f"{op} has a data-dependent output shape"
        return f"operator {op} is not implemented yet"
    if "E0304" in line:
        return "opset semantics not implemented: " + line.split(": ", 1)[-1][:120]
    if "E0302" in line or "E0301" in line:
        return "unsupported attribute or input: " + re.sub(r"^.*?error\[E\d+\]: ", "", line)[:140]
    return "known failure: " + re.sub(r"^(FAIL|UNSUPPORTED) \S+: ", "", line)[:160]


out = ["# ONNX backend suite cases kiln does not pass, one per line: SUITE/CASE  reason",
       "# Made by tests/onnx_suite/make_skip_list.py from a suite run, then reviewed."]
results = glob.glob(os.path.join(build, "tests", "onnx_suite", "batch*.txt"))
verdicts = {}
for r in results:
    for line in open(r):
        line = line.rstrip("\n")
        name = line.split(" ", 1)[1].split(":", 1)[0]
        verdicts[name] = line
for suite in ["node", "pytorch-converted", "pytorch-operator", "simple"]:
    for case in sorted(os.listdir(os.path.join(data, suite))):
        line = verdicts.get(case)
        if line is None or line.startswith("PASS"):
            continue
        out.append(f"{suite}/{case}  {reason(line)}")
print("\n".join(out))
