//! Stable finding fingerprints, shared by SARIF (`primaryLocationLineHash`) and baselines.
//!
//! A fingerprint hashes the rule, the file (relative to a root), the whitespace-normalised
//! text of the flagged line (never its number) and the route, plus an occurrence counter for
//! identical keys. Moving unrelated lines does not change it.

use crate::finding::Finding;
use crate::text::SourceProvider;
use std::collections::HashMap;
use std::path::Path;

/// A path relative to `root` when it lies below it, with `/` separators and no `./`.
pub fn relative_path(file: &str, root: Option<&Path>) -> String {
    let p = Path::new(file);
    let rel = root
        .and_then(|r| {
            let abs = std::path::absolute(p).ok()?;
            let root = std::path::absolute(r).ok()?;
            abs.strip_prefix(&root).ok().map(|x| x.to_path_buf())
        })
        .unwrap_or_else(|| p.to_path_buf());
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// A 64-bit FNV-1a hash as 16 hex digits: stable across runs and platforms.
fn fnv1a(data: &[u8]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

/// The fingerprints of `findings`, in order.
pub fn compute(
    findings: &[Finding],
    sources: &dyn SourceProvider,
    root: Option<&Path>,
) -> Vec<String> {
    let mut cache: HashMap<String, Option<Vec<String>>> = HashMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // The hash of each (rule, file, line, route) once: thousands of findings on one long line
    // normalised and hashed that line once each.
    type Place<'f> = (&'f str, &'f str, u32, Option<&'f str>, Option<&'f str>);
    let mut hashes: HashMap<Place, String> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let place = f.location.as_ref().map(|l| {
                (
                    f.rule.as_str(),
                    l.file.as_str(),
                    l.line,
                    f.method.as_deref(),
                    f.path.as_deref(),
                )
            });
            let known = place.and_then(|p| hashes.get(&p).cloned());
            let hash = known.unwrap_or_else(|| {
                let (file, text) = match &f.location {
                    Some(l) => {
                        let text = cache
                            .entry(l.file.clone())
                            .or_insert_with(|| {
                                sources
                                    .source(&l.file)
                                    .map(|s| s.lines().map(str::to_string).collect())
                            })
                            .as_ref()
                            .and_then(|lines| {
                                lines.get((l.line as usize).saturating_sub(1)).cloned()
                            })
                            .unwrap_or_default();
                        (relative_path(&l.file, root), text)
                    }
                    None => (f.url.clone().unwrap_or_default(), f.message.clone()),
                };
                let norm = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let key = format!(
                    "{}\0{}\0{}\0{} {}",
                    f.rule,
                    file,
                    norm,
                    f.method.as_deref().unwrap_or(""),
                    f.path.as_deref().unwrap_or("")
                );
                let hash = fnv1a(key.as_bytes());
                if let Some(p) = place {
                    hashes.insert(p, hash.clone());
                }
                hash
            });
            let n = seen.entry(hash.clone()).or_insert(0);
            let fp = format!("{hash}:{n}");
            *n += 1;
            fp
        })
        .collect()
}
