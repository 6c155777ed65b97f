//! Transport: the server serves HTTPS (rustls) with a certificate it is given, and the desktop
//! client refuses a server whose certificate does not verify (and plain http:// to anything but
//! this machine), saying why.

use rounds_client::{Config, Workspace};
use rounds_domain::ErrorCode;
use rounds_server::seed::{self, DEMO_PASSWORD, DEMO_PHYSICIAN};
use rounds_tests::vault;
use std::path::Path;
use std::process::Command;

fn openssl(args: &[&str], dir: &Path) {
    let out =
        Command::new("openssl").args(args).current_dir(dir).output().expect("openssl (scripts/deps.sh installs it)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A certificate authority and, signed by it, a server certificate for localhost and 127.0.0.1
/// (openssl CLI). Returns (ca.pem, cert.pem, key.pem).
fn certificates(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend(["-days", "1", "-subj", "/CN=Rounds test CA", "-keyout", "ca-key.pem", "-out", "ca.pem"]);
    openssl(&ca, dir);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend(["-subj", "/CN=localhost", "-keyout", "key.pem", "-out", "server.csr"]);
    openssl(&csr, dir);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n",
    )
    .expect("ext");
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-out",
            "cert.pem",
        ],
        dir,
    );
    (dir.join("ca.pem"), dir.join("cert.pem"), dir.join("key.pem"))
}

#[tokio::test]
async fn the_server_serves_https_and_the_client_refuses_an_untrusted_certificate() {
    let db = rounds_tests::Db::new(rounds_tests::Backend::Sqlite).await;
    seed::demo(db.storage.as_ref(), chrono::Utc::now()).await.expect("seed");
    let dir = tempfile::tempdir().expect("dir");
    let (ca, cert, key) = certificates(dir.path());

    // A key that is not the certificate's is refused at start, with the reason.
    let (_, _, other_key) = certificates(&dir.path().join("other").tap_mkdir());
    let Err(mismatch) = rounds_server::tls::acceptor(&cert, &other_key) else { panic!("a mismatched key is refused") };
    assert!(format!("{mismatch:#}").contains("do not go together"), "{mismatch:#}");
    assert!(rounds_server::tls::acceptor(&dir.path().join("missing.pem"), &key).is_err());

    let acceptor = rounds_server::tls::acceptor(&cert, &key).expect("certificate and key");
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = tcp.local_addr().expect("addr").port();
    let listener = rounds_server::tls::TlsListener::new(tcp, acceptor).expect("listener");
    let app = rounds_server::tls::app(rounds_server::app(rounds_server::AppState::new(db.storage.clone())));
    let served = tokio::spawn(async move { axum::serve(listener, app).await });

    // A client that trusts this certificate gets answers over TLS, sign-in included.
    let trusted = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&ca).expect("read")).expect("pem"))
        .build()
        .expect("client");
    let url = format!("https://localhost:{port}");
    let health = trusted.get(format!("{url}/health")).send().await.expect("https");
    assert_eq!(health.status(), 200);
    let signed = trusted
        .post(format!("{url}/auth/sign-in"))
        .json(&serde_json::json!({"email": DEMO_PHYSICIAN, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("sign in over https");
    assert_eq!(signed.status(), 200);
    // Plain HTTP to the TLS port gets nothing.
    let plain = reqwest::get(format!("http://127.0.0.1:{port}/health")).await;
    assert!(!plain.is_ok_and(|r| r.status().is_success()), "no answer over plain HTTP");

    // The desktop does not trust a certificate from an authority it does not know: it refuses,
    // and says it is the certificate, not an outage.
    let ws = Workspace::open(&Config { data_dir: dir.path().join("device"), server_url: url.clone() }, vault())
        .expect("open");
    let refused = ws.sign_in(DEMO_PHYSICIAN, DEMO_PASSWORD).await.expect_err("untrusted certificate");
    assert_eq!(refused.code, ErrorCode::ServerUnreachable);
    assert!(refused.message.contains("certificate"), "{}", refused.message);
    assert!(ws.session().expect("session").is_none(), "nothing was sent, nobody is signed in");

    // And plain http:// is only for this machine.
    let remote = Workspace::open(
        &Config { data_dir: dir.path().join("remote"), server_url: "http://rounds.example.org".into() },
        vault(),
    );
    let Err(err) = remote else { panic!("plain http to another host refused") };
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert!(err.message.contains("https://"), "{}", err.message);
    served.abort();
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).expect("mkdir");
        self
    }
}
