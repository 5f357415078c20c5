//! Wordlist input: memory-mapped plain files or streamed gzip, and newline helpers.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// A wordlist opened for reading.
pub(crate) enum Wordlist {
    /// The whole file mapped (plain text). `None` for an empty file.
    Mapped(Option<memmap2::Mmap>),
    /// Read block by block: a gzip file, or a pipe, FIFO or other non-regular file
    /// (`-w <(zcat list.gz)`, `mkfifo`), which has no length to map.
    Stream(Box<dyn Read + Send>),
}

pub(crate) fn open(path: &Path) -> std::io::Result<Wordlist> {
    let mut f = File::open(path)?;
    let meta = f.metadata()?;
    if meta.is_dir() {
        return Err(std::io::Error::other("is a directory, not a wordlist file"));
    }
    if !meta.is_file() {
        // A pipe can be read once only: the magic bytes read here go back in front.
        let mut magic = Vec::with_capacity(2);
        (&mut f).take(2).read_to_end(&mut magic)?;
        let stream = std::io::Cursor::new(magic.clone()).chain(f);
        if magic == [0x1f, 0x8b] {
            return Ok(Wordlist::Stream(Box::new(
                flate2::read::MultiGzDecoder::new(stream),
            )));
        }
        return Ok(Wordlist::Stream(Box::new(stream)));
    }
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic)?;
    let f = File::open(path)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        return Ok(Wordlist::Stream(Box::new(
            flate2::read::MultiGzDecoder::new(f),
        )));
    }
    if meta.len() == 0 {
        return Ok(Wordlist::Mapped(None));
    }
    // SAFETY: the map is read-only; a wordlist changed by another process while we read it
    // gives wrong candidates, not memory unsafety beyond what every mmap reader accepts.
    let map = unsafe { memmap2::Mmap::map(&f)? };
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(Wordlist::Mapped(Some(map)))
}

/// Number of lines in `buf` (a last line without newline counts).
pub(crate) fn count_lines(buf: &[u8]) -> u64 {
    if buf.is_empty() {
        return 0;
    }
    count_newlines(buf) + u64::from(*buf.last().expect("non-empty") != b'\n')
}

/// Number of `\n` bytes in `buf`. Counted in byte-wide lanes over runs of at most 255 bytes,
/// which the compiler turns into vector compares and subtracts (`filter().count()` does not
/// vectorise and ran at about 1.5 GB/s).
pub(crate) fn count_newlines(buf: &[u8]) -> u64 {
    buf.chunks(255)
        .map(|c| u64::from(c.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

/// Byte offset just after the `n`-th newline (or `buf.len()` when there are fewer lines).
pub(crate) fn skip_lines(buf: &[u8], mut n: u64) -> usize {
    const BLOCK: usize = 1 << 16;
    let mut off = 0;
    while n > 0 && off < buf.len() {
        let end = (off + BLOCK).min(buf.len());
        let c = count_newlines(&buf[off..end]);
        if c < n {
            n -= c;
            off = end;
            continue;
        }
        for (i, &b) in buf[off..end].iter().enumerate() {
            if b == b'\n' {
                n -= 1;
                if n == 0 {
                    return off + i + 1;
                }
            }
        }
    }
    if n > 0 { buf.len() } else { off }
}

/// Offset just after the first newline at or after `at` (or `buf.len()`).
pub(crate) fn next_line_start(buf: &[u8], at: usize) -> usize {
    if at >= buf.len() {
        return buf.len();
    }
    match find_newline(&buf[at..]) {
        Some(p) => at + p + 1,
        None => buf.len(),
    }
}

/// Position of the first `\n` in `s`, eight bytes at a time (SWAR: a zero byte of
/// `word ^ 0x0a..0a` marks a newline).
#[inline]
pub(crate) fn find_newline(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const NL: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut i = 0;
    while i + 8 <= s.len() {
        let w = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes")) ^ NL;
        let hit = w.wrapping_sub(ONES) & !w & HIGH;
        if hit != 0 {
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

/// Calls `f` on every line of `buf` (without `\n` and a trailing `\r`) until it returns false.
pub(crate) fn for_each_line<'a>(buf: &'a [u8], mut f: impl FnMut(&'a [u8]) -> bool) {
    let mut lines = LineBatches::new(buf);
    let mut batch: [&[u8]; 64] = [&[]; 64];
    loop {
        let n = lines.fill(&mut batch);
        if n == 0 || !batch[..n].iter().all(|&line| f(line)) {
            return;
        }
    }
}

/// The lines of a buffer (without `\n` and a trailing `\r`, as [`for_each_line`]), handed out
/// in batches: a loop with no callback per line, which is what the crack loop needs.
pub(crate) struct LineBatches<'a> {
    buf: &'a [u8],
    /// Start of the next line.
    start: usize,
    /// Offset of the 64-byte block whose remaining newlines are in `newlines`.
    base: usize,
    newlines: u64,
    /// Offset of the next block to compare.
    next_block: usize,
    simd: bool,
}

impl<'a> LineBatches<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> LineBatches<'a> {
        #[cfg(target_arch = "x86_64")]
        let simd = std::arch::is_x86_feature_detected!("avx512bw");
        #[cfg(not(target_arch = "x86_64"))]
        let simd = false;
        LineBatches::with(buf, simd)
    }

    /// `simd: false` splits byte-wise on any CPU (the fallback, also tested on AVX-512 ones).
    fn with(buf: &'a [u8], simd: bool) -> LineBatches<'a> {
        LineBatches {
            buf,
            start: 0,
            base: 0,
            newlines: 0,
            next_block: 0,
            simd,
        }
    }

    /// Fills `out` with the next lines; returns how many (fewer than `out.len()` only at the
    /// end, 0 when there are no more).
    pub(crate) fn fill(&mut self, out: &mut [&'a [u8]]) -> usize {
        #[cfg(target_arch = "x86_64")]
        if self.simd {
            // SAFETY: `simd` is set only when the CPU has AVX-512F/BW.
            return unsafe { self.fill_avx512(out) };
        }
        self.fill_tail(out, 0)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn fill_avx512(&mut self, out: &mut [&'a [u8]]) -> usize {
        use std::arch::x86_64::*;
        let nl = _mm512_set1_epi8(b'\n' as i8);
        let buf = self.buf;
        // The state in locals: stored through `self` it went to memory on every line.
        let (mut start, mut base, mut newlines, mut next_block) =
            (self.start, self.base, self.newlines, self.next_block);
        let mut n = 0;
        loop {
            while newlines != 0 && n < out.len() {
                let end = base + newlines.trailing_zeros() as usize;
                let line = &buf[start..end];
                out[n] = line.strip_suffix(b"\r").unwrap_or(line);
                n += 1;
                start = end + 1;
                newlines &= newlines - 1;
            }
            if n == out.len() || next_block + 64 > buf.len() {
                break;
            }
            base = next_block;
            // SAFETY: `base + 64 <= buf.len()`: 64 readable bytes.
            let block = unsafe { _mm512_loadu_si512(buf.as_ptr().add(base).cast()) };
            // The kernel runs for thousands of cycles between batches, long enough for the
            // hardware prefetcher to lose the stream: ask for the bytes 2 KiB on now. (A
            // prefetch never faults, past the end included.)
            _mm_prefetch::<_MM_HINT_T0>(buf.as_ptr().wrapping_add(base + 2048).cast());
            newlines = _mm512_cmpeq_epi8_mask(block, nl);
            next_block += 64;
        }
        (self.start, self.base, self.newlines, self.next_block) =
            (start, base, newlines, next_block);
        if n < out.len() {
            // Every newline before `next_block` is consumed; the rest is scalar.
            return self.fill_tail(out, n);
        }
        n
    }

    /// Lines from `start` on, found byte-wise, into `out[n..]`.
    fn fill_tail(&mut self, out: &mut [&'a [u8]], mut n: usize) -> usize {
        while n < out.len() && self.start < self.buf.len() {
            let rest = &self.buf[self.start..];
            let line = match find_newline(rest) {
                Some(p) => {
                    self.start += p + 1;
                    &rest[..p]
                }
                None => {
                    self.start = self.buf.len();
                    rest
                }
            };
            out[n] = line.strip_suffix(b"\r").unwrap_or(line);
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(count_lines(b""), 0);
        assert_eq!(count_lines(b"a"), 1);
        assert_eq!(count_lines(b"a\n"), 1);
        assert_eq!(count_lines(b"a\n\nb"), 3);
        let buf = b"one\ntwo\r\nthree\n";
        assert_eq!(skip_lines(buf, 1), 4);
        assert_eq!(skip_lines(buf, 2), 9);
        assert_eq!(skip_lines(buf, 9), buf.len());
        let mut v = Vec::new();
        for_each_line(buf, |l| {
            v.push(l.to_vec());
            true
        });
        assert_eq!(v, vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
        // Lines across 64-byte blocks, CRLF, empty lines, a last line without newline, and an
        // early stop: the vector splitter and the byte-wise one agree with a plain split.
        fn plain(buf: &[u8]) -> Vec<&[u8]> {
            if buf.is_empty() {
                return Vec::new();
            }
            let body = buf.strip_suffix(b"\n").unwrap_or(buf);
            body.split(|&b| b == b'\n')
                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                .collect()
        }
        let mut text = Vec::new();
        for i in 0..500usize {
            text.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, (i * 7) % 90));
            text.extend_from_slice(if i % 5 == 0 { b"\r\n" } else { b"\n" });
        }
        text.extend_from_slice(b"tail");
        // The vector path where this CPU has it, and the byte-wise fallback everywhere.
        let simd_here = LineBatches::new(b"").simd;
        for len in [0, 1, 63, 64, 65, 200, text.len()] {
            let expected = plain(&text[..len]);
            let mut each = Vec::new();
            for_each_line(&text[..len], |l| {
                each.push(l);
                true
            });
            assert_eq!(each, expected, "len {len}");
            for simd in [simd_here, false] {
                for batch in [1, 3, 64] {
                    let mut batches = LineBatches::with(&text[..len], simd);
                    let mut out = vec![&b""[..]; batch];
                    let mut got = Vec::new();
                    loop {
                        let n = batches.fill(&mut out);
                        got.extend_from_slice(&out[..n]);
                        if n < batch {
                            assert_eq!(batches.fill(&mut out), 0);
                            break;
                        }
                    }
                    assert_eq!(got, expected, "len {len} batch {batch} simd {simd}");
                }
            }
        }
        let mut seen = 0;
        for_each_line(&text, |_| {
            seen += 1;
            seen < 300
        });
        assert_eq!(seen, 300);
        for n in 0..40 {
            let mut v = vec![b'x'; n];
            assert_eq!(find_newline(&v), None);
            for at in 0..n {
                v[at] = b'\n';
                assert_eq!(find_newline(&v), Some(at));
                v[at] = 0x8a; // high bit set, not a newline
                assert_eq!(find_newline(&v), None);
                v[at] = b'x';
            }
        }
        let big: Vec<u8> = (0..200_000)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let off = skip_lines(&big, 150_000);
        assert!(big[off..].starts_with(b"150000\n"));
    }

    /// The byte-lane counter agrees with a plain count on runs longer than 255 newlines (where
    /// a `u8` lane would overflow if the runs were not cut) and on every small length.
    #[test]
    fn newline_count_matches_plain_count() {
        let plain = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count() as u64;
        let all_newlines = vec![b'\n'; 100_000];
        assert_eq!(count_newlines(&all_newlines), 100_000);
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mixed: Vec<u8> = (0..70_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if x.is_multiple_of(3) {
                    b'\n'
                } else {
                    (x >> 8) as u8
                }
            })
            .collect();
        for len in (0..600).chain([65_535, 65_536, 70_000]) {
            assert_eq!(
                count_newlines(&mixed[..len]),
                plain(&mixed[..len]),
                "len {len}"
            );
        }
    }
}
