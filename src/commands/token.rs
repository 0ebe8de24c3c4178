//! `token`: prints the current user token for scripts, from a saved profile (password from the
//! keyring) or from `--url`/`--username`/`--password-stdin` without saving anything.
//!
//! It decides the order of steps: check the password source, detect the family (no password
//! sent), read the password, run the flow, print. It prints only through `ui`; the passCode
//! goes to stdout only, and never into a message.

use crate::cli::{TokenArgs, TokenFormat};
use crate::error::{Error, ExitStatus, Result};
use crate::nexus::{Client, ClientConfig, UserToken};
use crate::secret::Secret;
use crate::ui::Ui;

use super::{Context, active_profile, client_for, family_for, normalize_url, profile_password};
use crate::profile::State;

/// The saved-profile form: `--profile NAME` (default `default`), password from the keyring.
fn run_profile(ctx: &Context<'_>, args: &TokenArgs) -> Result<ExitStatus> {
    let name = args.profile.as_deref().unwrap_or("default");
    let (profile, mut ps) = active_profile(
        ctx,
        name,
        "run `nexus-token login` first, or pass `--url URL --username USER --password-stdin`",
    )?;
    let profile = &profile;
    let password = profile_password(ctx, name, profile, args.password_stdin, &mut None)?;
    let client = client_for(ctx, profile)?;
    let (family, _) = family_for(ctx, &client, profile.api, ps.family)?;
    match client.fetch_token(family, &profile.username, &password) {
        Ok(token) => {
            ctx.ui.data(&render(&token, args.format));
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            if ps.note_rejection(&e) {
                State::update_profile(&ctx.state_path, name, &ps)?;
            }
            Err(e.into())
        }
    }
}

/// Runs `token`.
pub fn run(ctx: &Context<'_>, args: &TokenArgs) -> Result<ExitStatus> {
    let (env, ui) = (ctx.env, ctx.ui);
    let Some(url) = args.server.url.as_deref() else {
        return run_profile(ctx, args);
    };
    let url = normalize_url(url)?;
    let url = url.as_str();
    let Some(username) = args.server.username.as_deref().filter(|u| !u.is_empty()) else {
        return Err(Error::usage(
            "`--username` is required with `--url`",
            Some("pass `--username USER` (case-sensitive) or set `NEXUS_USERNAME`".to_owned()),
        ));
    };
    if !args.password_stdin && !env.stdin_is_terminal {
        return Err(Error::usage(
            "no password: standard input is not a terminal, so nexus-token cannot prompt",
            Some("pipe the password in with `--password-stdin`".to_owned()),
        ));
    }

    let client = Client::new(client_config(url, &args.server, ui))?;
    if let Some(warning) = client.insecure_warning() {
        ui.warn(&warning);
    }
    let family = match args.server.api.and_then(|a| a.family()) {
        Some(family) => family,
        None => {
            let detection = client.detect()?;
            ui.verbose(
                1,
                &format!(
                    "detected `{}` (version {}, edition {})",
                    detection.family,
                    detection.version.as_deref().unwrap_or("unknown"),
                    detection.edition.as_deref().unwrap_or("unknown")
                ),
            );
            detection.require_user_tokens(client.base_url())?;
            detection.family
        }
    };

    let password = read_password(args.password_stdin, username, ui)?;
    let token = client.fetch_token(family, username, &password)?;
    ui.data(&render(&token, args.format));
    Ok(ExitStatus::Success)
}

/// The client settings from the server flags; `-v` gets one line per request.
pub(crate) fn client_config(url: &str, server: &crate::cli::ServerArgs, ui: &Ui) -> ClientConfig {
    let mut config = ClientConfig::new(url);
    if let Some(secs) = server.connect_timeout {
        config.connect_timeout = std::time::Duration::from_secs(secs.max(1));
    }
    if let Some(secs) = server.timeout {
        config.timeout = std::time::Duration::from_secs(secs.max(1));
    }
    config.ca_cert.clone_from(&server.ca_cert);
    let trace_ui = ui.clone();
    config.trace = Some(std::sync::Arc::new(move |line: &str| {
        trace_ui.verbose(1, line);
    }));
    config
}

fn read_password(from_stdin: bool, username: &str, ui: &Ui) -> Result<Secret<String>> {
    let password = if from_stdin {
        crate::ui::read_password(std::io::stdin().lock()).map_err(|e| {
            Error::other(
                ExitStatus::Failure,
                format!("cannot read the password from standard input: {e}"),
                None,
            )
        })?
    } else {
        ui.prompt_password(&format!("Nexus password for `{username}`: "))
            .map_err(|e| {
                Error::other(
                    ExitStatus::Failure,
                    format!("cannot read the password from the terminal: {e}"),
                    None,
                )
            })?
    };
    if password.expose().is_empty() {
        return Err(Error::usage(
            "the password is empty",
            Some("give the password on the first line of standard input".to_owned()),
        ));
    }
    Ok(password)
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
        TokenFormat::Env => format!(
            "export NEXUS_TOKEN_NAME_CODE={}\nexport NEXUS_TOKEN_PASS_CODE={}",
            shell_quote(&token.name_code),
            shell_quote(token.pass_code.expose())
        ),
    }
}

/// Single-quotes a value for POSIX shells.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
