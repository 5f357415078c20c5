//! The HTML coverage report, loaded in a real headless Chromium: the route table is there
//! with the right authentication per route, a merged probe report marks the proven bypass,
//! and a screenshot is taken.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("JWTWARD_TEST_CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "Chromium is missing: run scripts/test.sh (it installs the Debian package), or set JWTWARD_TEST_CHROMIUM"
    );
}

fn browser(args: &[&str], url: &str) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .output()
        .expect("run chromium")
}

/// The text of each table row of the rendered DOM, tags stripped.
fn rows(dom: &str) -> Vec<String> {
    dom.split("<tr")
        .skip(1)
        .map(|row| {
            let row = row.split("</tr>").next().unwrap_or("");
            let row = &row[row.find('>').map_or(0, |i| i + 1)..];
            let mut text = String::new();
            let mut in_tag = false;
            for c in row.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => {
                        in_tag = false;
                        text.push(' ');
                    }
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// The route groups of the rendered DOM in order: (app, group, the rows below the heading).
fn groups(dom: &str) -> Vec<(String, String, Vec<String>)> {
    let attr = |s: &str, name: &str| -> String {
        let key = format!("{name}=\"");
        let start = s.find(&key).map(|i| i + key.len()).unwrap_or(0);
        s[start..start + s[start..].find('"').unwrap_or(0)].to_string()
    };
    dom.split("<h3 class=\"group\"")
        .skip(1)
        .map(|section| {
            let heading = &section[..section.find('>').unwrap_or(0)];
            let body = section.split("</table>").next().unwrap_or("");
            (
                attr(heading, "data-app"),
                attr(heading, "data-group"),
                rows(body),
            )
        })
        .collect()
}

/// The (app, group) headings of [`groups`], in page order.
fn group_names(groups: &[(String, String, Vec<String>)]) -> Vec<(&str, &str)> {
    groups
        .iter()
        .map(|(a, g, _)| (a.as_str(), g.as_str()))
        .collect()
}

#[test]
fn coverage_map_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    let probe = dir.path().join("probe.json");
    // A probe report as `jwtward probe --format json` writes it, proving the unprotected DELETE.
    std::fs::write(
        &probe,
        r#"{"version": 1, "findings": [{"rule": "missing-auth", "severity": "high", "cwe": [306],
            "message": "DELETE /shared/{note_id} answers 204 without credentials",
            "remediation": "Add the auth dependency.", "method": "DELETE",
            "path": "/shared/{note_id}", "url": "http://127.0.0.1:8000/shared/1",
            "curl": "curl -X DELETE http://127.0.0.1:8000/shared/1"}],
            "errors": [], "summary": {"findings": 1, "by_severity": {"high": 1}, "errors": 0,
            "tested_routes": ["DELETE /shared/{note_id}", "POST /shared/{note_id}"]}}"#,
    )
    .unwrap();
    let out = Command::cargo_bin("jwtward")
        .unwrap()
        .current_dir(root())
        .args(["scan", "examples/notes_api", "--format", "html", "--output"])
        .arg(&html)
        .arg("--probe-report")
        .arg(&probe)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no external assets"
    );

    let url = format!("file://{}", html.display());
    let dom = browser(&["--dump-dom"], &url);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    assert!(
        dom.contains("Authentication coverage"),
        "the browser rendered the page"
    );
    let rows = rows(&dom);
    let row = |method: &str, path: &str| -> &String {
        rows.iter()
            .find(|r| r.starts_with(&format!("{method} {path} ")))
            .unwrap_or_else(|| panic!("no row for {method} {path} in {rows:#?}"))
    };
    // The route table tells forgeable, fail-open, unprotected and public routes apart: the
    // example signs with the committed "changeme" fallback, and `/notes/quick` reads the
    // claims unverified.
    assert!(row("GET", "/notes/").contains("forgeable"));
    assert!(row("GET", "/notes/").contains("Depends(get_current_user)"));
    assert!(row("GET", "/notes/").contains("changeme"));
    assert!(row("GET", "/notes/quick").contains("forgeable"));
    let shared_get = row("GET", "/shared/{note_id}");
    assert!(shared_get.contains("fail-open"), "{shared_get}");
    assert!(
        shared_get.contains("fail-open-auth-dependency"),
        "{shared_get}"
    );
    let shared_delete = row("DELETE", "/shared/{note_id}");
    assert!(shared_delete.contains(" none "), "{shared_delete}");
    assert!(
        shared_delete.contains("unprotected-route"),
        "{shared_delete}"
    );
    assert!(
        shared_delete.contains("proven: missing-auth"),
        "{shared_delete}"
    );
    assert!(row("POST", "/shared/{note_id}").contains("no bypass proven"));
    // Routes the probe sent no request to are "not tested", not "no bypass proven".
    let notes = row("GET", "/notes/");
    assert!(
        notes.contains("not tested") && !notes.contains("no bypass proven"),
        "{notes}"
    );
    // The proven badge takes the colour of the finding's severity.
    assert!(
        page.contains("<span class=\"badge sev-high\" title=\"curl -X DELETE"),
        "proven badge coloured by severity"
    );
    assert!(!page.contains("class=\"badge proven\""));

    // Laid out by the browser in a narrow (640px) window, every table stays inside the page
    // and every probe cell inside its table. A wrapper page measures the report in an
    // iframe and writes the result into its own DOM.
    let wrapper = dir.path().join("measure.html");
    std::fs::write(
        &wrapper,
        r#"<!DOCTYPE html><html><body><div id="out">pending</div>
<iframe id="f" src="report.html" style="width:640px;height:800px"></iframe>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, bad = [], n = 0;
  d.querySelectorAll('table.routes').forEach(function (t) {
    var tr = t.getBoundingClientRect();
    var body = d.body.getBoundingClientRect();
    if (tr.right > body.right + 0.5) bad.push('table ' + tr.right + ' > ' + body.right);
    t.querySelectorAll('td.probe').forEach(function (c) {
      n++;
      var r = c.getBoundingClientRect();
      if (r.right > tr.right + 0.5 || r.left < tr.left - 0.5) bad.push(c.textContent);
      c.querySelectorAll('.badge').forEach(function (b) {
        var br = b.getBoundingClientRect();
        if (br.right > r.right + 0.5) bad.push('badge ' + b.textContent);
      });
    });
  });
  document.getElementById('out').textContent = 'cells=' + n + ' outside=' + JSON.stringify(bad);
};
</script></body></html>"#,
    )
    .unwrap();
    let measured = browser(
        &[
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ],
        &format!("file://{}", wrapper.display()),
    );
    let measured = String::from_utf8_lossy(&measured.stdout).to_string();
    let out = measured
        .split("<div id=\"out\">")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .unwrap_or("");
    assert!(
        out.starts_with("cells=") && !out.starts_with("cells=0"),
        "{out}"
    );
    assert!(out.ends_with("outside=[]"), "{out}");
    assert!(row("GET", "/health").contains("public by design"));
    // A bare `Depends()` names the class it instantiates; "other" effects are not labelled.
    let login = row("POST", "/auth/token");
    assert!(
        login.contains("Depends(OAuth2PasswordRequestForm)") && !login.contains("(other)"),
        "{login}"
    );

    // Routes are grouped by app, then by the router they are registered on (its variable
    // and the prefix it is served under), in declaration order.
    let groups = groups(&dom);
    let names = group_names(&groups);
    assert_eq!(
        names,
        [
            ("main.app", ""),
            ("main.app", "routers.auth.router (/auth)"),
            ("main.app", "routers.notes.router (/notes)"),
            ("main.app", "routers.sharing.router (/shared)"),
        ]
    );
    let group_of = |method: &str, path: &str| -> &str {
        groups
            .iter()
            .find(|(_, _, rows)| {
                rows.iter()
                    .any(|r| r.starts_with(&format!("{method} {path} ")))
            })
            .map(|(_, g, _)| g.as_str())
            .unwrap_or_else(|| panic!("{method} {path} is in no group"))
    };
    assert_eq!(group_of("GET", "/health"), "");
    assert_eq!(group_of("GET", "/notes/"), "routers.notes.router (/notes)");
    assert_eq!(
        group_of("DELETE", "/shared/{note_id}"),
        "routers.sharing.router (/shared)"
    );
    assert_eq!(
        group_of("POST", "/auth/token"),
        "routers.auth.router (/auth)"
    );
    assert!(dom.contains("(app routes)"));

    let shot = dir.path().join("shot.png");
    let res = browser(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,1600",
        ],
        &url,
    );
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot was written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    assert!(png.len() > 20_000, "a rendered page, not a blank one");
    if let Some(dir) = std::env::var_os("JWTWARD_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, Path::new(&dir).join("html-report.png")).unwrap();
    }
}

/// A mounted sub-app is a group of its own, under its mount path (plain HTML, no browser).
#[test]
fn mounted_sub_apps_are_groups_of_their_own() {
    let out = Command::cargo_bin("jwtward")
        .unwrap()
        .current_dir(root())
        .args([
            "scan",
            "crates/jwtward_fastapi/tests/fixtures/mounted_admin/vulnerable",
            "--isolated",
            "--format",
            "html",
        ])
        .output()
        .unwrap();
    let page = String::from_utf8_lossy(&out.stdout).to_string();
    let groups = groups(&page);
    let names = group_names(&groups);
    assert_eq!(
        names,
        [
            ("shop.main.app", ""),
            ("shop.main.app", "shop.routers.orders.router (/v1/orders)"),
            ("shop.admin.admin_app (mounted at /admin)", ""),
        ],
        "{page}"
    );
    let (_, _, admin_rows) = &groups[2];
    assert!(
        admin_rows
            .iter()
            .any(|r| r.starts_with("GET /admin/users ")),
        "{admin_rows:?}"
    );
}
