#!/usr/bin/env python3
"""Score a jwtward build against the hand labels of the real-world corpus.

For every project of projects.tsv that has labels, run `jwtward scan <rw-dir>/<owner>+<name>/<subdir>
--format json` (or read a saved report with --from DIR) and compare:

* findings with labels/*.tsv (matched on repo, path relative to the repo root, rule and line exactly):
  TP / FP / unlabelled, precision by severity (critical+high, medium, low), and recall against the
  labelled weaknesses (TP + FN labels: a label counts as found when the build reports a finding on
  its path, rule and line);
* the JSON `routes` array (when the build emits one) with routes/*.tsv: exact-class agreement and
  coarse agreement (protected+forgeable -> guarded, optional+fail-open+unprotected -> unguarded,
  public -> public, conditional -> conditional).

Label files are grouped by their `repo` column, not by file name, so several labellers may write
files for the same project. Standard library only.

    python3 bench/realworld/score.py
    python3 bench/realworld/score.py --jwtward target/release/jwtward --project lnbits --show-fp
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))

FINDING_HEADER = ["repo", "commit", "path", "line", "rule", "verdict", "reason"]
ROUTE_HEADER = ["repo", "commit", "method", "path", "file", "line", "class", "reason"]
VERDICTS = {"TP", "FP", "FN"}
CLASSES = {"protected", "forgeable", "optional", "fail-open", "conditional", "public", "unprotected"}
COARSE = {
    "protected": "guarded",
    "forgeable": "guarded",
    "optional": "unguarded",
    "fail-open": "unguarded",
    "unprotected": "unguarded",
    "public": "public",
    "conditional": "conditional",
}
SEV_BUCKET = {"critical": "crit/high", "high": "crit/high", "medium": "medium", "low": "low"}
BUCKETS = ["crit/high", "medium", "low"]


def default_jwtward() -> str:
    local = os.path.join(REPO_ROOT, "target", "release", "jwtward")
    if os.path.exists(local):
        return local
    return "/work/main/target/release/jwtward"


def warn(msg: str) -> None:
    print(f"warning: {msg}", file=sys.stderr)


def read_tsv(path: str, header: list[str]) -> list[dict[str, str]]:
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        first = next(reader, None)
        if first is None:
            return rows
        if first[: len(header)] != header:
            warn(f"{path}: header is {first}, expected {header}")
            return rows
        for n, rec in enumerate(reader, start=2):
            if not rec or all(not c.strip() for c in rec):
                continue
            if rec[0].startswith("#"):
                continue
            if len(rec) < len(header):
                warn(f"{path}:{n}: {len(rec)} columns, expected {len(header)}")
                continue
            row = dict(zip(header, rec[: len(header)]))
            row["_src"] = f"{os.path.basename(path)}:{n}"
            rows.append(row)
    return rows


def read_projects(labels_dir: str) -> list[dict[str, str]]:
    path = os.path.join(labels_dir, "projects.tsv")
    return read_tsv(path, ["repo", "commit", "scan_subdir", "note"])


def load_dir(labels_dir: str, sub: str, header: list[str]) -> list[dict[str, str]]:
    d = os.path.join(labels_dir, sub)
    rows: list[dict[str, str]] = []
    if not os.path.isdir(d):
        return rows
    for name in sorted(os.listdir(d)):
        if name.endswith(".tsv"):
            rows.extend(read_tsv(os.path.join(d, name), header))
    return rows


def selected(repo: str, wanted: list[str] | None) -> bool:
    if not wanted:
        return True
    low = repo.lower()
    plus = low.replace("/", "+")
    return any(w.lower() in (low, plus) or w.lower() in low for w in wanted)


def run_scan(jwtward: str, target: str) -> tuple[dict, float]:
    t0 = time.monotonic()
    proc = subprocess.run(
        [jwtward, "scan", target, "--format", "json"],
        capture_output=True,
        text=True,
    )
    dt = time.monotonic() - t0
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"jwtward exited {proc.returncode} on {target}: {proc.stderr.strip()[:500]}")
    try:
        return json.loads(proc.stdout), dt
    except json.JSONDecodeError as e:
        raise RuntimeError(f"jwtward output on {target} is not JSON: {e}") from e


def rel(path: str, root: str) -> str:
    if not path:
        return path
    p = os.path.normpath(path)
    r = os.path.normpath(root)
    if os.path.isabs(p):
        if p == r or p.startswith(r + os.sep):
            return os.path.relpath(p, r)
        return p
    return p


def pct(num: int, den: int) -> str:
    return f"{100.0 * num / den:5.1f}%" if den else "    -"


class Tally:
    def __init__(self) -> None:
        self.findings = 0
        self.tp = collections.Counter()  # bucket -> n
        self.fp = collections.Counter()
        self.unl = collections.Counter()
        self.weak_total = 0  # TP + FN labels
        self.weak_found = 0
        self.routes_labelled = 0
        self.routes_matched = 0
        self.routes_exact = 0
        self.routes_coarse = 0
        self.route_table = False

    def add(self, o: "Tally") -> None:
        self.findings += o.findings
        self.tp.update(o.tp)
        self.fp.update(o.fp)
        self.unl.update(o.unl)
        self.weak_total += o.weak_total
        self.weak_found += o.weak_found
        self.routes_labelled += o.routes_labelled
        self.routes_matched += o.routes_matched
        self.routes_exact += o.routes_exact
        self.routes_coarse += o.routes_coarse
        self.route_table = self.route_table or o.route_table


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jwtward", default=None, help="jwtward binary (default: target/release/jwtward of this repo, else /work/main/...)")
    ap.add_argument("--labels-dir", default=HERE, help="directory with projects.tsv, labels/, routes/ (default: next to this script)")
    ap.add_argument("--rw-dir", default=os.environ.get("RW_DIR", "/work/realworld"), help="where fetch.sh extracted the projects")
    ap.add_argument("--project", action="append", help="only this project (owner/name, owner+name or a substring); repeatable")
    ap.add_argument("--from", dest="from_dir", help="read saved reports DIR/<owner>+<name>.json instead of running jwtward")
    ap.add_argument("--save", help="save each JSON report to DIR/<owner>+<name>.json")
    ap.add_argument("--show-fp", action="store_true", help="list findings labelled FP")
    ap.add_argument("--show-unlabelled", action="store_true", help="list findings with no label")
    ap.add_argument("--show-missed", action="store_true", help="list TP/FN labels the build does not report")
    ap.add_argument("--show-routes", action="store_true", help="list route labels the build classifies differently or misses")
    ap.add_argument("--all", action="store_true", help="also score projects that have no labels yet")
    args = ap.parse_args()

    jwtward = args.jwtward or default_jwtward()
    projects = read_projects(args.labels_dir)
    labels = load_dir(args.labels_dir, "labels", FINDING_HEADER)
    routes = load_dir(args.labels_dir, "routes", ROUTE_HEADER)

    by_repo_labels: dict[str, list[dict]] = collections.defaultdict(list)
    for row in labels:
        if row["verdict"] not in VERDICTS:
            warn(f"{row['_src']}: verdict {row['verdict']!r} is not TP/FP/FN")
            continue
        by_repo_labels[row["repo"]].append(row)
    by_repo_routes: dict[str, list[dict]] = collections.defaultdict(list)
    for row in routes:
        if row["class"] not in CLASSES:
            warn(f"{row['_src']}: class {row['class']!r} is not one of {sorted(CLASSES)}")
            continue
        by_repo_routes[row["repo"]].append(row)
    known = {p["repo"] for p in projects}
    for repo in sorted(set(by_repo_labels) | set(by_repo_routes)):
        if repo not in known:
            warn(f"labels for {repo}, which is not in projects.tsv")

    print(f"jwtward: {jwtward}")
    total = Tally()
    per_rule: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    confusion: collections.Counter = collections.Counter()  # (labelled class, build class) -> n
    lines_out: list[str] = []
    detail: list[str] = []
    scanned = 0
    for proj in projects:
        repo = proj["repo"]
        if not selected(repo, args.project):
            continue
        lab = by_repo_labels.get(repo, [])
        rts = by_repo_routes.get(repo, [])
        if not lab and not rts and not args.all:
            continue
        name = repo.replace("/", "+")
        root = os.path.join(args.rw_dir, name)
        sub = proj["scan_subdir"] or "."
        target = os.path.normpath(os.path.join(root, sub))
        for row in lab + rts:
            if row["commit"] != proj["commit"]:
                warn(f"{row['_src']}: commit {row['commit'][:12]} differs from projects.tsv {proj['commit'][:12]} for {repo}")
                break
        try:
            if args.from_dir:
                with open(os.path.join(args.from_dir, name + ".json"), encoding="utf-8") as f:
                    report = json.load(f)
                dt = 0.0
            else:
                if not os.path.isdir(target):
                    warn(f"{target} is missing: run bench/realworld/fetch.sh")
                    continue
                report, dt = run_scan(jwtward, target)
            if args.save:
                os.makedirs(args.save, exist_ok=True)
                with open(os.path.join(args.save, name + ".json"), "w", encoding="utf-8") as f:
                    json.dump(report, f)
        except (OSError, RuntimeError) as e:
            warn(str(e))
            continue
        scanned += 1
        t = Tally()

        # ---- findings
        label_at: dict[tuple[str, str, int], dict] = {}
        for row in lab:
            try:
                key = (os.path.normpath(row["path"]), row["rule"], int(row["line"]))
            except ValueError:
                warn(f"{row['_src']}: line {row['line']!r} is not a number")
                continue
            if key in label_at:
                if label_at[key]["verdict"] != row["verdict"]:
                    warn(f"{row['_src']}: conflicts with {label_at[key]['_src']} ({label_at[key]['verdict']} vs {row['verdict']}); first kept")
                continue
            label_at[key] = row
        reported: set[tuple[str, str, int]] = set()
        for f in report.get("findings", []):
            t.findings += 1
            path = rel(f.get("file", ""), root)
            key = (path, f.get("rule", ""), int(f.get("line") or 0))
            reported.add(key)
            bucket = SEV_BUCKET.get(f.get("severity", ""), "low")
            row = label_at.get(key)
            verdict = row["verdict"] if row else None
            if verdict == "TP" or verdict == "FN":
                t.tp[bucket] += 1
                per_rule[key[1]]["TP"] += 1
            elif verdict == "FP":
                t.fp[bucket] += 1
                per_rule[key[1]]["FP"] += 1
                if args.show_fp:
                    detail.append(f"  FP  {repo} {path}:{key[2]} {key[1]} [{f.get('severity')}]: {row['reason']}")
            else:
                t.unl[bucket] += 1
                per_rule[key[1]]["unlabelled"] += 1
                if args.show_unlabelled:
                    detail.append(f"  ??  {repo} {path}:{key[2]} {key[1]} [{f.get('severity')}] {f.get('message', '')[:140]}")
        for key, row in label_at.items():
            if row["verdict"] in ("TP", "FN"):
                t.weak_total += 1
                if key in reported:
                    t.weak_found += 1
                else:
                    per_rule[key[1]]["missed"] += 1
                    if args.show_missed:
                        detail.append(f"  MISS {repo} {key[0]}:{key[2]} {key[1]} ({row['verdict']}): {row['reason']}")

        # ---- routes
        table = report.get("routes")
        t.routes_labelled = len(rts)
        if isinstance(table, list):
            t.route_table = True
            by_mp: dict[tuple[str, str], list[dict]] = collections.defaultdict(list)
            for r in table:
                by_mp[(str(r.get("method", "")).upper(), str(r.get("path", "")))].append(r)
            for row in rts:
                cands = by_mp.get((row["method"].upper(), row["path"]), [])
                if len(cands) > 1:
                    same = [c for c in cands if rel(str(c.get("file", "")), root) == os.path.normpath(row["file"])]
                    cands = same or cands
                if not cands:
                    confusion[(row["class"], "(missing)")] += 1
                    if args.show_routes:
                        detail.append(f"  ROUTE-MISSING {repo} {row['method']} {row['path']} ({row['file']}:{row['line']}) labelled {row['class']}")
                    continue
                got = str(cands[0].get("class", ""))
                confusion[(row["class"], got)] += 1
                t.routes_matched += 1
                if got == row["class"]:
                    t.routes_exact += 1
                if COARSE.get(got) == COARSE[row["class"]]:
                    t.routes_coarse += 1
                elif args.show_routes:
                    detail.append(
                        f"  ROUTE {repo} {row['method']} {row['path']} ({row['file']}:{row['line']}): labelled {row['class']}, build says {got}"
                        f" ({str(cands[0].get('reason', ''))[:100]})"
                    )

        total.add(t)
        lab_tp = sum(t.tp.values())
        lab_fp = sum(t.fp.values())
        lines_out.append(
            f"{repo:<48} {t.findings:>5} {lab_tp + lab_fp:>5} {lab_tp:>4} {lab_fp:>4} {sum(t.unl.values()):>5}"
            f"  {pct(t.tp['crit/high'], t.tp['crit/high'] + t.fp['crit/high'])} {pct(t.tp['medium'], t.tp['medium'] + t.fp['medium'])}"
            f" {pct(t.tp['low'], t.tp['low'] + t.fp['low'])}  {t.weak_found:>3}/{t.weak_total:<3} {pct(t.weak_found, t.weak_total)}"
            + (
                f"  {t.routes_labelled:>4} {t.routes_matched:>4} {pct(t.routes_coarse, t.routes_labelled)} {pct(t.routes_exact, t.routes_labelled)}"
                if t.route_table
                else f"  {t.routes_labelled:>4}    -     -      -"
            )
            + (f"  {dt:.2f}s" if dt else "")
        )

    if not scanned:
        print("no project scored (no labels? use --all, or run fetch.sh)")
        return 1
    hdr = (
        f"{'project':<48} {'find':>5} {'lab':>5} {'TP':>4} {'FP':>4} {'unlab':>5}"
        f"  {'P c/h':>6} {'P med':>6} {'P low':>6}  {'recall':>14}  {'rts':>4} {'in':>4} {'coarse':>6} {'exact':>6}"
    )
    print(hdr)
    print("-" * len(hdr))
    for line in lines_out:
        print(line)
    print("-" * len(hdr))
    ttp, tfp = sum(total.tp.values()), sum(total.fp.values())
    print(
        f"{'TOTAL':<48} {total.findings:>5} {ttp + tfp:>5} {ttp:>4} {tfp:>4} {sum(total.unl.values()):>5}"
        f"  {pct(total.tp['crit/high'], total.tp['crit/high'] + total.fp['crit/high'])} {pct(total.tp['medium'], total.tp['medium'] + total.fp['medium'])}"
        f" {pct(total.tp['low'], total.tp['low'] + total.fp['low'])}  {total.weak_found:>3}/{total.weak_total:<3} {pct(total.weak_found, total.weak_total)}"
        + (
            f"  {total.routes_labelled:>4} {total.routes_matched:>4} {pct(total.routes_coarse, total.routes_labelled)} {pct(total.routes_exact, total.routes_labelled)}"
            if total.route_table
            else f"  {total.routes_labelled:>4}"
        )
    )
    print()
    print("precision by severity (labelled findings only):")
    for b in BUCKETS:
        n = total.tp[b] + total.fp[b]
        print(f"  {b:<10} {total.tp[b]:>4} TP / {n:>4} labelled = {pct(total.tp[b], n).strip():>6}   ({total.unl[b]} unlabelled)")
    print(f"recall: {total.weak_found} of {total.weak_total} labelled weaknesses (TP+FN) reported = {pct(total.weak_found, total.weak_total).strip()}")
    if total.route_table:
        print(
            f"routes: {total.routes_labelled} labelled, {total.routes_matched} in the build's table; agreement (over all labelled)"
            f" coarse {pct(total.routes_coarse, total.routes_labelled).strip()}, exact {pct(total.routes_exact, total.routes_labelled).strip()}"
        )
        print("  labelled -> build: " + ", ".join(f"{a}->{b} {n}" for (a, b), n in sorted(confusion.items())))
    else:
        print(f"routes: {total.routes_labelled} labelled; no route table in this build")
    print()
    print("per rule (findings of this build; missed = TP/FN labels not reported):")
    print(f"  {'rule':<34} {'TP':>4} {'FP':>4} {'unlab':>5} {'missed':>6}  precision")
    for rule in sorted(per_rule):
        c = per_rule[rule]
        print(f"  {rule:<34} {c['TP']:>4} {c['FP']:>4} {c['unlabelled']:>5} {c['missed']:>6}  {pct(c['TP'], c['TP'] + c['FP']).strip()}")
    if detail:
        print()
        print("\n".join(detail))
    return 0


if __name__ == "__main__":
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet when piped into head
    sys.exit(main())
