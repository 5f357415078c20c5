#!/usr/bin/env python3
"""Score `jwtward scan` on the annotated JWT test files of other analysers.

Reads the peers' public test files from local git mirrors (brought by the `fetch` tool to
/work/.mirror/<owner>+<name>/repo; nothing of them is committed here), writes each case to a
scratch directory, runs jwtward on it and compares the findings with the peers' annotations:

* semgrep-rules: `# ruleid: RULE` / `# ok: RULE` above the statement they are about;
* sonar-python: `# Noncompliant` on the line; every other line calling the library is a
  negative;
* Bearer rules: `# bearer:expected RULE` above the line; other library calls are negatives;
* OAuthLint: `vulnerable.py` / `safe.py` pairs (one case per file).

Each peer rule maps to the jwtward rules that cover the same weakness (MAP); peer rules about
something jwtward does not do are listed as out of scope (OUT) with the reason. CodeQL's
mirror (github/codeql) is larger than the fetch limit and is skipped.

Usage: bench/peers/peers.py [--jwtward BIN] [--mirrors DIR] [--show-misses]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

MAP = {
    # semgrep-rules python/jwt
    "unverified-jwt-decode": {"signature-not-verified"},
    "jwt-python-hardcoded-secret": {"hardcoded-secret", "weak-secret"},
    "jwt-python-none-alg": {"none-algorithm-allowed"},
    # sonar-python
    "S5659": {"signature-not-verified", "none-algorithm-allowed"},
    # Bearer
    "python_lang_jwt_verification_bypass": {"signature-not-verified"},
    "python_lang_jwt_weak_encryption": {"none-algorithm-allowed"},
    # OAuthLint
    "py-jwt-alg-none": {"none-algorithm-allowed"},
    "py-jwt-algorithm-confusion": {"algorithm-confusion"},
    "py-jwt-hardcoded-secret": {"hardcoded-secret", "weak-secret"},
    "py-jwt-no-algorithms": {"algorithms-not-pinned"},
    # OAuthLint's rule is about `verify_exp` switched off, not about `exp` being optional.
    "py-jwt-no-expiration": {"expiration-not-verified"},
    "py-jwt-no-verify": {"signature-not-verified"},
    "py-jwt-untrusted-verify-key": {"untrusted-verification-input"},
    # Claim checks switched off (`verify_aud`/`verify_iss`/`verify_nbf`: False), not missing.
    "py-jwt-verify-claims-disabled": {
        "expiration-not-verified:verify_nbf",
        "expiration-not-verified:verify_iat",
        "audience-not-verified:switched off",
        "issuer-not-verified:switched off",
    },
    "py-fastapi-session-hardcoded-secret": {"hardcoded-secret", "weak-secret"},
}

OUT = {
    "jwt-python-exposed-credentials": "a password written into the claims (data exposure, not verification)",
    "jwt-python-exposed-data": "any data in the claims (data exposure, not verification)",
    "flaskHardCodedJWTSecretKey": "Flask app.config keys (not FastAPI)",
    "python_django_jwt_weak_encryption": "Django SIMPLE_JWT settings (not FastAPI)",
}

SUITES = [
    (
        "semgrep-rules",
        "semgrep+semgrep-rules",
        "semgrep",
        [
            "python/jwt/security/unverified-jwt-decode.py",
            "python/jwt/security/jwt-hardcode.py",
            "python/jwt/security/jwt-none-alg.py",
            "python/jwt/security/jwt-exposed-credentials.py",
            "python/jwt/security/audit/jwt-exposed-data.py",
        ],
    ),
    (
        "sonar-python",
        "SonarSource+sonar-python",
        "sonar",
        [
            "python-checks/src/test/resources/checks/jwtVerification.py",
            "python-checks/src/test/resources/checks/pythonJoseVerification.py",
            "python-checks/src/test/resources/checks/flaskHardCodedJWTSecretKey.py",
        ],
    ),
    (
        "bearer-rules",
        "Bearer+bearer-rules",
        "bearer",
        [
            "tests/python/lang/jwt_verification_bypass/testdata/main.py",
            "tests/python/lang/jwt_weak_encryption/testdata/main.py",
            "tests/python/django/jwt_weak_encryption/testdata/settings.py",
        ],
    ),
    ("oauthlint", "Auspeo+oauthlint", "pairs", "rules/tests/fixtures"),
]

CALL = re.compile(r"\b(jwt|jws|jose|python_jwt|JWT|JsonWebToken)\w*\.\w+\(|\bdecode\(|\bencode\(")


def git(mirror, *args):
    return subprocess.run(
        ["git", "--git-dir", mirror, *args], capture_output=True, text=True, check=False
    ).stdout


def scan(binary, path):
    out = subprocess.run(
        [binary, "scan", path, "--format", "json", "--fail-on", "critical"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    try:
        return json.loads(out)["findings"]
    except (ValueError, KeyError):
        return []


def matches(finding, rules, first=None, last=None):
    """The finding is of one of `rules` (`rule` or `rule:text in the message`) and, for line
    cases, at a line of [first, last] or naming one of them as the use site (a key reported
    where it is defined says `used by ... at FILE:LINE`)."""
    ok = False
    for r in rules:
        name, _, text = r.partition(":")
        if finding["rule"] == name and (not text or text in finding["message"]):
            ok = True
    if not ok or first is None:
        return ok
    if first <= finding["line"] <= last:
        return True
    return any(re.search(rf"app\.py:{n}\b", finding["message"]) for n in range(first, last + 1))


def next_code_line(lines, i):
    """1-based line of the first code line after index i (0-based)."""
    j = i + 1
    while j < len(lines) and (not lines[j].strip() or lines[j].strip().startswith("#")):
        j += 1
    return j + 1


def block_end(lines, start):
    """Last line (1-based) of the statement group starting at `start`: until a blank line,
    a comment line or a dedent to a `def`."""
    j = start
    while j < len(lines):
        s = lines[j].strip()
        if not s or s.startswith("#") or s.startswith("def ") or s.startswith("class "):
            break
        j += 1
    return max(start, j)


def cases_lines(style, text):
    """(kind, peer_rule, first_line, last_line) for each annotated case."""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        s = line.strip()
        if style == "semgrep":
            m = re.match(r"#\s*(ruleid|ok|todoruleid|todook)\s*:\s*([\w.-]+)", s)
            if m:
                kind = "pos" if m.group(1) == "ruleid" else "neg"
                if m.group(1).startswith("todo"):
                    continue
                start = next_code_line(lines, i)
                out.append((kind, m.group(2).split(".")[-1], start, block_end(lines, start - 1)))
        elif style == "bearer":
            m = re.match(r"#\s*bearer:expected\s+([\w.-]+)", s)
            if m:
                start = next_code_line(lines, i)
                out.append(("pos", m.group(1), start, start))
            elif CALL.search(line) and not s.startswith("#"):
                prev = lines[i - 1].strip() if i else ""
                if "bearer:expected" not in prev:
                    out.append(("neg", None, i + 1, i + 1))
        elif style == "sonar":
            # A positive covers the lines since the previous library call or `def` (the
            # options may be built a line above; jwtward reports where they switch it off).
            start = i
            while start > 0:
                prev = lines[start - 1]
                if CALL.search(prev) or prev.lstrip().startswith(("def ", "async def ", "@")):
                    break
                start -= 1
            if "# Noncompliant" in line:
                out.append(("pos", None, start + 1, i + 1))
            elif CALL.search(line) and not s.startswith("#"):
                out.append(("neg", None, i + 1, i + 1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jwtward", default="target/release/jwtward")
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()
    binary = os.path.abspath(args.jwtward)
    scratch = tempfile.mkdtemp(prefix="jwtward-peers-")
    total = {"pos": 0, "found": 0, "neg": 0, "flagged": 0}
    print(f"{'suite':<15} {'positives':>9} {'found':>6} {'negatives':>9} {'flagged':>7}")
    details = []
    for suite, repo, style, paths in SUITES:
        mirror = os.path.join(args.mirrors, repo, "repo")
        if not os.path.isdir(mirror):
            print(f"{suite:<15} missing mirror {mirror} (fetch github:{repo.replace('+', '/')})")
            continue
        stats = {"pos": 0, "found": 0, "neg": 0, "flagged": 0}
        out_of_scope = []
        if style == "pairs":
            files = git(mirror, "ls-tree", "-r", "--name-only", "HEAD", paths).split()
            groups = {}
            for f in files:
                parts = f.split("/")
                if f.endswith(".py") and parts[-1] in ("vulnerable.py", "safe.py"):
                    groups.setdefault(parts[-2], []).append(f)
            for case, fs in sorted(groups.items()):
                rules = MAP.get(case)
                if rules is None:
                    out_of_scope.append(case)
                    continue
                for f in sorted(fs):
                    d = os.path.join(scratch, suite, case, os.path.basename(f)[:-3])
                    os.makedirs(d, exist_ok=True)
                    p = os.path.join(d, "app.py")
                    with open(p, "w") as fh:
                        fh.write(git(mirror, "show", f"HEAD:{f}"))
                    hit = [x for x in scan(binary, d) if matches(x, rules)]
                    if f.endswith("vulnerable.py"):
                        stats["pos"] += 1
                        stats["found"] += bool(hit)
                        if not hit:
                            details.append(f"{suite}: MISS {case} (vulnerable.py)")
                    else:
                        stats["neg"] += 1
                        stats["flagged"] += bool(hit)
                        if hit:
                            details.append(
                                f"{suite}: FLAGGED {case} (safe.py) by "
                                + ", ".join(f"{x['rule']}:{x['line']}" for x in hit)
                            )
        else:
            for f in paths:
                text = git(mirror, "show", f"HEAD:{f}")
                name = os.path.basename(f)[:-3]
                peer_file_rule = {
                    "sonar": "S5659" if "lask" not in name else "flaskHardCodedJWTSecretKey",
                    "bearer": None,
                    "semgrep": None,
                }[style]
                if style == "bearer" and "/django/" in f:
                    peer_file_rule = "python_django_jwt_weak_encryption"
                cases = cases_lines(style, text)
                rules_of = lambda r: MAP.get(r or peer_file_rule)  # noqa: E731
                names = {r or peer_file_rule for _, r, _, _ in cases if r or peer_file_rule}
                if style == "bearer" and peer_file_rule is None:
                    pos_rules = {r for k, r, _, _ in cases if k == "pos"}
                    peer_file_rule = next(iter(pos_rules), None)
                if any(n in OUT for n in names) or (peer_file_rule in OUT):
                    out_of_scope.append(f"{name} ({OUT.get(peer_file_rule) or ', '.join(OUT.get(n, '') for n in names)})")
                    continue
                d = os.path.join(scratch, suite, name)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, "app.py"), "w") as fh:
                    fh.write(text)
                findings = scan(binary, d)
                for kind, r, first, last in cases:
                    rules = rules_of(r) or rules_of(peer_file_rule)
                    if rules is None:
                        continue
                    src_line = text.splitlines()[last - 1]
                    if style == "sonar" and "get_unverified_header" in src_line:
                        # Sonar reports header reads whose fields (other than kid/jku/x5u)
                        # are used; jwtward treats a header read as key selection and
                        # reports an unpinned `alg` from it as algorithms-not-pinned.
                        stats.setdefault("header", 0)
                        stats["header"] += kind == "pos"
                        continue
                    hit = [x for x in findings if matches(x, rules, first, last)]
                    src = text.splitlines()[last - 1].strip()[:90]
                    if kind == "pos":
                        stats["pos"] += 1
                        stats["found"] += bool(hit)
                        if not hit:
                            details.append(f"{suite}: MISS {name}:{first} {src}")
                    else:
                        stats["neg"] += 1
                        stats["flagged"] += bool(hit)
                        if hit:
                            details.append(
                                f"{suite}: FLAGGED {name}:{first} {src} by "
                                + ", ".join(x["rule"] for x in hit)
                            )
        for k in total:
            total[k] += stats[k]
        print(
            f"{suite:<15} {stats['pos']:>9} {stats['found']:>6} {stats['neg']:>9} {stats['flagged']:>7}"
            + (f"   ({100 * stats['found'] // max(stats['pos'], 1)}% found)" if stats["pos"] else "")
        )
        if stats.get("header"):
            print(
                f"{'':<15} out of scope: {stats['header']} positives on unverified header reads"
                " (sonar's header-field rule; jwtward treats header reads as key selection)"
            )
        if out_of_scope:
            print(f"{'':<15} out of scope: {', '.join(out_of_scope)}")
    print(
        f"{'total':<15} {total['pos']:>9} {total['found']:>6} {total['neg']:>9} {total['flagged']:>7}"
    )
    print("codeql          skipped: the github/codeql snapshot is larger than the fetch limit")
    if args.show_misses:
        for line in details:
            print(line)


if __name__ == "__main__":
    sys.exit(main())
