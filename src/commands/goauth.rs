//! `nexus-token goauth [--profile P] [URL]`: the GOAUTH command that `login --go-proxy` writes
//! into Go's env file. Go runs it with no argument before its first https fetch (answered from
//! the token cache, no request while the cache is current), and again after a 4xx with the URL
//! as argument and the response on stdin: a 401/403 from the Nexus host is answered with a token
//! fetched from Nexus, past the cache, so a token reset on the server heals the same fetch.
//!
//! This file owns the I/O (stdin read to its end only when Go passed a URL, stdout through
//! `ui`); the protocol is pure (`targets::go::helper`). It never prompts: a served call gets the
//! keyring password or fails with one line on stderr and the usual exit code.

use std::io::Read;

use super::Context;
use crate::cli::GoauthArgs;
use crate::error::{Error, ExitStatus, Result};
use crate::session;
use crate::targets::go::helper::{self, Source};

pub(super) fn run(ctx: &Context<'_>, args: &GoauthArgs) -> Result<ExitStatus> {
    let mut stdin = Vec::new();
    if args.url.is_some() {
        // Go writes the response's status line and headers, then closes stdin.
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_to_end(&mut stdin)
            .map_err(|e| {
                Error::other(
                    ExitStatus::Failure,
                    format!("cannot read standard input: {e}"),
                    None,
                )
            })?;
    }
    let (profile, _) = session::load(
        ctx,
        &args.profile,
        "run `nexus-token login --go-proxy URL` for this profile",
    )?;
    let Some(prefix) = helper::base_prefix(&profile.url) else {
        return Err(Error::usage(
            format!(
                "the URL of profile `{}` has no host: {}",
                args.profile, profile.url
            ),
            Some("log in again with `--url https://nexus.example.com`".into()),
        ));
    };
    let no_cache = match helper::source(args.url.as_deref(), &stdin, &prefix) {
        Source::Nothing => return Ok(ExitStatus::Success),
        Source::Cache => false,
        Source::Fresh => {
            ctx.ui.verbose(
                1,
                "Go was refused: asking Nexus for the current token, past the cache",
            );
            true
        }
    };
    let token = session::serve_token(ctx, &args.profile, no_cache, None)?;
    let answer = helper::render(&prefix, &token.name_code, &token.pass_code);
    ctx.ui.data(&String::from_utf8_lossy(answer.expose()));
    Ok(ExitStatus::Success)
}
