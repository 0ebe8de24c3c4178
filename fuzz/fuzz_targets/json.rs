//! Fuzzes the client's pure parsing of Nexus answers (`parse_ticket`, `parse_token_json`): any
//! bytes must give `Ok` or an error, never a panic, and a parsed token is never empty.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(ticket) = nexus_token::nexus::parse_ticket(data) {
        assert!(
            !ticket.expose().is_empty(),
            "a parsed ticket is never empty"
        );
    }
    if let Ok(token) = nexus_token::nexus::parse_token_json(data) {
        assert!(!token.name_code.is_empty(), "a parsed token has a nameCode");
        assert!(
            !token.pass_code.expose().is_empty(),
            "a parsed token has a passCode"
        );
    }
});
