//! Starting the application under test and always stopping it again.
//!
//! The app runs in a process group of its own (`uvicorn` forks workers and reloaders, a
//! `--run` command may be a shell pipeline): [`Running`] stops the whole group when it is
//! dropped (SIGTERM, then SIGKILL after a grace period), on success, on error and — through
//! [`stop_all`], which the Ctrl-C handler calls — on interruption. Every failure is an
//! [`LaunchError`] carrying the last lines the app printed.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Lines of the app's output kept for error messages and the report.
pub const TAIL_LINES: usize = 30;

/// How the app is started.
#[derive(Clone, Debug)]
pub enum Launch {
    /// `PY -m uvicorn MODULE:ATTR --host 127.0.0.1 --port P`, run from `root`.
    Uvicorn {
        python: PathBuf,
        app: String,
        root: PathBuf,
        /// `--factory` (the attribute is a function returning the app).
        factory: bool,
    },
    /// The user's command (`{port}` substituted), run by `/bin/sh -c` from `root`.
    Run { command: String, root: PathBuf },
}

/// Why the app could not be started. Each case is an exit-2 error of `jwtward audit`.
#[derive(Debug)]
pub enum LaunchError {
    /// The process could not be spawned at all (no such interpreter...).
    Spawn { program: String, error: String },
    /// The process ended before its port opened (import error, crash at start-up, a
    /// `--run` command that exits).
    Exited {
        command: String,
        status: String,
        tail: Vec<String>,
    },
    /// The port did not open within the readiness timeout.
    NotReady {
        command: String,
        port: u16,
        waited: Duration,
        tail: Vec<String>,
    },
    /// Interrupted (Ctrl-C) while waiting.
    Interrupted,
}

impl std::fmt::Display for LaunchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn tail(f: &mut std::fmt::Formatter<'_>, lines: &[String]) -> std::fmt::Result {
            if lines.is_empty() {
                return write!(f, "\n  (the app printed nothing)");
            }
            write!(f, "\n  last lines of its output:")?;
            for l in lines {
                write!(f, "\n  | {l}")?;
            }
            Ok(())
        }
        match self {
            LaunchError::Spawn { program, error } => {
                write!(f, "cannot start `{program}`: {error}")
            }
            LaunchError::Exited {
                command,
                status,
                tail: t,
            } => {
                write!(
                    f,
                    "the app exited ({status}) before it listened: `{command}`"
                )?;
                tail(f, t)
            }
            LaunchError::NotReady {
                command,
                port,
                waited,
                tail: t,
            } => {
                write!(
                    f,
                    "the app did not open 127.0.0.1:{port} within {:.0}s (raise --startup-timeout?): `{command}`; it was stopped",
                    waited.as_secs_f64()
                )?;
                tail(f, t)
            }
            LaunchError::Interrupted => write!(f, "interrupted while the app was starting"),
        }
    }
}

impl std::error::Error for LaunchError {}

/// Process groups alive right now, for [`stop_all`].
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Stops every app this process started (SIGKILL to each group): the Ctrl-C handler.
pub fn stop_all() {
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    let groups = GROUPS.lock().map(|g| g.clone()).unwrap_or_default();
    for pgid in groups {
        // SAFETY: kill(2) with a negative pid signals a process group we created.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; the app binds it next).
pub fn free_port() -> std::io::Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The output kept from the app, shared with the reader threads.
#[derive(Clone, Default)]
pub struct Tail(Arc<Mutex<VecDeque<String>>>);

impl Tail {
    fn push(&self, line: String) {
        if let Ok(mut q) = self.0.lock() {
            if q.len() == TAIL_LINES {
                q.pop_front();
            }
            q.push_back(line);
        }
    }
    pub fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default()
    }
    fn follow<R: Read + Send + 'static>(&self, r: R) -> std::thread::JoinHandle<()> {
        let me = self.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(r);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf);
                        let line = line.trim_end();
                        // Cap pathological lines.
                        let line: String = line.chars().take(400).collect();
                        me.push(line);
                    }
                }
            }
        })
    }
}

/// A started app. Dropping it stops its process group.
pub struct Running {
    child: Child,
    pgid: i32,
    pub port: u16,
    pub command: String,
    pub tail: Tail,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id of the group leader (tests check the process table with it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops the group: SIGTERM, up to `grace` for it to exit, then SIGKILL.
    pub fn stop(&mut self, grace: Duration) {
        if self.pgid <= 0 {
            return;
        }
        // SAFETY: signalling the process group created for this child.
        unsafe {
            libc::kill(-self.pgid, libc::SIGTERM);
        }
        let deadline = Instant::now() + grace;
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => break,
            }
        }
        // Leftovers of the group (workers, children of a shell) and the leader itself.
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
        let _ = self.child.wait();
        if let Ok(mut g) = GROUPS.lock() {
            g.retain(|&p| p != self.pgid);
        }
        self.pgid = 0;
        for r in self.readers.drain(..) {
            // The pipes close when the group is gone; a grandchild that escaped the group
            // could hold them open, so never wait long.
            let t0 = Instant::now();
            while !r.is_finished() && t0.elapsed() < Duration::from_millis(500) {
                std::thread::sleep(Duration::from_millis(20));
            }
            if r.is_finished() {
                let _ = r.join();
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(3));
    }
}

/// The command line as shown in messages.
pub fn describe(launch: &Launch, port: u16) -> String {
    match launch {
        Launch::Uvicorn {
            python,
            app,
            factory,
            ..
        } => format!(
            "{} -m uvicorn {app}{} --host 127.0.0.1 --port {port}",
            python.display(),
            if *factory { " --factory" } else { "" }
        ),
        Launch::Run { command, .. } => command.replace("{port}", &port.to_string()),
    }
}

/// Starts the app on a free loopback port and waits until the port accepts connections.
/// `env` is added to the inherited environment.
pub fn start(
    launch: &Launch,
    env: &[(String, String)],
    timeout: Duration,
) -> Result<Running, LaunchError> {
    let port = free_port().map_err(|e| LaunchError::Spawn {
        program: "127.0.0.1:0".into(),
        error: format!("no free port: {e}"),
    })?;
    let command = describe(launch, port);
    let (mut cmd, root) = match launch {
        Launch::Uvicorn {
            python,
            app,
            root,
            factory,
        } => {
            let mut c = Command::new(python);
            c.args(["-m", "uvicorn", app.as_str()]);
            if *factory {
                c.arg("--factory");
            }
            c.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
            c.args(["--app-dir", &root.to_string_lossy()]);
            (c, root.as_path())
        }
        Launch::Run { command: _, root } => {
            let mut c = Command::new("/bin/sh");
            c.args(["-c", &command]);
            (c, root.as_path())
        }
    };
    cmd.current_dir(root)
        .env("PORT", port.to_string())
        .env("PYTHONUNBUFFERED", "1")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let program = match launch {
        Launch::Uvicorn { python, .. } => python.display().to_string(),
        Launch::Run { .. } => "/bin/sh".into(),
    };
    let mut child = cmd.spawn().map_err(|e| LaunchError::Spawn {
        program: program.clone(),
        error: e.to_string(),
    })?;
    let pgid = child.id() as i32;
    if let Ok(mut g) = GROUPS.lock() {
        g.push(pgid);
    }
    let tail = Tail::default();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(tail.follow(out));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(tail.follow(err));
    }
    let mut running = Running {
        child,
        pgid,
        port,
        command: command.clone(),
        tail,
        readers,
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let t0 = Instant::now();
    loop {
        if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
            running.stop(Duration::from_millis(200));
            return Err(LaunchError::Interrupted);
        }
        if let Ok(Some(status)) = running.child.try_wait() {
            // Let the readers drain what the app printed last.
            running.stop(Duration::from_millis(0));
            return Err(LaunchError::Exited {
                command,
                status: status.to_string(),
                tail: running.tail.lines(),
            });
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(running);
        }
        if t0.elapsed() >= timeout {
            running.stop(Duration::from_secs(2));
            return Err(LaunchError::NotReady {
                command,
                port,
                waited: t0.elapsed(),
                tail: running.tail.lines(),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The interpreter to run uvicorn with: `explicit`, else a `.venv`/`venv` interpreter in
/// the source root or one of its ancestors up to (and including) `project`, else `python3`.
pub fn choose_python(explicit: Option<&Path>, root: &Path, project: &Path) -> (PathBuf, String) {
    if let Some(p) = explicit {
        // A relative path is the user's, from where audit runs; the app runs from `root`.
        // A bare name (`python3`) is looked up on PATH.
        let p = if p.components().count() > 1 && p.is_relative() {
            std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
        } else {
            p.to_path_buf()
        };
        return (p, "--python".into());
    }
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    let mut dir = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    loop {
        for venv in [".venv", "venv"] {
            let py = dir.join(venv).join("bin/python");
            if py.is_file() {
                return (py, format!("the project's {venv}"));
            }
        }
        if dir == project || !dir.starts_with(&project) {
            break;
        }
        match dir.parent() {
            Some(p) => dir = p.to_path_buf(),
            None => break,
        }
    }
    (PathBuf::from("python3"), "python3 on PATH".into())
}
