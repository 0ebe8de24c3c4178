//! Fuzzes the `login --token-stdin` parser: any bytes give a token or an error, never a panic;
//! a parsed token has both values and a nameCode without `:`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match nexus_token::token_input::parse(data) {
        Ok(token) => {
            assert!(!token.name_code.is_empty(), "a parsed token has a nameCode");
            assert!(
                !token.pass_code.expose().is_empty(),
                "a parsed token has a passCode"
            );
            assert!(
                !token.name_code.contains(':'),
                "a nameCode never holds `:`"
            );
        }
        Err(e) => {
            assert!(!e.to_string().is_empty(), "an error says why");
        }
    }
});
