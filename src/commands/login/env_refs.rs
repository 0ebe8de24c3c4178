//! `login --env-refs`: whether the profile refers to the environment, and the targets that cannot
//! (netrc and .pypirc have no variable syntax; the Gradle wrapper reads its credentials only from
//! gradle.properties or system properties, never from `ORG_GRADLE_PROJECT_*`), refused before any
//! request.

use crate::cli::LoginArgs;
use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::ui::Ui;

/// The mode: `--env-refs` or `--no-env-refs`, else what the profile was saved with.
pub(super) fn mode(args: &LoginArgs, previous: Option<&Profile>) -> bool {
    if args.env_refs || args.no_env_refs {
        return args.env_refs;
    }
    previous.is_some_and(|p| p.env_refs)
}

/// Exit 2 when a target of `profile` (from the flags, or the saved targets a login without target
/// flags takes over) cannot refer to the environment.
pub(super) fn refuse_unreferable(profile: &Profile) -> Result<()> {
    if !profile.env_refs {
        return Ok(());
    }
    {
        let mut which = Vec::new();
        if profile.targets.netrc.enabled {
            which.push("netrc");
        }
        if !profile.targets.pypirc.sections.is_empty() {
            which.push(".pypirc");
        }
        if profile
            .targets
            .gradle
            .keys
            .contains(&crate::gradle::wrapper_keys())
        {
            which.push("the Gradle wrapper (`--gradle-wrapper`)");
        }
        if !which.is_empty() {
            return Err(Error::usage(
                format!(
                    "{} cannot refer to the environment, so `--env-refs` cannot keep the token out of {}",
                    which.join(" and "),
                    if which.len() > 1 { "them" } else { "it" }
                ),
                Some("log in with `--env-refs` for Maven, npm, Yarn and Gradle only, and give netrc, .pypirc or `--gradle-wrapper` to a profile without it (`--profile NAME`), or drop `--env-refs`; nothing was sent to Nexus".into()),
            ));
        }
    }
    Ok(())
}

/// After discovery: netrc and .pypirc targets found for this Nexus are left alone under
/// `--env-refs` (said, not an error: the user named no such target).
pub(super) fn drop_discovered(ui: &Ui, profile: &mut Profile) {
    if !profile.env_refs {
        return;
    }
    if profile.targets.netrc.enabled {
        ui.step("left netrc alone: it cannot refer to the environment (`--env-refs`)");
        profile.targets.netrc.enabled = false;
    }
    if !profile.targets.pypirc.sections.is_empty() {
        ui.step("left .pypirc alone: it cannot refer to the environment (`--env-refs`)");
        profile.targets.pypirc.sections.clear();
    }
}
