//! The client itself: base URLs, construction, configuration from variables, sharing.

use super::*;

#[test]
fn the_client_can_be_shared_across_tasks() {
    fn send_sync<T: Send + Sync + Clone + 'static>() {}
    send_sync::<SessionManagerClient>();
    send_sync::<AdapterError>();
    // Small enough that Result<_, AdapterError> passes clippy's result_large_err everywhere.
    assert!(std::mem::size_of::<AdapterError>() <= 128);
}

#[tokio::test]
async fn calls_run_in_spawned_tasks() {
    let (_s, client) = serve(
        "GET",
        "/status",
        json_answer(200, status_body(51, SessionState::Ready)),
    )
    .await;
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get_session("sender_51").await })
        })
        .collect();
    for h in handles {
        assert!(h.await.expect("task").expect("session").ready);
    }
}

#[tokio::test]
async fn a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/sm/v1/status"))
        .respond_with(json_answer(200, status_body(51, SessionState::Ready)))
        .mount(&server)
        .await;
    let client = client_for(&format!("{}/sm/v1/", server.uri()));
    assert_eq!(client.base_url(), format!("{}/sm/v1", server.uri()));
    assert!(
        client
            .get_session("sender_51")
            .await
            .expect("via prefix")
            .ready
    );
}

#[test]
fn base_url_validation_table() {
    let ok = [
        ("http://127.0.0.1:3001", "http://127.0.0.1:3001"),
        ("http://127.0.0.1:3001/", "http://127.0.0.1:3001"),
        ("  http://localhost:3011  ", "http://localhost:3011"),
        (
            "https://gw.example.com/session-manager/",
            "https://gw.example.com/session-manager",
        ),
        ("http://[::1]:3001//", "http://[::1]:3001"),
        ("HTTP://LOCALHOST:3001", "http://localhost:3001"),
    ];
    for (input, want) in ok {
        assert_eq!(
            parse_base_url(input, "SESSION_MANAGER_BASE_URL").as_deref(),
            Ok(want),
            "{input}"
        );
    }
    let bad = [
        ("", "empty"),
        ("   ", "empty"),
        ("localhost:3001", "http://localhost:3001"),
        ("127.0.0.1:3001", "scheme is missing"),
        ("ftp://host:21", "not http or https"),
        ("file:///etc/passwd", "not http or https"),
        ("http://", "not a URL"),
        ("http://host:99999", "not a URL"),
        ("http://host:3001/?x=1", "query"),
        ("http://host:3001#frag", "fragment"),
        ("http://user:s3cr3t@host:3001", "credentials"),
        ("http://token@host:3001", "credentials"),
        ("http://exa mple:3001", "not a URL"),
        ("http://user:s3cr3t@exa mple:3001", "not a URL"),
    ];
    for (input, needle) in bad {
        let e = parse_base_url(input, "SESSION_MANAGER_BASE_URL").unwrap_err();
        let text = e.to_string();
        assert!(matches!(&e.kind, ErrorKind::Validation { .. }), "{input}");
        assert!(text.contains("SESSION_MANAGER_BASE_URL"), "{text}");
        assert!(text.contains(needle), "{input:?}: {text}");
        assert!(
            !text.contains("s3cr3t") && !text.contains("token@"),
            "secret leaked: {text}"
        );
    }
}

#[test]
fn client_construction_validates_its_config() {
    let e = SessionManagerClient::new(ClientConfig::new("localhost:3001")).unwrap_err();
    assert!(e.to_string().contains("ClientConfig.base_url"), "{e}");
    let mut config = ClientConfig::new("http://127.0.0.1:3001");
    config.timeout = Duration::ZERO;
    assert!(SessionManagerClient::new(config).is_err());
    let mut config = ClientConfig::new("http://127.0.0.1:3001");
    config.contract = Arc::new(Contract::v2());
    let e = SessionManagerClient::new(config).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("POST /send") && text.contains("GET /qr-code"),
        "{text}"
    );
}

#[test]
fn config_from_variables() {
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let e = ClientConfig::from_vars(vars(&[])).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("SESSION_MANAGER_BASE_URL") && text.contains("set"),
        "{text}"
    );

    let c = ClientConfig::from_vars(vars(&[(
        "SESSION_MANAGER_BASE_URL",
        "http://127.0.0.1:3001/",
    )]))
    .expect("valid");
    assert_eq!(c.base_url, "http://127.0.0.1:3001");
    assert_eq!(c.connect_timeout, Duration::from_secs(2));
    assert_eq!(c.timeout, Duration::from_secs(10));

    let c = ClientConfig::from_vars(vars(&[
        ("SESSION_MANAGER_BASE_URL", "http://127.0.0.1:3001"),
        ("LMH_CONNECT_TIMEOUT_MS", "250"),
        ("LMH_TIMEOUT_MS", "1500"),
    ]))
    .expect("valid");
    assert_eq!(c.connect_timeout, Duration::from_millis(250));
    assert_eq!(c.timeout, Duration::from_millis(1500));

    for (var, value) in [
        ("LMH_TIMEOUT_MS", "abc"),
        ("LMH_TIMEOUT_MS", "0"),
        ("LMH_TIMEOUT_MS", "-5"),
        ("LMH_CONNECT_TIMEOUT_MS", "2s"),
        ("LMH_CONNECT_TIMEOUT_MS", "99999999999"),
    ] {
        let lookup = move |name: &str| match name {
            "SESSION_MANAGER_BASE_URL" => Some("http://127.0.0.1:3001".to_string()),
            n if n == var => Some(value.to_string()),
            _ => None,
        };
        let e = ClientConfig::from_vars(lookup).unwrap_err();
        let text = e.to_string();
        assert!(text.contains(var) && text.contains(value), "{text}");
    }
    let e = ClientConfig::from_vars(vars(&[("SESSION_MANAGER_BASE_URL", "localhost:3001")]))
        .unwrap_err();
    assert!(e.to_string().contains("SESSION_MANAGER_BASE_URL"), "{e}");
}
