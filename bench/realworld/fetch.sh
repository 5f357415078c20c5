#!/usr/bin/env bash
# fetch.sh: extract the pinned real-world projects of projects.tsv for scoring.
#
# For each project (repo<TAB>commit<TAB>scan_subdir<TAB>note) it expects the bare mirror at
# ${MIRROR_DIR:-/work/.mirror}/<owner>+<name>/repo (brought by the `fetch` tool; this script
# only reports which are missing), checks that the mirror's HEAD is the pinned commit, and
# extracts the text files of that commit present in the snapshot into
# ${RW_DIR:-/work/realworld}/<owner>+<name>/ (binary-looking files and objects missing from a
# partial snapshot are skipped). An existing extraction is left alone unless FORCE=1.
#
#   bench/realworld/fetch.sh                 # all projects
#   bench/realworld/fetch.sh lnbits/lnbits   # only these
#   RW_DIR=/tmp/rw FORCE=1 bench/realworld/fetch.sh
#
# Never commit what this extracts: only labels and scripts live in the repository.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mirrors=${MIRROR_DIR:-/work/.mirror}
rw=${RW_DIR:-/work/realworld}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
missing=0 bad=0 done_=0

want() { # want REPO: is REPO selected on the command line (or are all selected)?
  [ "$#" -eq 1 ] && return 0
  local r=$1; shift
  for a in "$@"; do [ "$a" = "$r" ] || [ "$a" = "${r/\//+}" ] && return 0; done
  return 1
}

while IFS=$'\t' read -r repo commit _subdir _note; do
  [ "$repo" = "repo" ] && continue
  [ -z "$repo" ] && continue
  want "$repo" "$@" || continue
  name=${repo/\//+}
  g=$mirrors/$name/repo
  if ! git --git-dir="$g" rev-parse -q --verify HEAD >/dev/null 2>&1; then
    echo "missing: $repo (fetch github:$repo, expected at $g)"
    missing=$((missing + 1))
    continue
  fi
  head=$(git --git-dir="$g" rev-parse HEAD)
  if [ "$head" != "$commit" ]; then
    if git --git-dir="$g" cat-file -e "$commit^{commit}" 2>/dev/null; then
      echo "note: $repo mirror HEAD is $head; extracting the pinned $commit"
    else
      echo "commit mismatch: $repo pinned $commit, mirror has $head (and not the pinned one)"
      bad=$((bad + 1))
      continue
    fi
  fi
  dest=$rw/$name
  if [ -d "$dest" ] && [ -z "${FORCE:-}" ]; then
    echo "present: $repo -> $dest (FORCE=1 to extract again)"
    continue
  fi
  rm -rf "$dest.part"
  mkdir -p "$dest.part"
  # Paths are NUL-separated end to end (spaces, quotes and non-ASCII names are common), and
  # checked out through a throw-away index, so no path is quoted, globbed or split.
  python3 - "$g" "$commit" "$tmp/paths" <<'PY'
import subprocess, sys
g, commit, out = sys.argv[1:]
skip = (".png", ".jpg", ".jpeg", ".gif", ".zip", ".gz", ".xdb", ".woff", ".woff2", ".ttf",
        ".ico", ".svg", ".mp4", ".pdf", ".db", ".sqlite")
tree = subprocess.run(["git", "--git-dir", g, "ls-tree", "-r", "-z", commit],
                      check=True, capture_output=True).stdout.split(b"\0")
blobs = []
for rec in tree:
    if not rec:
        continue
    meta, path = rec.split(b"\t", 1)
    mode, kind, obj = meta.split()
    if kind == b"blob" and mode != b"120000" and not path.lower().endswith(tuple(e.encode() for e in skip)):
        blobs.append((obj, path))
check = subprocess.run(["git", "--git-dir", g, "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                       input=b"".join(o + b"\n" for o, _ in blobs), capture_output=True).stdout
have = {l.split()[0] for l in check.splitlines() if not l.endswith(b"missing")}
with open(out, "wb") as f:
    f.write(b"".join(p + b"\0" for o, p in blobs if o in have))
PY
  if [ -s "$tmp/paths" ]; then
    GIT_INDEX_FILE=$tmp/index GIT_LITERAL_PATHSPECS=1 git --git-dir="$g" --work-tree="$dest.part" \
      checkout "$commit" --pathspec-from-file="$tmp/paths" --pathspec-file-nul -- 2>/dev/null
  fi
  rm -rf "$dest"
  mv "$dest.part" "$dest"
  echo "extracted: $repo @ ${commit:0:12} -> $dest ($(tr -cd '\0' <"$tmp/paths" | wc -c) files)"
  done_=$((done_ + 1))
done <"$here/projects.tsv"

echo "extracted $done_, missing $missing, commit mismatch $bad"
[ "$missing" -eq 0 ] && [ "$bad" -eq 0 ]
