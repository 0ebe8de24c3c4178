//! The Gradle target: username/password key pairs of one gradle.properties. Glue between the pure
//! editor ([`crate::gradle`]) and the seam, plus the checks for what overrides those keys
//! (`ORG_GRADLE_PROJECT_*` variables, the user-home file, a project's own file).

use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Result};
use crate::{fs, gradle};

use super::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

mod saved;
pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};

/// Key pairs in one gradle.properties.
#[derive(Debug)]
pub(crate) struct GradleTarget {
    pub path: PathBuf,
    /// `(username key, password key)` pairs.
    pub keys: Vec<(String, String)>,
    /// `login --env-refs`: the file holds none of the keys; `exec` sets them as
    /// `ORG_GRADLE_PROJECT_<key>` (a value in the file would beat the environment).
    pub env_refs: bool,
}

impl GradleTarget {
    fn all_keys(&self) -> Vec<&str> {
        self.keys
            .iter()
            .flat_map(|(u, p)| [u.as_str(), p.as_str()])
            .collect()
    }
}

impl Target for GradleTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        self.keys.iter().map(|(u, _)| u.clone()).collect()
    }

    /// Both keys of every pair.
    fn claims(&self) -> Vec<String> {
        self.all_keys().into_iter().map(str::to_owned).collect()
    }

    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>> {
        if self.env_refs {
            let Some(current) = current else {
                return Ok(None);
            };
            let edit = gradle::remove_properties(current, &self.all_keys())
                .map_err(|e| Error::file(&self.path, "update", e))?;
            if edit.output == current {
                return Ok(None);
            }
            return Ok(Some(edit.into()));
        }
        let pass = token.pass_code.expose().as_str();
        let pairs: Vec<(&str, &str)> = self
            .keys
            .iter()
            .flat_map(|(user_key, pass_key)| {
                [
                    (user_key.as_str(), token.name_code),
                    (pass_key.as_str(), pass),
                ]
            })
            .collect();
        let edit = gradle::set_properties(current, &pairs).map_err(|e| match e {
            gradle::Error::ReadBack { .. } => super::unwritable_token(&self.path, e),
            e => Error::file(&self.path, "update", e),
        })?;
        if current == Some(edit.output.as_slice()) {
            return Ok(None);
        }
        Ok(Some(edit.into()))
    }

    fn clear(&self, current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        let edit = gradle::remove_properties(current, &self.all_keys())
            .map_err(|e| Error::file(&self.path, "update", e))?;
        Ok(edit.into())
    }

    /// One entry per pair, named by its username key; a pair whose password key is stale is
    /// reported under the password key's name.
    fn inspect(&self, current: &[u8], verdict: &Verdict<'_>) -> Vec<Entry> {
        self.keys
            .iter()
            .map(|(user_key, pass_key)| {
                match (
                    gradle::read_property(current, user_key),
                    gradle::read_property(current, pass_key),
                ) {
                    (Ok(None), Ok(None)) if self.env_refs => {
                        (user_key.clone(), TargetState::Referenced, None)
                    }
                    (Ok(u), Ok(_)) if self.env_refs => (
                        if u.is_some() { user_key } else { pass_key }.clone(),
                        TargetState::Stale,
                        Some(format!(
                            "`{}` still holds a value, but the profile refers to the environment (`nexus-token exec` sets `ORG_GRADLE_PROJECT_*`); `nexus-token refresh` removes it",
                            self.path.display()
                        )),
                    ),
                    (Ok(u), Ok(p)) => {
                        let state = verdict(u.as_deref(), p.as_deref());
                        let name = match (&u, &p) {
                            (Some(_), None) => pass_key.clone(),
                            _ => user_key.clone(),
                        };
                        (name, state, None)
                    }
                    (Err(e), _) | (_, Err(e)) => (
                        user_key.clone(),
                        TargetState::Unreadable,
                        Some(e.to_string()),
                    ),
                }
            })
            .collect()
    }

    /// `ORG_GRADLE_PROJECT_*` variables that beat the file (none with `--env-refs`: that is
    /// how `exec` gives the token).
    fn notes(&self, env: &Env) -> Vec<String> {
        if self.env_refs {
            return Vec::new();
        }
        gradle::overridden_by_env(&self.all_keys(), &env.gradle_project_overrides())
            .into_iter()
            .map(|key| {
                format!(
                    "the environment variable `ORG_GRADLE_PROJECT_{key}` overrides `{key}` from `{}`: unset it, or Gradle will not use the token",
                    self.path.display()
                )
            })
            .collect()
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (env, current) = (cx.env, cx.current);
        let path = &self.path;
        let mut findings = Vec::new();
        if let Some(bytes) = current {
            findings.push(match gradle::parse(bytes) {
                Ok(_) => Finding::new(
                    "files-parse",
                    Level::Ok,
                    format!("`{}` parses", path.display()),
                    None,
                ),
                Err(e) => Finding::new(
                    "files-parse",
                    Level::Fail,
                    format!("`{}`: {e}", path.display()),
                    Some("fix the file at that line".into()),
                ),
            });
        }
        let keys = self.all_keys();
        let overrides = if self.env_refs {
            Vec::new()
        } else {
            env.gradle_project_overrides()
        };
        for key in gradle::overridden_by_env(&keys, &overrides) {
            findings.push(Finding::new(
                "gradle-override",
                Level::Warn,
                format!(
                    "`ORG_GRADLE_PROJECT_{key}` is set and overrides `{key}` from `{}`",
                    path.display()
                ),
                Some(format!(
                    "unset `ORG_GRADLE_PROJECT_{key}` (check your shell profile and CI variables)"
                )),
            ));
        }
        // A target elsewhere than the user-home file loses to it.
        let home_file = env.gradle_properties();
        if &home_file != path {
            for key in keys_set_in(&home_file, &keys) {
                findings.push(Finding::new(
                    "gradle-override",
                    Level::Warn,
                    format!(
                        "`{}` also sets `{key}` and Gradle prefers it over `{}`",
                        home_file.display(),
                        path.display()
                    ),
                    Some(format!("remove `{key}` from `{}`", home_file.display())),
                ));
            }
        }
        // The project's own file (doctor run in the project directory).
        if let Some(cwd) = env.current_dir() {
            let project = cwd.join("gradle.properties");
            if &project != path && project != home_file {
                for key in keys_set_in(&project, &keys) {
                    findings.push(Finding::new(
                        "gradle-override",
                        Level::Warn,
                        format!(
                            "the project's `{}` also sets `{key}`: Gradle prefers the user-home file, but a build with another `GRADLE_USER_HOME` (CI, containers) reads this one",
                            project.display()
                        ),
                        Some(format!("remove `{key}` from `{}`", project.display())),
                    ));
                }
            }
        }
        findings
    }
}

/// The keys among `keys` that the file at `path` sets (none when it is missing or unreadable).
fn keys_set_in<'k>(path: &Path, keys: &[&'k str]) -> Vec<&'k str> {
    let Ok(Some(bytes)) = fs::read_optional(path) else {
        return Vec::new();
    };
    keys.iter()
        .copied()
        .filter(|key| matches!(gradle::read_property(&bytes, key), Ok(Some(_))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn target(env_refs: bool) -> GradleTarget {
        GradleTarget {
            path: PathBuf::from("/h/.gradle/gradle.properties"),
            keys: vec![("nexusUsername".into(), "nexusPassword".into())],
            env_refs,
        }
    }

    fn plan(t: &GradleTarget, current: Option<&[u8]>) -> Option<Planned> {
        let pass = Secret::new("pc".to_owned());
        let token = TokenValues {
            name_code: "nc",
            pass_code: &pass,
        };
        t.plan(current, &token).unwrap()
    }

    fn verdict(user: Option<&str>, pass: Option<&str>) -> TargetState {
        match (user, pass) {
            (Some("nc"), Some("pc")) => TargetState::Current,
            (Some(_), Some(_)) => TargetState::Stale,
            _ => TargetState::Missing,
        }
    }

    #[test]
    fn env_refs_remove_the_keys_and_leave_the_rest() {
        let before = "# team\norg.gradle.jvmargs=-Xmx1g\nnexusUsername=nc\nnexusPassword=pc\n";
        let t = target(true);
        assert_eq!(
            t.inspect(before.as_bytes(), &verdict)[0].1,
            TargetState::Stale
        );
        let planned = plan(&t, Some(before.as_bytes())).expect("the keys go");
        assert_eq!(
            String::from_utf8(planned.bytes.clone()).unwrap(),
            "# team\norg.gradle.jvmargs=-Xmx1g\n"
        );
        assert!(
            plan(&t, Some(&planned.bytes)).is_none(),
            "nothing left to do"
        );
        assert!(plan(&t, None).is_none(), "no file is created");
        assert_eq!(
            t.inspect(&planned.bytes, &verdict)[0].1,
            TargetState::Referenced,
            "no keys: exec's ORG_GRADLE_PROJECT_* variables are what Gradle reads"
        );
        assert_eq!(
            target(false).inspect(&planned.bytes, &verdict)[0].1,
            TargetState::Missing
        );
    }

    #[test]
    fn env_refs_silence_the_environment_override_warning() {
        let env = Env::sandboxed(std::path::Path::new("/h"))
            .with_var("ORG_GRADLE_PROJECT_nexusPassword", "x");
        assert_eq!(target(false).notes(&env).len(), 1, "written: a warning");
        assert!(target(true).notes(&env).is_empty(), "referenced: the point");
    }
}
