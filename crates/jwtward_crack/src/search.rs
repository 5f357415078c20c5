//! The search driver: candidate sources in a fixed order (built-in list, wordlist, mask), cut
//! into chunks that run on all cores, with a resumable position.
//!
//! Positions: candidate `i` of the whole sequence is the `i`-th key tried (built-in words, then
//! wordlist words, each expanded to [`rules::VARIANTS`] slots when rules are on, then the mask
//! keyspace, shortest length first). [`Outcome::tried`] is a position before which every
//! candidate has been checked, so `skip = tried` resumes without missing any.

use crate::engine::{Engine, EngineKind};
use crate::mask::{Mask, Odometer};
use crate::rules;
use crate::target::Target;
use crate::wordlist::{self, Wordlist};
use crate::{CrackError, builtin_text};
use rayon::prelude::*;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Keys handed to the engine at once (a multiple of every engine's lane count).
const BATCH: usize = 64;
/// Candidates per chunk between two progress updates / resume points (about 0.1-0.5 s).
const CHUNK_CANDIDATES: u64 = 1 << 22;
/// Pieces per thread in a chunk: the threads wait for each other at the end of a chunk, for half
/// a piece on average; with 64, a piece is about 5 ms of work.
const PIECES_PER_THREAD: usize = 64;
/// Longest mask candidate.
const MAX_MASK_LEN: usize = 256;

/// What to search and how.
#[derive(Clone, Debug)]
pub struct SearchOptions {
    pub engine: EngineKind,
    /// Try the built-in list of weak and default JWT secrets first.
    pub builtin: bool,
    /// A wordlist file (plain text, memory-mapped; or gzip, streamed). One key per line.
    pub wordlist: Option<PathBuf>,
    /// Apply [`rules`] to the built-in and wordlist words.
    pub rules: bool,
    pub mask: Option<Mask>,
    /// Start at this position (resume a stopped search).
    pub skip: u64,
    /// Stop after this many candidates (a bound on work).
    pub limit: Option<u64>,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Count a mapped wordlist's lines first, for [`Progress::total`] (a progress bar's ETA).
    /// A full read of the file: 2-3% of a fast search, wasted when nothing shows the total.
    pub count_total: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            engine: EngineKind::Auto,
            builtin: false,
            wordlist: None,
            rules: false,
            mask: None,
            skip: 0,
            limit: None,
            threads: 0,
            count_total: true,
        }
    }
}

/// Live state shared with the caller (progress bar, Ctrl-C handler).
#[derive(Debug, Default)]
pub struct Progress {
    tried: AtomicU64,
    total: AtomicU64,
    stop: AtomicBool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress::default()
    }
    /// The resume position reached so far.
    pub fn tried(&self) -> u64 {
        self.tried.load(Ordering::Relaxed)
    }
    /// Total candidates when known (gzip wordlists are not counted in advance).
    pub fn total(&self) -> Option<u64> {
        match self.total.load(Ordering::Relaxed) {
            0 => None,
            n => Some(n),
        }
    }
    /// Asks the search to stop as soon as possible (it returns with `stopped = true`).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// How a search ended.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The key, when found.
    pub key: Option<Vec<u8>>,
    /// Its position in the candidate sequence.
    pub position: Option<u64>,
    /// Resume position: every candidate before it was checked (see the module docs).
    pub tried: u64,
    /// Stopped by [`Progress::stop`] before the end.
    pub stopped: bool,
    /// Stopped by [`SearchOptions::limit`].
    pub limited: bool,
    /// The engine used.
    pub engine: EngineKind,
    pub elapsed: Duration,
}

struct Run<'a> {
    engine: Engine,
    progress: &'a Progress,
    found: Mutex<Option<(u64, Vec<u8>)>>,
    /// A hit inside the current word chunk, as (piece, position within the piece): workers do
    /// not know how many lines precede their piece, so it is made absolute after the chunk.
    found_local: Mutex<Option<(usize, u64, Vec<u8>)>>,
    /// Set with `found`, read by the workers after every batch (no lock on the hot path).
    found_flag: AtomicBool,
    /// Absolute position reached (all before it checked).
    pos: u64,
    skip: u64,
    end: u64,
    variants: u64,
    rules: bool,
    threads: usize,
}

enum Flow {
    Continue,
    Halt,
}

impl Run<'_> {
    fn halted(&self) -> bool {
        self.progress.is_stopped() || self.found_flag.load(Ordering::Relaxed)
    }

    fn record(&self, position: u64, key: &[u8]) {
        let mut f = self.found.lock().expect("lock");
        if f.as_ref().is_none_or(|(p, _)| position < *p) {
            *f = Some((position, key.to_vec()));
        }
        self.found_flag.store(true, Ordering::Relaxed);
    }

    fn record_local(&self, piece: usize, position: u64, key: &[u8]) {
        let mut f = self.found_local.lock().expect("lock");
        if f.as_ref()
            .is_none_or(|(i, p, _)| (piece, position) < (*i, *p))
        {
            *f = Some((piece, position, key.to_vec()));
        }
        self.found_flag.store(true, Ordering::Relaxed);
    }

    fn advance(&mut self, to: u64) {
        self.pos = to;
        self.progress.tried.store(to, Ordering::Relaxed);
    }

    /// Runs a buffer of complete lines (a whole mapped file, the built-in list, or a decoded gzip
    /// block). The buffer's first line is at absolute position `self.pos`.
    fn words(&mut self, buf: &[u8]) -> Flow {
        let v = self.variants;
        let mut off = 0;
        // Skip whole words before the resume position.
        if self.skip > self.pos {
            let skip_words = (self.skip - self.pos) / v;
            let lines = wordlist::count_lines(buf);
            if skip_words >= lines {
                let to = self.pos + lines * v;
                self.advance(to);
                return Flow::Continue;
            }
            off = wordlist::skip_lines(buf, skip_words);
            let to = self.pos + skip_words * v;
            self.advance(to);
        }
        let avg = 10usize;
        let chunk_bytes = ((CHUNK_CANDIDATES / v) as usize * avg).max(1024);
        while off < buf.len() {
            if self.pos >= self.end {
                return Flow::Halt;
            }
            let mut stop = wordlist::next_line_start(buf, (off + chunk_bytes).min(buf.len()) - 1);
            if self.end != u64::MAX {
                // A bounded run stops at the last whole word that fits the limit (with rules a
                // word is `v` candidates, all tried together); unbounded runs skip this count.
                let budget_words = (self.end - self.pos) / v;
                if budget_words == 0 {
                    // Less than one word's candidates left: the limit is reached here.
                    self.end = self.pos;
                    return Flow::Halt;
                }
                let lines = wordlist::count_lines(&buf[off..stop]);
                if lines > budget_words {
                    stop = off + wordlist::skip_lines(&buf[off..], budget_words);
                }
            }
            let chunk = &buf[off..stop];
            // Cut the chunk into pieces for the workers; each counts its own lines.
            let pieces_wanted = self.threads * PIECES_PER_THREAD;
            let piece_bytes = chunk.len().div_ceil(pieces_wanted).max(1);
            let mut pieces = Vec::with_capacity(pieces_wanted + 1);
            let mut p = 0;
            while p < chunk.len() {
                let q = wordlist::next_line_start(chunk, (p + piece_bytes).min(chunk.len()) - 1);
                pieces.push(&chunk[p..q]);
                p = q;
            }
            let this = &*self;
            let counts: Vec<u64> = pieces
                .par_iter()
                .enumerate()
                .map(|(i, piece)| this.words_piece(i, piece))
                .collect();
            let hit = self.found_local.lock().expect("lock").take();
            if let Some((i, local, key)) = hit {
                // Pieces before the hit may have stopped early: count their lines again.
                let before: u64 = pieces[..i].iter().map(|p| wordlist::count_lines(p)).sum();
                self.record(self.pos + before * v + local, &key);
            }
            if self.halted() {
                return Flow::Halt;
            }
            let lines: u64 = counts.iter().sum();
            let to = self.pos + lines * v;
            self.advance(to);
            off = stop;
        }
        Flow::Continue
    }

    /// Checks the words of one piece; returns its number of lines (fewer when halted early).
    fn words_piece(&self, piece_idx: usize, piece: &[u8]) -> u64 {
        let mut line_pos = 0u64;
        if !self.rules {
            let mut keys: [&[u8]; BATCH] = [&[]; BATCH];
            let mut lines = wordlist::LineBatches::new(piece);
            loop {
                let n = lines.fill(&mut keys);
                if n == 0 {
                    return line_pos;
                }
                if let Some(i) = self.engine.check(&keys[..n]) {
                    self.record_local(piece_idx, line_pos + i as u64, keys[i]);
                }
                line_pos += n as u64;
                if self.halted() {
                    return line_pos;
                }
            }
        }
        let mut arena = [[0u8; rules::MAX_LEN]; BATCH];
        let mut lens = [0usize; BATCH];
        let mut pos = [0u64; BATCH];
        let mut n = 0;
        let flush = |arena: &[[u8; rules::MAX_LEN]; BATCH],
                     lens: &[usize; BATCH],
                     pos: &[u64; BATCH],
                     n: usize| {
            let keys: [&[u8]; BATCH] = std::array::from_fn(|i| &arena[i][..lens[i]]);
            if let Some(i) = self.engine.check(&keys[..n]) {
                self.record_local(piece_idx, pos[i], keys[i]);
            }
        };
        wordlist::for_each_line(piece, |line| {
            for slot in 0..rules::VARIANTS {
                if let Some(len) = rules::apply(line, slot, &mut arena[n]) {
                    lens[n] = len;
                    pos[n] = line_pos + slot as u64;
                    n += 1;
                    if n == BATCH {
                        flush(&arena, &lens, &pos, n);
                        n = 0;
                    }
                } else if slot == 0 && line.len() > rules::MAX_LEN {
                    // Too long for the rule arena: try the word itself.
                    if let Some(i) = self.engine.check(&[line]) {
                        self.record_local(piece_idx, line_pos + i as u64, line);
                    }
                }
            }
            line_pos += rules::VARIANTS as u64;
            !self.halted()
        });
        if n > 0 && !self.halted() {
            flush(&arena, &lens, &pos, n);
        }
        line_pos / rules::VARIANTS as u64
    }

    fn mask(&mut self, mask: &Mask) -> Flow {
        for len in mask.lengths() {
            let count = mask.keyspace_len(len);
            let seg_start = self.pos;
            let seg_end = seg_start.saturating_add(count);
            if self.skip >= seg_end {
                self.advance(seg_end);
                continue;
            }
            let mut idx = self.skip.saturating_sub(seg_start);
            self.advance(seg_start + idx);
            let sets = mask.charsets(len);
            while idx < count {
                if self.pos >= self.end {
                    return Flow::Halt;
                }
                let n = (count - idx).min(CHUNK_CANDIDATES).min(self.end - self.pos);
                let pieces = (self.threads * PIECES_PER_THREAD) as u64;
                let per = n.div_ceil(pieces).max(1);
                let starts: Vec<u64> = (0..pieces)
                    .map(|i| idx + i * per)
                    .filter(|&s| s < idx + n)
                    .collect();
                let this = &*self;
                let chunk_end = idx + n;
                starts
                    .par_iter()
                    .for_each(|&s| this.mask_piece(sets, s, (s + per).min(chunk_end), seg_start));
                if self.halted() {
                    return Flow::Halt;
                }
                idx += n;
                let to = seg_start + idx;
                self.advance(to);
            }
        }
        Flow::Continue
    }

    fn mask_piece(&self, sets: &[Vec<u8>], start: u64, end: u64, seg_start: u64) {
        let len = sets.len();
        let mut arena = [[0u8; MAX_MASK_LEN]; BATCH];
        let mut odo = Odometer::new(sets, start);
        let mut i = start;
        while i < end {
            let n = ((end - i) as usize).min(BATCH);
            if len <= 16 {
                // A fixed-size copy (one vector move) instead of a `memcpy` call per key: the
                // bytes past `len` are never read as part of the key.
                for slot in arena.iter_mut().take(n) {
                    slot[..16].copy_from_slice(&odo.head);
                    odo.advance();
                }
            } else {
                for slot in arena.iter_mut().take(n) {
                    slot[..len].copy_from_slice(&odo.word);
                    odo.advance();
                }
            }
            let keys: [&[u8]; BATCH] = std::array::from_fn(|k| &arena[k][..len]);
            if let Some(k) = self.engine.check(&keys[..n]) {
                self.record(seg_start + i + k as u64, keys[k]);
            }
            i += n as u64;
            if self.halted() {
                return;
            }
        }
    }
}

/// Runs a search. Returns when the key is found, the sources are exhausted, the limit is
/// reached or [`Progress::stop`] is called. Prints nothing.
pub fn search(
    target: &Target,
    opts: &SearchOptions,
    progress: &Progress,
) -> Result<Outcome, CrackError> {
    let started = Instant::now();
    if !opts.builtin && opts.wordlist.is_none() && opts.mask.is_none() {
        return Err(CrackError::NoSource);
    }
    if let Some(m) = &opts.mask
        && m.len() > MAX_MASK_LEN
    {
        return Err(CrackError::Mask(crate::MaskError::Increment {
            min: 1,
            max: MAX_MASK_LEN,
            len: m.len(),
        }));
    }
    let engine = Engine::new(target, opts.engine)?;
    let kind = engine.kind();
    let wl = match &opts.wordlist {
        Some(p) => Some(wordlist::open(p).map_err(|source| CrackError::Wordlist {
            path: p.display().to_string(),
            source,
        })?),
        None => None,
    };
    let variants = if opts.rules {
        rules::VARIANTS as u64
    } else {
        1
    };
    // Total, when it can be known without reading a stream (gzip, pipe).
    let mut total = 0u64;
    let mut known = true;
    if opts.builtin {
        total += wordlist::count_lines(builtin_text().as_bytes()) * variants;
    }
    match &wl {
        Some(Wordlist::Mapped(Some(_))) if !opts.count_total => known = false,
        Some(Wordlist::Mapped(Some(m))) => {
            // Every line ends with `\n` except perhaps the last: count newlines in parallel.
            let nl: u64 = m.par_chunks(1 << 20).map(wordlist::count_newlines).sum();
            let last = u64::from(m.last().is_some_and(|&b| b != b'\n'));
            total += (nl + last) * variants
        }
        Some(Wordlist::Stream(_)) => known = false,
        _ => {}
    }
    if let Some(m) = &opts.mask {
        total = total.saturating_add(m.keyspace());
    }
    progress
        .total
        .store(if known { total } else { 0 }, Ordering::Relaxed);
    progress.tried.store(opts.skip, Ordering::Relaxed);
    let threads = if opts.threads == 0 {
        rayon::current_num_threads()
    } else {
        opts.threads
    };
    let mut run = Run {
        engine,
        progress,
        found: Mutex::new(None),
        found_local: Mutex::new(None),
        found_flag: AtomicBool::new(false),
        pos: 0,
        skip: opts.skip,
        end: opts.limit.map_or(u64::MAX, |l| opts.skip.saturating_add(l)),
        variants,
        rules: opts.rules,
        threads,
    };
    let body = |run: &mut Run| -> Result<(), CrackError> {
        if opts.builtin && matches!(run.words(builtin_text().as_bytes()), Flow::Halt) {
            return Ok(());
        }
        match wl {
            Some(Wordlist::Mapped(Some(m))) => {
                if matches!(run.words(&m), Flow::Halt) {
                    return Ok(());
                }
            }
            Some(Wordlist::Stream(mut z)) => {
                let path = opts
                    .wordlist
                    .as_ref()
                    .expect("wordlist")
                    .display()
                    .to_string();
                let mut buf: Vec<u8> = Vec::with_capacity(16 << 20);
                let mut eof = false;
                while !eof {
                    // Fill the buffer to 16 MiB (or EOF), run its complete lines, keep the rest.
                    let mut filled = buf.len();
                    buf.resize(16 << 20, 0);
                    while filled < buf.len() {
                        let n =
                            z.read(&mut buf[filled..])
                                .map_err(|source| CrackError::Wordlist {
                                    path: path.clone(),
                                    source,
                                })?;
                        if n == 0 {
                            eof = true;
                            break;
                        }
                        filled += n;
                    }
                    buf.truncate(filled);
                    let cut = if eof {
                        buf.len()
                    } else {
                        match buf.iter().rposition(|&b| b == b'\n') {
                            Some(p) => p + 1,
                            None => buf.len(),
                        }
                    };
                    if matches!(run.words(&buf[..cut]), Flow::Halt) {
                        return Ok(());
                    }
                    buf.drain(..cut);
                }
            }
            _ => {}
        }
        if let Some(m) = &opts.mask {
            let _ = run.mask(m);
        }
        Ok(())
    };
    if opts.threads > 0 {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads)
            .build()
            .map_err(|e| CrackError::Wordlist {
                path: "<thread pool>".into(),
                source: std::io::Error::other(e),
            })?;
        pool.install(|| body(&mut run))?;
    } else {
        body(&mut run)?;
    }
    let found = run.found.lock().expect("lock").take();
    let stopped = progress.is_stopped() && found.is_none();
    let limited = found.is_none() && !stopped && run.pos >= run.end;
    Ok(Outcome {
        position: found.as_ref().map(|f| f.0),
        key: found.map(|f| f.1),
        tried: run.pos,
        stopped,
        limited,
        engine: kind,
        elapsed: started.elapsed(),
    })
}
