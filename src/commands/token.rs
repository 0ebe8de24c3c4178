//! `token`: prints the current user token for scripts, from a saved profile (password from the
//! keyring) or from `--url`/`--username`/`--password-stdin` without saving anything.
//!
//! It decides the order of steps: check the password source, detect the family (no password
//! sent), read the password, run the flow, print. It prints only through `ui`; the passCode
//! goes to stdout only, and never into a message.

use crate::cli::{TokenArgs, TokenFormat};
use crate::error::{Error, ExitStatus, Result};
use crate::expiry::ExpiryPolicy;
use crate::nexus::UserToken;
use crate::profile::Profile;
use crate::session::{self, Session};
use crate::text::shell_quote;

use super::{Context, normalize_url, read_password};

/// Runs `token`: a saved profile (password from the keyring), or `--url` without saving anything.
pub(super) fn run(ctx: &Context<'_>, args: &TokenArgs) -> Result<ExitStatus> {
    // A saved profile and the environment never mix silently.
    let from_env =
        args.server.url.is_some() && args.server.url.as_deref() == ctx.env.var("NEXUS_URL");
    let url = match (&args.profile, args.server.url.as_deref()) {
        (Some(name), Some(_)) if from_env => {
            ctx.ui.warn(&format!(
                "`NEXUS_URL` is set, but `--profile {name}` uses the profile's saved URL"
            ));
            None
        }
        (Some(_), Some(_)) => {
            return Err(Error::usage(
                "`--profile` and `--url` name two different sources of the token",
                Some("give `--profile NAME` for a saved profile, or `--url` with `--username` and `--password-stdin` for a one-off".into()),
            ));
        }
        (None, Some(url)) => {
            if from_env {
                ctx.ui.step(&format!(
                    "using `NEXUS_URL={url}` from the environment, not a saved profile (`--profile NAME` uses one)"
                ));
            }
            Some(url)
        }
        (_, None) => None,
    };
    let token = match url {
        None => from_profile(ctx, args)?,
        Some(url) => from_flags(ctx, args, url)?,
    };
    ctx.ui.data(&render(&token, args.format));
    Ok(ExitStatus::Success)
}

/// The saved-profile form: `--profile NAME` (default `default`), through the one served-token
/// flow ([`session::serve_token`]).
fn from_profile(ctx: &Context<'_>, args: &TokenArgs) -> Result<UserToken> {
    let name = args.profile.as_deref().unwrap_or("default");
    let stdin = |username: &str| read_password(ctx, true, false, username);
    let password: Option<session::PasswordSource<'_>> = if args.password_stdin {
        Some(&stdin)
    } else {
        None
    };
    session::serve_token(ctx, name, args.no_cache, password)
}

/// `--url`/`--username` with the password from stdin or a prompt: a transient profile.
fn from_flags(ctx: &Context<'_>, args: &TokenArgs, url: &str) -> Result<UserToken> {
    let url = normalize_url(url)?;
    let Some(username) = args.server.username.clone().filter(|u| !u.is_empty()) else {
        return Err(Error::usage(
            "`--username` is required with `--url`",
            Some("pass `--username USER` (case-sensitive) or set `NEXUS_USERNAME`".to_owned()),
        ));
    };
    if !args.password_stdin && !ctx.env.stdin_is_terminal {
        return Err(Error::usage(
            "no password: standard input is not a terminal, so nexus-token cannot prompt",
            Some("pipe the password in with `--password-stdin`".to_owned()),
        ));
    }
    crate::nexus::validate_username(&username)?;
    let profile = Profile {
        url,
        username,
        api: args.server.api.and_then(|a| a.family()),
        keyring: false,
        imported: false,
        ca_cert: args.server.ca_cert.clone(),
        connect_timeout: args.server.connect_timeout,
        timeout: args.server.timeout,
        targets: Default::default(),
        profiles_file: None,
        env_refs: false,
    };
    let mut session = Session::transient(ctx, "(--url)", profile)?;
    let password = read_password(ctx, args.password_stdin, true, &session.profile.username)?;
    session.use_password(password);
    session.current_token(ExpiryPolicy::on_expired_only())
}

/// The token in the chosen output format (one trailing newline is added by `ui.data`).
fn render(token: &UserToken, format: TokenFormat) -> String {
    match format {
        TokenFormat::Json => serde_json::json!({
            "nameCode": token.name_code,
            "passCode": token.pass_code.expose(),
            "created": token.created,
        })
        .to_string(),
        TokenFormat::Plain => format!("{}:{}", token.name_code, token.pass_code.expose()),
        TokenFormat::Basic => basic(token),
        TokenFormat::Header => format!("Authorization: {}", basic(token)),
        TokenFormat::Env => format!(
            "export NEXUS_TOKEN_NAME_CODE={}\nexport NEXUS_TOKEN_PASS_CODE={}",
            shell_quote(&token.name_code),
            shell_quote(token.pass_code.expose())
        ),
    }
}

/// `Basic <base64(nameCode:passCode)>`.
fn basic(token: &UserToken) -> String {
    use base64::Engine as _;
    let pair = format!("{}:{}", token.name_code, token.pass_code.expose());
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn token() -> UserToken {
        UserToken {
            name_code: "ab+/cd=".into(),
            pass_code: Secret::new("p'q".into()),
            created: Some("2024-01-01T00:00:00.000+00:00".into()),
        }
    }

    #[test]
    fn json_has_the_three_promised_keys() {
        let v: serde_json::Value =
            serde_json::from_str(&render(&token(), TokenFormat::Json)).unwrap();
        assert_eq!(v["nameCode"], "ab+/cd=");
        assert_eq!(v["passCode"], "p'q");
        assert_eq!(v["created"], "2024-01-01T00:00:00.000+00:00");
    }

    #[test]
    fn env_format_quotes_for_the_shell() {
        let text = render(&token(), TokenFormat::Env);
        assert!(
            text.contains("export NEXUS_TOKEN_PASS_CODE='p'\\''q'"),
            "{text}"
        );
        assert_eq!(render(&token(), TokenFormat::Plain), "ab+/cd=:p'q");
    }
}
