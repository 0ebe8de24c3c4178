#![no_main]
//! Fuzzes the settings.xml editor: arbitrary bytes must give an error or an output that parses
//! again, yields the credentials for every id, and is left unchanged by a second run. Never a
//! panic.

use nexus_token::maven::{Credentials, discover, duplicate_ids, read_server, set_credentials};

const IDS: [&str; 2] = ["central", "a&b"];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let creds = Credentials {
        username: "tok-user",
        password: "p<&>'\"w",
        password_is_encrypted: false,
    };
    let _ = read_server(data, "central");
    let _ = discover(data, "tok-user", "http://127.0.0.1:8081/repository/");
    let _ = duplicate_ids(data);
    let Ok(edit) = set_credentials(Some(data), &IDS, &creds) else {
        return;
    };
    if edit.changed.is_empty() {
        assert_eq!(edit.output, data, "no change means the same bytes");
    }
    for id in IDS {
        let entry = read_server(&edit.output, id)
            .expect("the output parses")
            .expect("every id has a server in the output");
        assert_eq!(entry.username.as_deref(), Some(creds.username));
        assert_eq!(entry.password.as_deref(), Some(creds.password));
    }
    let again = set_credentials(Some(&edit.output), &IDS, &creds).expect("the output is accepted");
    assert!(again.changed.is_empty(), "a second run changes nothing");
    assert_eq!(again.output, edit.output, "a second run writes the same bytes");
});
