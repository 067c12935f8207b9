#!/usr/bin/python3
"""Per-layer instruction counts of a model on an emulated MCU (not a test).

    bench/layer_profile.py MODEL.onnx [--kiln build/kiln] [--target cortex-m4] [--top N]

Runs `kiln verify --work` once (which also checks the outputs), then instruments the generated
NAME_invoke: a timer read after every kernel call, printed at the end. Rebuilds the model object
with the same flags kiln uses, relinks and reruns under QEMU -icount. Prints, per node: op,
instructions, MACs (from `kiln inspect --json`, when the node has any) and MACs/instruction.
Counts come from the machine's timer (40 instructions per tick on the MPS2 machines), so small
layers read to within one tick.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

INSNS_PER_TICK = {"cortex-m4": 40, "cortex-m7": 40, "cortex-m3": 40, "cortex-m33": 50, "cortex-m55": 31.25}
CFLAGS = {
    "cortex-m4": "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16",
    "cortex-m7": "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16",
    "cortex-m3": "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft",
    "cortex-m33": "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16",
    "cortex-m55": "-mcpu=cortex-m55 -mthumb -mfloat-abi=hard",
}
MACHINE = {"cortex-m4": "mps2-an386", "cortex-m7": "mps2-an500", "cortex-m3": "mps2-an385",
           "cortex-m33": "mps2-an505", "cortex-m55": "mps3-an547"}


def run(argv, cwd=None, stdout_only=False):
    p = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE if stdout_only else subprocess.STDOUT, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(argv)}\n{p.stdout}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--kiln", default=os.path.join(os.path.dirname(__file__), "..", "build", "kiln"))
    ap.add_argument("--target", default="cortex-m4")
    ap.add_argument("--top", type=int, default=0, help="only the N most expensive nodes")
    ap.add_argument("--cflags", default="", help="extra flags for the model object")
    a = ap.parse_args()
    name = re.sub(r"\W", "_", os.path.splitext(os.path.basename(a.model))[0])
    work = tempfile.mkdtemp(prefix="kiln-prof-")
    try:
        out = run([a.kiln, "verify", a.model, "--target", a.target, "--no-host", "--json", "--work", work,
                   "--timeout", "600"] + ([f"--cflags={f}" for f in a.cflags.split()]), stdout_only=True)
        total = json.loads(out)["instructions"]
        macs = {}
        try:
            rep = json.loads(run([a.kiln, "inspect", a.model, "--json", "--target", a.target], stdout_only=True))
            for layer in rep.get("nodes", []):
                macs[layer.get("name", "")] = layer.get("macs", 0)
        except SystemExit:
            pass
        d = os.path.join(work, a.target)
        src = os.path.join(d, name + ".cpp")
        text = open(src).read()
        head, sep, body = text.partition(f'extern "C" int {name}_invoke(void) {{')
        end = body.index("\n}\n")
        fn, rest = body[:end], body[end:]
        lines, labels = [], []
        current = None
        for line in fn.split("\n"):
            m = re.match(r"  // (\S+) '([^']*)'", line)
            if m:
                current = (m.group(1), m.group(2))
            lines.append(line)
            if re.match(r"  kiln::", line) and current:
                lines.append(f"  kiln_prof_t[{len(labels)}] = kiln_timer_ticks();")
                labels.append(current)
                current = None
        fn = "\n".join(lines)
        prelude = (f'extern "C" uint64_t kiln_timer_ticks(void);\nextern "C" void kiln_write(const char*, unsigned);\n'
                   f"static uint64_t kiln_prof_t[{len(labels) + 1}];\nstatic uint64_t kiln_prof_t0;\n"
                   "static void kiln_prof_dump(void) {\n"
                   f"  char b[32]; for (int i = 0; i < {len(labels)}; ++i) {{\n"
                   "    unsigned long long v = kiln_prof_t[i] - (i ? kiln_prof_t[i - 1] : kiln_prof_t0); int n = 0;\n"
                   "    char r[24]; do { r[n++] = char('0' + v % 10); v /= 10; } while (v);\n"
                   "    int k = 0; b[k++] = 'P'; b[k++] = ' '; while (n) b[k++] = r[--n]; b[k++] = '\\n';\n"
                   "    kiln_write(b, unsigned(k)); } }\n")
        fn = fn.replace("  (void)a;", "  (void)a;\n  kiln_prof_t0 = kiln_timer_ticks();", 1)
        fn = re.sub(r"\n  return 0;\s*$", "\n  kiln_prof_dump();\n  return 0;", fn)
        if "kiln_prof_dump();" not in fn:
            fn += "\n  kiln_prof_dump();"
        open(src, "w").write(head + prelude + sep + fn + rest)
        cf = CFLAGS[a.target].split()
        run(["arm-none-eabi-g++"] + cf + ["--specs=nano.specs", "-std=c++14", "-O2", "-fno-exceptions", "-fno-rtti",
             "-ffunction-sections", "-fdata-sections"] + a.cflags.split() + ["-I.", "-c", name + ".cpp", "-o", name + ".o"], cwd=d)
        ld = [f for f in os.listdir(d) if f.startswith("mps") and f.endswith(".ld")][0]
        run(["arm-none-eabi-gcc"] + cf + ["--specs=nano.specs", "--specs=rdimon.specs", "-nostartfiles", "-L.", "-T", ld,
             "-Wl,--gc-sections", "harness.o", "kiln_qemu_cortex_m.o", name + ".o", "-lm", "-o", "prof.elf"], cwd=d)
        p = subprocess.run(["qemu-system-arm", "-M", MACHINE[a.target], "-semihosting", "-nographic", "-icount",
                            "shift=0", "-kernel", "prof.elf"], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=600)
        ticks = [int(l.split()[1]) for l in p.stdout.splitlines() if l.startswith("P ")]
        k = INSNS_PER_TICK[a.target]
        rows = [(op, nm, t * k, macs.get(nm, 0)) for (op, nm), t in zip(labels, ticks)]
        shown = sorted(rows, key=lambda r: -r[2])[: a.top] if a.top else rows
        print(f"{'op':<28} {'node':<44} {'instr':>10} {'MACs':>9} {'MAC/instr':>9}")
        for op, nm, ins, mc in shown:
            print(f"{op:<28} {nm[:44]:<44} {ins:>10.0f} {mc:>9} {(mc / ins if ins and mc else 0):>9.3f}")
        s = sum(r[2] for r in rows)
        m = sum(r[3] for r in rows)
        print(f"{'total (verify)':<73} {total:>10} {m:>9} {m / total:>9.3f}")
        print(f"{'sum of layers':<73} {s:>10.0f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
