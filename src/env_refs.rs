//! References to the environment (`login --env-refs` and `exec`): the names of the variables that
//! files refer to instead of holding the token, the reference text each file kind gets, and the
//! variables `exec` sets for a profile. Pure: no I/O, no environment read.
//!
//! Only variables that a client sends to the Nexus the profile names: the generic three, the
//! `ORG_GRADLE_PROJECT_*` properties of the profile's own Gradle keys, and the token of the
//! profile's own Cargo registries. Never a variable that a client would send to every host it
//! talks to (no `TWINE_PASSWORD`, no `YARN_NPM_AUTH_IDENT`).

use base64::Engine as _;

use crate::nexus::UserToken;
use crate::profile::Profile;
use crate::secret::Secret;

/// The token's user part.
pub const NAMECODE: &str = "NEXUS_TOKEN_NAMECODE";
/// The token's password part.
pub const PASSCODE: &str = "NEXUS_TOKEN_PASSCODE";
/// Base64 of `nameCode:passCode` (npm's `_auth`).
pub const AUTH: &str = "NEXUS_TOKEN_AUTH";

/// `<username>` of a settings.xml `<server>` (Maven expands `${env.X}` in settings.xml).
pub const MAVEN_USERNAME: &str = "${env.NEXUS_TOKEN_NAMECODE}";
/// `<password>` of a settings.xml `<server>`.
pub const MAVEN_PASSWORD: &str = "${env.NEXUS_TOKEN_PASSCODE}";
/// `_auth` at an npmrc registry key (npm, pnpm and Yarn 1 expand `${X}` in npmrc).
pub const NPM_AUTH: &str = "${NEXUS_TOKEN_AUTH}";
/// `npmAuthIdent` in .yarnrc.yml (Yarn 2+ expands `${X}` in its rc files).
pub const YARN_AUTH_IDENT: &str = "${NEXUS_TOKEN_NAMECODE}:${NEXUS_TOKEN_PASSCODE}";

/// The prefix under which Gradle reads project properties from the environment.
pub const GRADLE_PROJECT_PREFIX: &str = "ORG_GRADLE_PROJECT_";

/// `Basic <base64(nameCode:passCode)>`, the header value Nexus takes.
pub fn basic(token: &UserToken) -> String {
    format!("Basic {}", auth(token))
}

/// Base64 of `nameCode:passCode`.
fn auth(token: &UserToken) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        token.name_code,
        token.pass_code.expose()
    ))
}

/// The environment variable Cargo reads a registry's token from: `CARGO_REGISTRIES_<NAME>_TOKEN`,
/// the name upper-cased with `-` as `_` (Cargo's rule for config keys in the environment).
pub fn cargo_token_variable(registry: &str) -> String {
    format!(
        "CARGO_REGISTRIES_{}_TOKEN",
        registry.to_ascii_uppercase().replace('-', "_")
    )
}

/// Every variable `exec` sets for `profile`, in a stable order: the generic three, then one pair
/// per Gradle key pair, then one per Cargo registry. Values are secrets.
pub fn variables(profile: &Profile, token: &UserToken) -> Vec<(String, Secret<String>)> {
    let pass = token.pass_code.expose();
    let mut vars = vec![
        (NAMECODE.to_owned(), Secret::new(token.name_code.clone())),
        (PASSCODE.to_owned(), Secret::new(pass.clone())),
        (AUTH.to_owned(), Secret::new(auth(token))),
    ];
    for (user_key, pass_key) in &profile.targets.gradle.keys {
        vars.push((
            format!("{GRADLE_PROJECT_PREFIX}{user_key}"),
            Secret::new(token.name_code.clone()),
        ));
        vars.push((
            format!("{GRADLE_PROJECT_PREFIX}{pass_key}"),
            Secret::new(pass.clone()),
        ));
    }
    for registry in &profile.targets.cargo.registries {
        vars.push((
            cargo_token_variable(&registry.name),
            Secret::new(basic(token)),
        ));
    }
    vars
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::cargo::CargoRegistry;

    fn token() -> UserToken {
        UserToken {
            name_code: "nc".into(),
            pass_code: Secret::new("pc".into()),
            created: None,
        }
    }

    fn profile() -> Profile {
        let text = r#"
url = "http://127.0.0.1:8081"
username = "alice"
[gradle]
keys = [["nexusUsername", "nexusPassword"], ["mavenUser", "mavenPassword"]]
"#;
        let mut p: Profile = toml::from_str(text).unwrap();
        p.targets.cargo.registries.push(CargoRegistry {
            name: "my-nexus".into(),
            index: None,
        });
        p
    }

    #[test]
    fn exec_sets_the_generic_gradle_and_cargo_variables() {
        let vars: Vec<(String, String)> = variables(&profile(), &token())
            .into_iter()
            .map(|(k, v)| (k, v.expose().clone()))
            .collect();
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{k} is set: {vars:?}"))
        };
        assert_eq!(get("NEXUS_TOKEN_NAMECODE"), "nc");
        assert_eq!(get("NEXUS_TOKEN_PASSCODE"), "pc");
        assert_eq!(get("NEXUS_TOKEN_AUTH"), "bmM6cGM=", "base64 of `nc:pc`");
        assert_eq!(get("ORG_GRADLE_PROJECT_nexusUsername"), "nc");
        assert_eq!(get("ORG_GRADLE_PROJECT_nexusPassword"), "pc");
        assert_eq!(get("ORG_GRADLE_PROJECT_mavenUser"), "nc");
        assert_eq!(get("ORG_GRADLE_PROJECT_mavenPassword"), "pc");
        assert_eq!(get("CARGO_REGISTRIES_MY_NEXUS_TOKEN"), "Basic bmM6cGM=");
        assert_eq!(vars.len(), 8, "nothing else: {vars:?}");
    }

    #[test]
    fn no_variable_that_a_client_sends_to_every_host() {
        let names: Vec<String> = variables(&profile(), &token())
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for bad in [
            "TWINE_PASSWORD",
            "TWINE_USERNAME",
            "YARN_NPM_AUTH_IDENT",
            "YARN_NPM_AUTH_TOKEN",
            "NPM_CONFIG__AUTH",
            "npm_config__auth",
            "CARGO_REGISTRY_TOKEN",
        ] {
            assert!(!names.iter().any(|n| n == bad), "{bad} is never set");
        }
    }

    #[test]
    fn references_name_the_variables_exec_sets() {
        assert!(MAVEN_USERNAME.contains(NAMECODE) && MAVEN_PASSWORD.contains(PASSCODE));
        assert_eq!(NPM_AUTH, format!("${{{AUTH}}}"));
        assert_eq!(YARN_AUTH_IDENT, format!("${{{NAMECODE}}}:${{{PASSCODE}}}"));
    }
}
