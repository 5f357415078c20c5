//! Wordlist, mask and rule parsing: the first line is a mask, the next four custom charsets
//! (`-1`..`-4`), the rest a wordlist, searched (bounded) with and without rules.
#![no_main]

#[path = "../targets/crack_input.rs"]
mod target;

libfuzzer_sys::fuzz_target!(|data: &[u8]| target::run(data));
