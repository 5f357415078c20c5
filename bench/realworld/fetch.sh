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
  git --git-dir="$g" ls-tree -r "$commit" | awk '$2=="blob"{print $3"\t"$4}' >"$tmp/tree"
  cut -f1 "$tmp/tree" | git --git-dir="$g" cat-file --batch-check='%(objectname) %(objectsize)' 2>/dev/null |
    awk '$2!="missing"{print $1}' | sort -u >"$tmp/have"
  awk -F'\t' 'NR==FNR{h[$1]=1;next} ($1 in h){print $2}' "$tmp/have" "$tmp/tree" |
    grep -vE '\.(png|jpg|jpeg|gif|zip|gz|xdb|woff2?|ttf|ico|svg|mp4|pdf|db|sqlite)$' >"$tmp/paths" || true
  if [ -s "$tmp/paths" ]; then
    tr '\n' '\0' <"$tmp/paths" | xargs -0 git --git-dir="$g" archive "$commit" -- | tar -x -C "$dest.part"
  fi
  rm -rf "$dest"
  mv "$dest.part" "$dest"
  echo "extracted: $repo @ ${commit:0:12} -> $dest ($(wc -l <"$tmp/paths") files)"
  done_=$((done_ + 1))
done <"$here/projects.tsv"

echo "extracted $done_, missing $missing, commit mismatch $bad"
[ "$missing" -eq 0 ] && [ "$bad" -eq 0 ]
