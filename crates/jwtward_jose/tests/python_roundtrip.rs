//! Round trips with the Python JWT libraries a FastAPI app uses: tokens signed by PyJWT,
//! python-jose and Authlib are read and verified by jwtward_jose, and tokens jwtward_jose signs
//! are verified by all three. Keys are generated in Python and loaded here from PEM and JWK.

use jwtward_jose::{Alg, Jws, Key, KeyFormat, confusion_secrets, load_keys, sign_token, verify};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use jwtward_testkit::python;

fn call(req: &Value) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/jose_libs.py");
    let mut child = Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(req.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python helper failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("helper prints JSON")
}

fn key_for(keys: &Value, alg: Alg, from: &str) -> Key {
    let fam = match alg.as_str() {
        a if a.starts_with("HS") => {
            let hex = keys["hmac"]["secret_hex"].as_str().unwrap();
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            return Key::Hmac(bytes);
        }
        a if a.starts_with("RS") || a.starts_with("PS") => "rsa",
        "ES256" => "p256",
        "ES384" => "p384",
        _ => "ed25519",
    };
    let material = match from {
        "private_pem" | "public_pem" => keys[fam][from].as_str().unwrap().as_bytes().to_vec(),
        _ => serde_json::to_vec(&keys[fam][from]).unwrap(),
    };
    let loaded = load_keys(&material).unwrap_or_else(|e| panic!("{fam} {from}: {e}"));
    assert_eq!(loaded.len(), 1);
    let want = if from.ends_with("pem") {
        KeyFormat::Pem
    } else {
        KeyFormat::Jwk
    };
    assert_eq!(loaded[0].format, want);
    loaded.into_iter().next().unwrap().key
}

#[test]
fn python_libraries_and_jwtward_agree_both_ways() {
    let claims = json!({"sub": "alice", "role": "user", "n": 42, "nested": {"a": [1, 2, "é"]}});
    let signed = call(&json!({"op": "sign", "claims": claims}));
    let keys = &signed["keys"];
    let tokens = signed["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 12 + 8 + 12);

    // 1. What the libraries sign, jwtward reads byte for byte and verifies (PEM and JWK keys).
    for t in tokens {
        let (lib, alg_s, token) = (
            t["lib"].as_str().unwrap(),
            t["alg"].as_str().unwrap(),
            t["token"].as_str().unwrap(),
        );
        let alg: Alg = alg_s.parse().unwrap();
        let jws = Jws::parse(token).unwrap_or_else(|e| panic!("{lib} {alg_s}: {e}"));
        assert_eq!(jws.to_compact(), token, "{lib} {alg_s}: not byte-exact");
        assert_eq!(jws.alg(), Some(alg_s));
        assert_eq!(jws.payload(), Some(&claims), "{lib} {alg_s}");
        let input = jws.signing_input();
        for from in ["public_pem", "public_jwk", "private_pem", "private_jwk"] {
            let key = key_for(keys, alg, from);
            assert!(
                verify(alg, &key, input.as_bytes(), jws.signature()).unwrap(),
                "{lib} {alg_s}: jwtward does not verify it with the {from} key"
            );
            let bad = jws.with_corrupted_signature();
            assert!(
                !verify(alg, &key, input.as_bytes(), bad.signature()).unwrap(),
                "{lib} {alg_s}: a corrupted signature verifies"
            );
        }
        if lib == "pyjwt" {
            assert_eq!(jws.header_str("kid"), Some(format!("k-{alg_s}").as_str()));
        }
    }

    // 2. What jwtward signs (keys from PEM and from JWK), every library verifies.
    let mut mine = Vec::new();
    for alg in Alg::ALL.iter().copied().filter(|a| *a != Alg::None) {
        for from in ["private_pem", "private_jwk"] {
            let key = key_for(keys, alg, from);
            let token = sign_token(alg, &key, &json!({"kid": "jwtward"}), &claims).unwrap();
            mine.push(json!({"alg": alg.as_str(), "token": token}));
        }
    }
    let verdicts = call(&json!({"op": "verify", "keys": keys, "tokens": mine}));
    let results = verdicts["results"].as_array().unwrap();
    assert_eq!(results.len(), mine.len());
    let mut checked = 0;
    for r in results {
        for lib in ["pyjwt", "python-jose", "authlib"] {
            if let Some(v) = r.get(lib) {
                assert_eq!(
                    v["ok"],
                    json!(true),
                    "{lib} rejects jwtward's {} token: {}",
                    r["alg"],
                    v["error"]
                );
                assert_eq!(v["claims"], claims, "{lib} {}", r["alg"]);
                checked += 1;
            }
        }
    }
    // 24 tokens × (PyJWT + Authlib) + 16 × python-jose
    assert_eq!(checked, 24 * 2 + 16);

    // 3. A JWKS with all four public keys loads, kid and all.
    let mut set = Vec::new();
    for fam in ["rsa", "p256", "p384", "ed25519"] {
        let mut k = keys[fam]["public_jwk"].clone();
        k["kid"] = json!(fam);
        set.push(k);
    }
    let loaded = load_keys(json!({"keys": set}).to_string().as_bytes()).unwrap();
    assert_eq!(loaded.len(), 4);
    assert_eq!(loaded[2].kid.as_deref(), Some("p384"));
    assert!(loaded.iter().all(|k| k.format == KeyFormat::Jwks));

    // 4. Key confusion: the PEM exactly as Python wrote it is among the HMAC secrets tried, and a
    //    token "signed" with it by the libraries' HMAC code verifies with that secret.
    let pem = keys["rsa"]["public_pem"].as_str().unwrap();
    let rsa = &load_keys(pem.as_bytes()).unwrap()[0];
    let secrets = confusion_secrets(&rsa.key, Some(&rsa.original));
    assert!(secrets.iter().any(|s| s.secret == pem.as_bytes()));
    assert!(
        secrets
            .iter()
            .any(|s| s.secret == pem.trim_end().as_bytes())
    );
}
