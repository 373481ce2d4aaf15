"""Turns the emulated machine's serial log (lab/EmulatedCpu/guest-init.sh's lines) into lab/results/emulated-avx512.json."""
import argparse
import datetime
import json
import os
import sys


def host_cpu():
    model, flags = "unknown", []
    with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        for line in cpuinfo:
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                flags = sorted(f for f in value.split() if f.startswith("avx512"))
    return {"cpu": model, "avx512_flags": flags, "cores": os.cpu_count()}


def parse(serial_lines):
    guest, runs, run, done = {}, [], None, False
    for line in serial_lines:
        head, _, rest = line.rstrip("\n").partition(" ")
        if head == "guest-cpu":
            guest["cpu"] = rest.strip()
        elif head == "guest-flags":
            guest["avx512_flags"] = sorted(f for f in rest.split() if f.startswith("avx512"))
        elif head == "guest-kernel":
            guest["kernel"] = rest.strip()
        elif head == "run-start":
            label, _, environment = rest.partition(" ")
            run = {"label": label, "environment": environment.strip(), "onednn_isa": None, "convolution_kernels": {}, "decision": None, "lines": []}
        elif run is not None and head == "run-end":
            run["exit_code"] = int(rest)
            runs.append(run)
            run = None
        elif run is not None and head == "onednn-isa":
            run["onednn_isa"] = rest.strip()
        elif run is not None and head == "onednn-kernel":
            count, _, kernel = rest.strip().partition(" ")
            run["convolution_kernels"][kernel] = int(count)
        elif run is not None and head == "probe-result":
            run["decision"] = json.loads(rest)
        elif run is not None:
            run["lines"].append(line.rstrip("\n"))
        elif head == "guest-done":
            done = True
    return guest, runs, done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--serial", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--commit", required=True)
    parser.add_argument("--dirty", required=True, choices=["true", "false"])
    parser.add_argument("--cpu-model", required=True)
    parser.add_argument("--bochs-version", required=True)
    parser.add_argument("--kernel-command-line", required=True)
    parser.add_argument("--seconds", required=True, type=float)
    args = parser.parse_args()
    with open(args.serial, encoding="utf-8", errors="replace") as serial:
        guest, runs, done = parse(serial)
    missing = [r["label"] for r in runs if r["decision"] is None]
    if not done or not runs or missing:
        sys.exit(f"error: the emulated machine did not finish its runs (guest-done {'seen' if done else 'missing'}, "
                 f"runs without a decision: {missing or 'none'}); its serial log is {args.serial}")
    report = {
        "benchmark": "emulated-avx512",
        "commit": args.commit,
        "dirty_tree": args.dirty == "true",
        "measured_at_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "host": host_cpu(),
        "emulator": {
            "name": "Bochs",
            "debian_package": args.bochs_version,
            "cpu_model": args.cpu_model,
            "kernel_command_line": args.kernel_command_line,
            "wall_seconds": round(args.seconds),
        },
        "guest": guest,
        "runs": runs,
    }
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(report, out, indent=2)
        out.write("\n")
    for run in runs:
        decision = run["decision"]
        checked = "; ".join(f"{c['layout']} off by {c['worst_relative_error']:.3g} ({c['worst_tensor']})" for c in decision.get("checked", []))
        print(f"{run['label']:<10} {run['onednn_isa'] or '?'}: {decision.get('layout', 'refused')} — {checked or decision.get('refused')}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
