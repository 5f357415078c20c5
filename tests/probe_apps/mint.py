"""Prints valid fixture tokens as JSON: {"hs": ..., "weak": ..., "kid": ..., "rs": ..., "role": ..., "ident": ...}."""

import json
import sys

from common import mint

kinds = sys.argv[1:] or ["hs", "weak", "kid", "rs", "role", "ident"]
print(json.dumps({k: mint(k) for k in kinds}))
