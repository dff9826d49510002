//! The signature scheme end to end: what a signer writes, a verifier accepts; everything
//! else is refused with the reason, and arbitrary headers never panic.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aion_signature::{SignatureError, Signer, Verifier};
use proptest::prelude::*;

const NOW: u64 = 1_764_000_000;
const BODY: &[u8] = br#"{"action":"approve_kernel_proposal"}"#;

#[test]
fn a_signed_body_verifies() {
    let header = Signer::new(["s3cret"]).sign_at(NOW, BODY);
    let verified = Verifier::new(["s3cret"])
        .verify_at(Some(&header), BODY, NOW + 10)
        .unwrap();
    assert_eq!(verified.timestamp, NOW);
    assert_eq!(verified.secret_index, 0);
}

#[test]
fn the_header_matches_an_independent_computation() {
    // HMAC-SHA256("key", "1764000000.hello"), computed with `openssl dgst -sha256 -hmac key`.
    let header = Signer::new(["key"]).sign_at(NOW, b"hello");
    assert_eq!(
        header,
        "t=1764000000,v1=1c3d1cd70a8314955f003226a25a5c20ecf741f0418e6812323f5e89a20f88f2"
    );
}

#[test]
fn a_changed_body_or_wrong_secret_is_a_mismatch() {
    let header = Signer::new(["s3cret"]).sign_at(NOW, BODY);
    let verifier = Verifier::new(["s3cret"]);
    assert_eq!(
        verifier.verify_at(Some(&header), b"{}", NOW),
        Err(SignatureError::Mismatch)
    );

    let other = Verifier::new(["other"]);
    assert_eq!(
        other.verify_at(Some(&header), BODY, NOW),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn rotation_accepts_either_secret_on_either_side() {
    // The sender signs with the new and the old secret while receivers catch up.
    let header = Signer::new(["new", "old"]).sign_at(NOW, BODY);
    assert_eq!(header.matches("v1=").count(), 2);

    let not_yet_rotated = Verifier::new(["old"]);
    assert!(not_yet_rotated.verify_at(Some(&header), BODY, NOW).is_ok());

    let rotated = Verifier::new(["new", "old"]);
    let verified = rotated.verify_at(Some(&header), BODY, NOW).unwrap();
    assert_eq!(verified.secret_index, 0);
}

#[test]
fn timestamps_outside_the_window_are_stale_on_both_sides() {
    let header = Signer::new(["k"]).sign_at(NOW, BODY);
    let verifier = Verifier::new(["k"]).with_tolerance(Duration::from_secs(300));

    assert!(verifier.verify_at(Some(&header), BODY, NOW + 300).is_ok());
    assert!(verifier.verify_at(Some(&header), BODY, NOW - 300).is_ok());
    assert_eq!(
        verifier.verify_at(Some(&header), BODY, NOW + 301),
        Err(SignatureError::Stale {
            skew_secs: 301,
            tolerance_secs: 300
        })
    );
    assert!(matches!(
        verifier.verify_at(Some(&header), BODY, NOW - 301),
        Err(SignatureError::Stale { .. })
    ));
}

#[test]
fn malformed_headers_say_what_is_wrong() {
    let verifier = Verifier::new(["k"]);
    let cases = [
        ("", "expected key=value"),
        ("t=abc,v1=00", "not whole seconds"),
        ("v1=00", "is not a SHA-256 HMAC"),
        ("t=1,t=2,v1=aa", "more than one t="),
        ("t=1", "no v1= signature"),
        ("t=1,v1=zz", "not hex"),
    ];
    for (header, expected) in cases {
        let err = verifier.verify_at(Some(header), BODY, 1).unwrap_err();
        assert!(err.to_string().contains(expected), "{header:?}: {err}");
    }

    let missing = verifier.verify_at(None, BODY, NOW).unwrap_err();
    assert_eq!(missing, SignatureError::Missing);

    let many = format!("t={NOW}{}", format!(",v1={}", "ab".repeat(32)).repeat(9));
    let err = verifier.verify_at(Some(&many), BODY, NOW).unwrap_err();
    assert!(err.to_string().contains("too many v1="), "{err}");
}

#[test]
fn unknown_schemes_are_ignored_beside_v1() {
    let header = Signer::new(["k"]).sign_at(NOW, BODY);
    let extended = format!("{header},v2=future");
    assert!(
        Verifier::new(["k"])
            .verify_at(Some(&extended), BODY, NOW)
            .is_ok()
    );
}

#[test]
fn a_verifier_without_secrets_refuses_everything() {
    let header = Signer::new(["k"]).sign_at(NOW, BODY);
    let none: [&str; 0] = [];
    assert_eq!(
        Verifier::new(none).verify_at(Some(&header), BODY, NOW),
        Err(SignatureError::NoSecret)
    );
}

#[test]
fn debug_output_never_shows_secrets() {
    let text = format!(
        "{:?} {:?}",
        Signer::new(["hunter2"]),
        Verifier::new(["hunter2"])
    );
    assert!(!text.contains("hunter2"), "{text}");
}

proptest! {
    #[test]
    fn arbitrary_headers_never_panic(
        header in ".{0,300}",
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let _ = Verifier::new(["k"]).verify_at(Some(&header), &body, NOW);
    }

    #[test]
    fn any_body_and_secret_round_trip(
        secret in prop::collection::vec(any::<u8>(), 1..64),
        body in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let header = Signer::new([&secret]).sign_at(NOW, &body);
        prop_assert!(Verifier::new([&secret]).verify_at(Some(&header), &body, NOW).is_ok());
    }
}
