//! Wordlists that are not regular files: a named FIFO and an anonymous pipe
//! (`-w <(cat list)`). Before the fix a pipe had length 0 and was "exhausted" after 0
//! candidates, and a FIFO was opened twice (the magic-byte probe ate the first bytes).

use jwtward_crack::{Progress, SearchOptions, Target, search};
use jwtward_jose::{Alg, Key, sign_token};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const KEY: &str = "fifo-only-secret-42";

fn target() -> Target {
    let t = sign_token(
        Alg::HS256,
        &Key::Hmac(KEY.as_bytes().to_vec()),
        &json!({"alg": "HS256"}),
        &json!({"sub": "a"}),
    )
    .unwrap();
    Target::from_token(&t).unwrap()
}

fn words() -> String {
    let mut s = String::new();
    for i in 0..5_000 {
        s.push_str(&format!("word{i}\n"));
    }
    s.push_str(KEY);
    s.push('\n');
    s
}

fn run(path: &Path) -> jwtward_crack::Outcome {
    let opts = SearchOptions {
        builtin: false,
        wordlist: Some(path.to_path_buf()),
        count_total: true,
        ..SearchOptions::default()
    };
    search(&target(), &opts, &Progress::new()).unwrap()
}

/// Runs `f` on a thread and fails the test (instead of hanging it) after 60 s.
fn with_timeout<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the search hung on a stream wordlist")
}

fn fifo(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("jwtward-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    let ok = Command::new("mkfifo").arg(&p).status().unwrap().success();
    assert!(ok, "mkfifo failed");
    p
}

#[test]
fn named_fifo_is_streamed() {
    let p = fifo("fifo");
    let writer_path = p.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap();
        f.write_all(words().as_bytes()).unwrap();
    });
    let path = p.clone();
    let out = with_timeout(move || run(&path));
    writer.join().unwrap();
    std::fs::remove_file(&p).ok();
    assert_eq!(out.key.as_deref(), Some(KEY.as_bytes()));
    assert_eq!(out.position, Some(5_000), "the key is the 5,001st word");
}

/// `-w <(cat list)`: the shell passes `/dev/fd/N`, a pipe.
#[test]
fn anonymous_pipe_is_streamed() {
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(words().as_bytes()).unwrap());
    let stdout = child.stdout.take().unwrap();
    // The pipe's read end as a path, the way a shell hands it over.
    use std::os::fd::AsRawFd;
    let path = PathBuf::from(format!("/proc/self/fd/{}", stdout.as_raw_fd()));
    let out = with_timeout(move || {
        let out = run(&path);
        drop(stdout);
        out
    });
    feeder.join().unwrap();
    child.wait().unwrap();
    assert_eq!(out.key.as_deref(), Some(KEY.as_bytes()));
}

/// A gzip stream through a FIFO is still decoded.
#[test]
fn gzip_through_a_fifo_is_decoded() {
    let p = fifo("gzfifo");
    let writer_path = p.clone();
    let writer = std::thread::spawn(move || {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap();
        let mut z = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        z.write_all(words().as_bytes()).unwrap();
        z.finish().unwrap();
    });
    let path = p.clone();
    let out = with_timeout(move || run(&path));
    writer.join().unwrap();
    std::fs::remove_file(&p).ok();
    assert_eq!(out.key.as_deref(), Some(KEY.as_bytes()));
}
