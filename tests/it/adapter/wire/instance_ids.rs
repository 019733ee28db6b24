//! central-hub's instance ids (`sender_51`).

use super::*;

#[test]
fn instance_id_examples() {
    assert_eq!(parse_instance_id("sender_51").ok(), Some(51));
    assert_eq!(
        parse_instance_id("sender_18446744073709551615").ok(),
        Some(u64::MAX)
    );
    for bad in [
        "",
        "sender_",
        "sender_0",
        "sender_051",
        "sender_+51",
        "sender_-51",
        "sender_ 51",
        "sender_51 ",
        "sender_51abc",
        "Sender_51",
        "sender-51",
        "51",
        "sender_18446744073709551616",
        "sender_٥١",
        "sender_51\n",
    ] {
        let e = parse_instance_id(bad).unwrap_err();
        match &e.kind {
            ErrorKind::Validation { input, value, .. } => {
                assert_eq!(input, "instance id");
                assert_eq!(value.as_deref(), Some(bad));
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(
            e.to_string().contains("sender_51"),
            "says what a good one looks like"
        );
    }
}

proptest::proptest! {
    #[test]
    fn every_positive_id_round_trips(n in 1u64..=u64::MAX) {
        proptest::prop_assert_eq!(parse_instance_id(&format!("sender_{n}")).ok(), Some(n));
    }

    /// Accepted exactly when the input is the canonical `sender_{n}` of its result.
    #[test]
    fn anything_else_is_rejected_without_panic(
        s in "(sender_|Sender_|sender-|sender|)[+ -]?0?[0-9٠-٩]{0,22}[a-z_ \n]?"
    ) {
        match parse_instance_id(&s) {
            Ok(n) => {
                proptest::prop_assert!(n > 0);
                proptest::prop_assert_eq!(format!("sender_{n}"), s);
            }
            Err(e) => {
                let is_validation = matches!(&e.kind, ErrorKind::Validation { .. });
                proptest::prop_assert!(is_validation);
                let canonical = s
                    .strip_prefix("sender_")
                    .and_then(|d| d.parse::<u64>().ok())
                    .is_some_and(|n| n > 0 && format!("sender_{n}") == s);
                proptest::prop_assert!(!canonical, "rejected canonical {:?}", s);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,40}") {
        let _ = parse_instance_id(&s);
    }
}

#[tokio::test]
async fn get_session_with_a_bad_instance_id_sends_nothing() {
    let server = MockServer::start().await;
    let client = client_for(&server.uri());
    let e = client.get_session("sender_x").await.unwrap_err();
    assert!(matches!(&e.kind, ErrorKind::Validation { .. }));
    assert_eq!(e.path(), Some("/status"));
    assert!(e.to_string().contains("\"sender_x\""), "{e}");
    assert!(
        server
            .received_requests()
            .await
            .expect("recording")
            .is_empty()
    );
}
