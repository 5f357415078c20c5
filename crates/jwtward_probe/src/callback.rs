//! A tiny HTTP server that serves jwtward's own JWKS for `jku` injection, and records
//! which paths the target fetched (a pingback).
//!
//! It binds to loopback unless the user gave `--callback-url` (then to the port of that URL
//! on all interfaces), answers one JWKS document at one unguessable path, and closes every
//! connection after one response.

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub struct CallbackServer {
    /// The base URL the target is told to fetch from (no trailing slash).
    pub base_url: String,
    /// Path of the JWKS (`/<nonce>/jwks.json`).
    pub jwks_path: String,
    hits: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl CallbackServer {
    /// Starts serving `jwks` (a JSON document). `advertised` is `--callback-url`, if any.
    pub async fn start(
        jwks: String,
        nonce: &str,
        advertised: Option<&reqwest::Url>,
    ) -> std::io::Result<CallbackServer> {
        let (bind, base_url) = match advertised {
            Some(u) => {
                let port = u.port_or_known_default().unwrap_or(80);
                (
                    format!("0.0.0.0:{port}"),
                    u.as_str().trim_end_matches('/').to_string(),
                )
            }
            None => ("127.0.0.1:0".to_string(), String::new()),
        };
        let listener = TcpListener::bind(&bind).await?;
        let base_url = if base_url.is_empty() {
            format!("http://{}", listener.local_addr()?)
        } else {
            base_url
        };
        let jwks_path = format!("/{nonce}/jwks.json");
        let hits = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let hits = hits.clone();
            let jwks_path = jwks_path.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((mut sock, _)) = listener.accept().await else {
                        continue;
                    };
                    let hits = hits.clone();
                    let jwks = jwks.clone();
                    let jwks_path = jwks_path.clone();
                    tokio::spawn(async move {
                        let mut buf = Vec::with_capacity(1024);
                        let mut chunk = [0u8; 1024];
                        let read = async {
                            while buf.len() < 8192 && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                                match sock.read(&mut chunk).await {
                                    Ok(0) | Err(_) => break,
                                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                                }
                            }
                        };
                        if tokio::time::timeout(Duration::from_secs(5), read)
                            .await
                            .is_err()
                        {
                            return;
                        }
                        let head = String::from_utf8_lossy(&buf);
                        let path = head
                            .lines()
                            .next()
                            .and_then(|l| l.split_whitespace().nth(1))
                            .unwrap_or("")
                            .to_string();
                        let (status, body) = if path.split('?').next() == Some(jwks_path.as_str()) {
                            ("200 OK", jwks)
                        } else {
                            ("404 Not Found", "{}".to_string())
                        };
                        hits.lock().expect("hits").push(path);
                        let resp = format!(
                            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = sock.write_all(resp.as_bytes()).await;
                        let _ = sock.shutdown().await;
                    });
                }
            })
        };
        Ok(CallbackServer {
            base_url,
            jwks_path,
            hits,
            task,
        })
    }

    /// The URL to put in `jku`.
    pub fn jwks_url(&self) -> String {
        format!("{}{}", self.base_url, self.jwks_path)
    }

    /// Paths the target requested so far.
    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().expect("hits").clone()
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
