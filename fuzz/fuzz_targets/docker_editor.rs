#![no_main]
//! Fuzzes the Docker config.json editor: any bytes must not panic; a file serde_json reads as an
//! object with object-or-missing `auths`/`credHelpers` must be editable, the output must name
//! nexus-token for the host, keep every other top-level key's value, and a second application
//! must change nothing. The first input byte picks the host.

use nexus_token::targets::docker::editor::{HELPER_NAME, set_cred_helper};
use serde_json::Value;

const HOSTS: &[&str] = &["nexus.example:8443", "127.0.0.1:5000", "a", "https://h:1/v1/"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let host = HOSTS[usize::from(sel) % HOSTS.len()];
    let result = set_cred_helper(Some(input), host, HELPER_NAME);
    let Ok(Value::Object(before)) = serde_json::from_slice::<Value>(input) else {
        return;
    };
    let shaped = ["auths", "credHelpers"]
        .iter()
        .all(|k| before.get(*k).is_none_or(Value::is_object));
    if !shaped {
        assert!(result.is_err(), "a misshapen file is refused");
        return;
    }
    let edit = result.expect("a file Docker reads is editable");
    let Ok(Value::Object(after)) = serde_json::from_slice::<Value>(&edit.output) else {
        panic!("the output is a JSON object");
    };
    let key = host.trim_start_matches("https://").split('/').next().unwrap();
    assert_eq!(after["credHelpers"][key], HELPER_NAME, "the helper is named");
    for (k, v) in &before {
        if k != "auths" && k != "credHelpers" {
            assert_eq!(after.get(k), Some(v), "other keys keep their values");
        }
    }
    let again = set_cred_helper(Some(&edit.output), host, HELPER_NAME).expect("editable again");
    assert!(again.changed.is_empty() && again.output == edit.output, "a second run changes nothing");
});
