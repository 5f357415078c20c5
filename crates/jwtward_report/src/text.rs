//! The human reporter: rustc/ruff-style code frames, colour only on a terminal.

use crate::finding::{ErrorEntry, Finding, Location, Report};
use crate::rule::Severity;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::fmt::Write as _;

/// Gives the text of a file named in a finding, when it can be read.
pub trait SourceProvider {
    fn source(&self, file: &str) -> Option<String>;
}

/// Reads sources from disk.
pub struct DiskSources;

impl SourceProvider for DiskSources {
    fn source(&self, file: &str) -> Option<String> {
        std::fs::read_to_string(file).ok()
    }
}

/// A source split into lines once (as [`str::lines`] splits it).
struct FileLines {
    text: String,
    /// Byte offset of each line.
    starts: Vec<usize>,
}

impl FileLines {
    fn new(text: String) -> FileLines {
        let mut starts = vec![0];
        starts.extend(newline_offsets(text.as_bytes()).map(|i| i + 1));
        if starts.last() == Some(&text.len()) {
            starts.pop();
        }
        if text.is_empty() {
            starts.clear();
        }
        FileLines { text, starts }
    }

    /// Lines `first..first + count` (0-based), as many as exist.
    fn lines(&self, first: usize, count: usize) -> Vec<&str> {
        (first..first.saturating_add(count).min(self.starts.len()))
            .map(|i| {
                let end = self
                    .starts
                    .get(i + 1)
                    .map_or(self.text.len(), |&next| next - 1);
                let line = &self.text[self.starts[i]..end];
                line.strip_suffix('\r').unwrap_or(line)
            })
            .collect()
    }
}

fn newline_offsets(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter()
        .enumerate()
        .filter_map(|(i, &c)| (c == b'\n').then_some(i))
}

/// Reads and splits each file once for a whole report (a file with thousands of findings was
/// read and split again for every one of them).
struct CachedSources<'a> {
    inner: &'a dyn SourceProvider,
    cache: std::collections::HashMap<String, Option<std::rc::Rc<FileLines>>>,
}

impl CachedSources<'_> {
    fn get(&mut self, file: &str) -> Option<std::rc::Rc<FileLines>> {
        if let Some(hit) = self.cache.get(file) {
            return hit.clone();
        }
        let lines = self
            .inner
            .source(file)
            .map(|t| std::rc::Rc::new(FileLines::new(t)));
        self.cache.insert(file.to_string(), lines.clone());
        lines
    }
}

/// The widest source line a code frame shows, in bytes: a longer line is cut to a window of
/// about this width around the flagged column (marked `...`), and the frame shows that line
/// only. Rendering cost per finding stays bounded on minified or generated one-line files.
pub const MAX_FRAME_WIDTH: usize = 200;

/// No sources: findings render without code frames.
pub struct NoSources;

impl SourceProvider for NoSources {
    fn source(&self, _file: &str) -> Option<String> {
        None
    }
}

fn level_for(sev: Severity) -> Level<'static> {
    let base = match sev {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low => Level::NOTE,
        Severity::Info => Level::INFO,
    };
    base.with_name(sev.as_str())
}

/// Byte offset of a 1-based character column within `line`.
fn byte_col(line: &str, col: u32) -> usize {
    line.char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map(|(i, _)| i)
        .unwrap_or(line.len())
}

/// A code frame: the excerpt text, its first line number, the span inside it as a byte
/// range, and whether it is a window cut out of a longer line.
struct Frame {
    text: String,
    line_start: usize,
    span: std::ops::Range<usize>,
    windowed: bool,
}

/// The excerpt of `source` that holds `loc`, with the span inside it as a byte range.
fn excerpt(source: &FileLines, loc: &Location) -> Option<Frame> {
    const MAX_LINES: u32 = 8;
    let first = loc.line.max(1);
    let last = loc
        .end_line
        .max(first)
        .min(first.saturating_add(MAX_LINES - 1));
    let lines = source.lines((first - 1) as usize, (last - first + 1) as usize);
    if lines.is_empty() {
        return None;
    }
    if lines.iter().any(|l| l.len() > MAX_FRAME_WIDTH) {
        return Some(window(lines[0], first as usize, loc));
    }
    let text = lines.join("\n");
    let start = byte_col(lines[0], loc.column);
    let end = if loc.end_line == first {
        byte_col(lines[0], loc.end_column).max(start)
    } else if loc.end_line <= last {
        let before: usize = lines[..lines.len() - 1].iter().map(|l| l.len() + 1).sum();
        before + byte_col(lines[lines.len() - 1], loc.end_column)
    } else {
        text.len()
    };
    let end = end.max(start + usize::from(start < text.len()));
    let len = text.len();
    Some(Frame {
        text,
        line_start: first as usize,
        span: start..end.min(len),
        windowed: false,
    })
}

/// A window of at most about [`MAX_FRAME_WIDTH`] bytes of `line` around the flagged column.
fn window(line: &str, line_no: usize, loc: &Location) -> Frame {
    let start = byte_col(line, loc.column);
    let end = if loc.end_line == loc.line {
        byte_col(line, loc.end_column).max(start)
    } else {
        line.len()
    };
    let from = line.floor_char_boundary(start.saturating_sub(MAX_FRAME_WIDTH / 3));
    let to = line.ceil_char_boundary((from + MAX_FRAME_WIDTH).min(line.len()));
    let mut text = String::with_capacity(to - from + 6);
    if from > 0 {
        text.push_str("...");
    }
    let shift = text.len();
    text.push_str(&line[from..to]);
    if to < line.len() {
        text.push_str("...");
    }
    let span_start = shift + (start - from);
    let span_end = (shift + (end.min(to) - from)).max(span_start + usize::from(start < to));
    Frame {
        span: span_start..span_end.min(text.len()),
        text,
        line_start: line_no,
        windowed: true,
    }
}

/// The message of a finding with its route (`[POST /auth/token]`), unless the message
/// already names that route.
pub fn title(f: &Finding) -> String {
    match (&f.method, &f.path) {
        (Some(m), Some(p)) if !f.message.contains(&format!("{m} {p}")) => {
            format!("{} [{m} {p}]", f.message)
        }
        _ => f.message.clone(),
    }
}

/// Renders one finding.
pub fn render_finding(f: &Finding, sources: &dyn SourceProvider, renderer: &Renderer) -> String {
    let src = f
        .location
        .as_ref()
        .and_then(|l| sources.source(&l.file))
        .map(FileLines::new);
    render_finding_in(f, src.as_ref(), renderer)
}

fn render_finding_in(f: &Finding, src: Option<&FileLines>, renderer: &Renderer) -> String {
    let title = title(f);
    let level = level_for(f.severity);
    let mut group = Group::with_title(level.primary_title(title).id(f.rule.as_str()));

    let frame = match (&f.location, src) {
        (Some(loc), Some(src)) => excerpt(src, loc),
        _ => None,
    };
    // The header of a windowed frame names the window's column: put the file's back.
    let mut fix_header = None;
    if let (Some(loc), Some(fr)) = (&f.location, frame.as_ref()) {
        if fr.windowed {
            let shown = fr.text[..fr.span.start].chars().count() + 1;
            fix_header = Some((
                format!("{}:{}:{shown}", loc.file, loc.line),
                format!("{}:{}:{}", loc.file, loc.line, loc.column),
            ));
        }
        group = group.element(
            Snippet::source(fr.text.as_str())
                .line_start(fr.line_start)
                .path(loc.file.as_str())
                .annotation(AnnotationKind::Primary.span(fr.span.clone())),
        );
    } else if let Some(loc) = &f.location {
        group = group.element(
            annotate_snippets::Origin::path(loc.file.as_str())
                .line(loc.line as usize)
                .char_column(loc.column as usize),
        );
    }
    if let Some(url) = &f.url {
        group = group.element(Level::NOTE.message(format!("url: {url}")));
    }
    let mut groups: Vec<Group> = vec![group];
    if !f.trace.is_empty() {
        let mut t = String::new();
        for (i, step) in f.trace.iter().enumerate() {
            let arrow = if i == 0 { "  " } else { "-> " };
            let at = match (&step.file, step.line) {
                (Some(file), Some(line)) => format!("  ({file}:{line})"),
                (None, Some(line)) => format!("  (line {line})"),
                _ => String::new(),
            };
            let _ = writeln!(t, "{arrow}{}{at}", step.note);
        }
        groups.push(Group::with_title(
            Level::NOTE.secondary_title(format!("trace:\n{}", t.trim_end())),
        ));
    }
    if let Some(ev) = &f.evidence {
        let mut t = format!("{} -> {}", ev.request, ev.status);
        if !ev.body_excerpt.is_empty() {
            let _ = write!(t, " {}", ev.body_excerpt);
        }
        for (name, b) in &ev.baselines {
            let _ = write!(t, "\nbaseline {name}: {b}");
        }
        groups.push(Group::with_title(
            Level::NOTE.secondary_title(format!("evidence: {t}")),
        ));
    }
    if let Some(curl) = &f.curl {
        groups.push(Group::with_title(
            Level::NOTE.secondary_title(format!("reproduce: {curl}")),
        ));
    }
    groups.push(Group::with_title(
        Level::HELP.secondary_title(f.remediation.as_str()),
    ));
    let out = renderer.render(&groups);
    match fix_header {
        Some((shown, real)) => out.replacen(&shown, &real, 1),
        None => out,
    }
}

/// The closing summary line.
pub fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let mut out = if s.findings == 0 {
        "No findings".to_string()
    } else {
        let parts: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|sev| {
                s.by_severity
                    .get(sev.as_str())
                    .map(|n| format!("{n} {}", sev.as_str()))
            })
            .collect();
        format!(
            "Found {} finding{} ({})",
            s.findings,
            if s.findings == 1 { "" } else { "s" },
            parts.join(", ")
        )
    };
    if let (Some(files), Some(lines)) = (s.files, s.lines) {
        let _ = write!(
            out,
            " in {files} file{} ({lines} lines)",
            if files == 1 { "" } else { "s" }
        );
    }
    if let (Some(req), Some(ep)) = (s.requests, s.endpoints) {
        let _ = write!(out, " across {ep} endpoints ({req} requests)");
    }
    if s.errors > 0 {
        let _ = write!(
            out,
            "; {} error{}",
            s.errors,
            if s.errors == 1 { "" } else { "s" }
        );
    }
    let mut hidden = Vec::new();
    if let Some(n) = s.suppressed.filter(|&n| n > 0) {
        hidden.push(format!("{n} by `# jwtward: ignore` comments"));
    }
    if let Some(n) = s.baselined.filter(|&n| n > 0) {
        hidden.push(format!("{n} by the baseline"));
    }
    if !hidden.is_empty() {
        let _ = write!(out, "; hidden: {}", hidden.join(", "));
    }
    out.push('.');
    out
}

fn error_place(e: &ErrorEntry) -> String {
    match (&e.file, e.line, e.column) {
        (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c}: "),
        (Some(f), Some(l), None) => format!("{f}:{l}: "),
        (Some(f), None, _) => format!("{f}: "),
        _ => String::new(),
    }
}

/// `--output-format concise`: one line a finding (`file:line:col: severity[rule] message`),
/// the most severe first, then one line an error, then the summary (unless `summary` is off).
pub fn render_concise(report: &Report, styled: bool, summary: bool) -> String {
    let paint = |style: anstyle::Style, text: &str| -> String {
        if styled {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    };
    let bold = anstyle::Style::new().bold();
    let mut out = String::new();
    for f in report.by_severity() {
        if let Some(l) = &f.location {
            out.push_str(&paint(
                bold,
                &format!("{}:{}:{}:", l.file, l.line, l.column),
            ));
            out.push(' ');
        }
        let colour = match f.severity {
            Severity::Critical | Severity::High => anstyle::AnsiColor::Red,
            Severity::Medium => anstyle::AnsiColor::Yellow,
            Severity::Low => anstyle::AnsiColor::Cyan,
            Severity::Info => anstyle::AnsiColor::White,
        };
        out.push_str(&paint(
            anstyle::Style::new().bold().fg_color(Some(colour.into())),
            &format!("{}[{}]", f.severity, f.rule),
        ));
        let _ = writeln!(out, " {}", title(f));
    }
    for e in &report.errors {
        let _ = writeln!(out, "{}{}: {}", error_place(e), e.kind, e.message);
    }
    if summary {
        out.push_str(&summary_line(report));
        out.push('\n');
    }
    out
}

/// `--statistics`: the number of findings of each rule, most frequent first, then the summary.
pub fn render_statistics(report: &Report, summary: bool) -> String {
    let stats = report.statistics();
    let width = stats.iter().map(|(r, _, _)| r.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (rule, sev, n) in &stats {
        let _ = writeln!(out, "{n:>5}  {rule:<width$}  {sev}");
    }
    if summary {
        out.push_str(&summary_line(report));
        out.push('\n');
    }
    out
}

/// Renders a whole report. `styled` selects ANSI colours (the caller decides: TTY, NO_COLOR).
pub fn render_report(report: &Report, sources: &dyn SourceProvider, styled: bool) -> String {
    render_full(report, sources, styled, true)
}

/// [`render_report`], with or without the closing summary line (`-q`).
pub fn render_full(
    report: &Report,
    sources: &dyn SourceProvider,
    styled: bool,
    summary: bool,
) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    let mut sources = CachedSources {
        inner: sources,
        cache: Default::default(),
    };
    for f in report.by_severity() {
        let src = f.location.as_ref().and_then(|l| sources.get(&l.file));
        out.push_str(&render_finding_in(f, src.as_deref(), &renderer));
        out.push_str("\n\n");
    }
    for e in &report.errors {
        let place = error_place(e);
        out.push_str(
            &renderer.render(&[Group::with_title(
                Level::WARNING
                    .with_name(e.kind.as_str())
                    .primary_title(format!("{place}{}", e.message)),
            )]),
        );
        out.push('\n');
    }
    if summary {
        out.push_str(&summary_line(report));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Summary, TraceStep};
    use crate::rule::RuleMeta;

    const RULE: RuleMeta = RuleMeta {
        name: "signature-not-verified",
        severity: Severity::Critical,
        cwe: &[347],
        summary: "s",
        explanation: "e",
        remediation: "Verify the signature.",
        example: "",
        fixed_example: "",
    };

    struct One(&'static str);
    impl SourceProvider for One {
        fn source(&self, _: &str) -> Option<String> {
            Some(self.0.to_string())
        }
    }

    #[test]
    fn renders_frame_trace_and_summary() {
        let src = "import jwt\n\ndef f(t):\n    return jwt.decode(t, options={'verify_signature': False})\n";
        let f = Finding::new(&RULE, "signature check is off")
            .at(Location {
                file: "app/auth.py".into(),
                line: 4,
                column: 12,
                end_line: 4,
                end_column: 22,
            })
            .with_trace(vec![TraceStep {
                file: Some("app/main.py".into()),
                line: Some(3),
                note: "GET /notes".into(),
            }]);
        let r = Report::new(vec![f], vec![], Summary::default());
        let out = render_report(&r, &One(src), false);
        assert!(out.contains("critical[signature-not-verified]: signature check is off"));
        assert!(out.contains("--> app/auth.py:4:12"), "{out}");
        assert!(out.contains("^^^^^^^^^^"), "{out}");
        assert!(out.contains("GET /notes  (app/main.py:3)"), "{out}");
        assert!(out.contains("Verify the signature."));
        assert!(out.ends_with("Found 1 finding (1 critical).\n"), "{out}");
    }

    #[test]
    fn out_of_range_location_does_not_panic() {
        let f = Finding::new(&RULE, "m").at(Location {
            file: "x.py".into(),
            line: 99,
            column: 500,
            end_line: 120,
            end_column: 1,
        });
        let r = Report::new(
            vec![f],
            vec![ErrorEntry {
                kind: "parse-error".into(),
                message: "bad".into(),
                file: Some("x.py".into()),
                line: Some(1),
                column: None,
            }],
            Summary::default(),
        );
        let out = render_report(&r, &One("a = 1\n"), true);
        assert!(out.contains("1 error"));
    }

    #[test]
    fn fail_on_threshold() {
        let r = Report::new(
            vec![Finding::new(&RULE, "m").with_severity(Severity::Medium)],
            vec![],
            Summary::default(),
        );
        assert!(r.fails_at(Severity::Low));
        assert!(r.fails_at(Severity::Medium));
        assert!(!r.fails_at(Severity::High));
        assert_eq!(r.summary.by_severity["medium"], 1);
    }

    #[test]
    fn most_severe_first_concise_statistics_and_hidden_counts() {
        static LOW: RuleMeta = RuleMeta {
            name: "login-without-rate-limit",
            severity: Severity::Low,
            ..RULE
        };
        let at = |line| Location {
            file: "a.py".into(),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
        };
        let findings = vec![
            Finding::new(
                &LOW,
                "POST /auth/token issues tokens without any rate limiting",
            )
            .at(at(1))
            .with_route("POST", "/auth/token"),
            Finding::new(&LOW, "another").at(at(3)),
            Finding::new(&RULE, "forged tokens pass").at(at(9)),
        ];
        let mut summary = Summary {
            suppressed: Some(2),
            baselined: Some(1),
            ..Summary::default()
        };
        summary.files = Some(1);
        summary.lines = Some(9);
        let r = Report::new(findings, vec![], summary);
        // JSON keeps file order; people read the critical one first.
        assert_eq!(r.findings[0].location.as_ref().unwrap().line, 1);
        let text = render_report(&r, &NoSources, false);
        assert!(
            text.find("critical[").unwrap() < text.find("low[").unwrap(),
            "{text}"
        );
        let concise = render_concise(&r, false, true);
        let lines: Vec<&str> = concise.lines().collect();
        assert_eq!(
            lines[0],
            "a.py:9:1: critical[signature-not-verified] forged tokens pass"
        );
        // The route is not repeated when the message names it.
        assert_eq!(
            lines[1],
            "a.py:1:1: low[login-without-rate-limit] POST /auth/token issues tokens without any rate limiting"
        );
        assert_eq!(
            lines[3],
            "Found 3 findings (1 critical, 2 low) in 1 file (9 lines); hidden: 2 by `# jwtward: ignore` comments, 1 by the baseline."
        );
        assert!(!render_concise(&r, false, false).contains("Found"));
        let stats = render_statistics(&r, false);
        assert_eq!(
            stats,
            "    2  login-without-rate-limit  low\n    1  signature-not-verified    critical\n"
        );
    }
}
