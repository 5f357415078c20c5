"""Imports every fixture app of manifest.json under the real FastAPI, builds its OpenAPI
document, and sends the listed requests without credentials to check the status each
route really answers (what the vulnerable variant lets through, what the fixed one refuses).

A fixture's `pythonpath` (relative to its directory) is put on sys.path too: packages the
app imports that are not part of the scanned tree.

Usage: python import_fixtures.py FIXTURES_DIR
Prints one line per app and exits 1 if any app fails to import, build or answer as listed.
"""
import importlib
import json
import os
import sys
import warnings

warnings.simplefilter("ignore")
from fastapi.testclient import TestClient  # noqa: E402

base = sys.argv[1]
manifest = json.load(open(os.path.join(base, "manifest.json")))
failed = 0
for fx in manifest["fixtures"]:
    root = os.path.join(base, fx["dir"])
    module, attr = fx["app"].split(":")
    top = module.split(".")[0]
    for name in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
        del sys.modules[name]
    sys.path.insert(0, root)
    # Packages the app imports from outside the scanned tree (the company's auth package).
    extra = os.path.normpath(os.path.join(root, fx["pythonpath"])) if "pythonpath" in fx else None
    if extra:
        sys.path.insert(0, extra)
    try:
        app = getattr(importlib.import_module(module), attr)
        doc = app.openapi()
        client = TestClient(app)
        wrong = []
        for request, want in fx.get("anonymous", {}).items():
            method, url = request.split(" ", 1)
            got = client.request(method, url).status_code
            if got != want:
                wrong.append(f"{request}: expected {want}, got {got}")
        if wrong:
            failed += 1
            print(f"FAIL {fx['dir']}: " + "; ".join(wrong))
        else:
            print(f"ok {fx['dir']} paths={len(doc['paths'])} checked={len(fx.get('anonymous', {}))}")
    except Exception as exc:  # report every broken fixture, not just the first
        failed += 1
        print(f"FAIL {fx['dir']}: {type(exc).__name__}: {exc}")
    finally:
        sys.path.remove(root)
        if extra:
            sys.path.remove(extra)
sys.exit(1 if failed else 0)
