//! The two traits every target kind implements, and the contexts they are given.
//!
//! - [`TargetKind`] is the kind as the user configures it: its flags (a clap `Args` struct
//!   flattened into `login`), its saved section (serde, one table under the profile's `targets`),
//!   validation of the flags, reuse of a saved profile, discovery, and resolving the saved section
//!   into targets with every default path filled in. It is implemented by the saved section type
//!   (`<kind>::Saved`).
//! - [`Target`] is one resolved place a token goes: the file, a pure `plan` of the new bytes,
//!   `clear` (logout), `inspect` (status), notes and doctor findings, side files and claims.
//!   Every method has one signature for every kind; the defaults cover what most kinds lack.
//!
//! The list of kinds is in `targets/mod.rs` (`kinds!`): the only place that names them all.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::env::Env;
use crate::error::Result;
use crate::secret::Secret;
use crate::ui::Ui;

use super::served::SideFile;
use super::{Finding, Planned, TargetState, TokenValues};

/// What a kind is called and how `status` words it. One `const` per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The `status` name (`maven`, `gradle-init`, `docker`).
    pub name: &'static str,
    /// What one named entry is called in messages (`server`, `key`, `registry`).
    pub entry_word: &'static str,
    /// For a served kind (the client asks nexus-token; no token in its file): what `current`
    /// means in `status` and `doctor`. `None` for a kind whose file holds the token.
    pub served: Option<&'static str>,
}

impl Kind {
    /// Whether the client asks nexus-token for the token (no token in its file).
    pub fn is_served(self) -> bool {
        self.served.is_some()
    }

    /// What one named entry of this kind is called in messages.
    pub fn entry_word(self) -> &'static str {
        self.entry_word
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name)
    }
}

/// One entry of `inspect`: the name, whether it holds the token, and why when unreadable.
pub(crate) type Entry = (String, TargetState, Option<String>);

/// Tells from a username and password found in a file whether they are the current token.
pub(crate) type Verdict<'a> = dyn Fn(Option<&str>, Option<&str>) -> TargetState + 'a;

/// What a kind's doctor findings may look at.
pub(crate) struct DoctorCx<'a> {
    pub env: &'a Env,
    /// The file's bytes (`None`: it does not exist).
    pub current: Option<&'a [u8]>,
    /// The profile's name, for the fixes the findings suggest.
    pub profile: &'a str,
}

/// One resolved place a token goes.
pub(crate) trait Target: std::fmt::Debug {
    /// The kind.
    fn kind(&self) -> Kind;

    /// The file this target edits.
    fn path(&self) -> &Path;

    /// The entry names, for messages (server ids, keys, registries).
    fn names(&self) -> Vec<String>;

    /// Pure: the file's new bytes with the token in (`None`: leave the file as it is).
    fn plan(&self, current: Option<&[u8]>, token: &TokenValues<'_>) -> Result<Option<Planned>>;

    /// Pure: the file's new bytes without our credentials (`logout --remove-credentials`).
    /// `expected` is the fingerprint of the token nexus-token wrote (for a file shared with other
    /// tools, a kind may remove only an entry holding it).
    fn clear(&self, current: &[u8], expected: Option<&str>) -> Result<Planned>;

    /// One entry per name: whether it holds the token the verdict accepts. A served kind ignores
    /// the verdict (`current` means the config runs this binary).
    fn inspect(&self, current: &[u8], verdict: &Verdict<'_>) -> Vec<Entry>;

    /// Warnings that do not depend on the file's bytes (environment overrides, shadowing files).
    fn notes(&self, _env: &Env) -> Vec<String> {
        Vec::new()
    }

    /// This kind's own doctor findings.
    fn doctor(&self, _cx: &DoctorCx<'_>) -> Vec<Finding> {
        Vec::new()
    }

    /// Files needed beside the config edit (a link, a wrapper, a scrubbed file); see `served`.
    fn side_files(&self) -> Vec<SideFile> {
        Vec::new()
    }

    /// The commands a served config makes its client run, for `doctor` to run once
    /// ([`super::probe`]). None for a kind whose file holds the token.
    fn probes(&self) -> Vec<super::probe::Probe> {
        Vec::new()
    }

    /// Whether nexus-token owns the whole file, so that logout deletes it.
    fn owns_whole_file(&self) -> bool {
        false
    }

    /// The keys this target claims in its file (see [`super::owners`]): by default its names.
    fn claims(&self) -> Vec<String> {
        self.names()
    }
}

/// What `login` knows when it turns flags into a saved section.
pub(crate) struct FlagCx<'a> {
    pub env: &'a Env,
    pub ui: &'a Ui,
    /// The profile being logged in.
    pub profile: &'a str,
    /// Its normalised base URL.
    pub url: &'a str,
    /// `--no-keyring`.
    pub no_keyring: bool,
    /// Every kind's flags (a kind that shares a file with another reads that kind's file flag).
    pub all: &'a super::TargetArgs,
    /// The profiles file when it is not the default one (helper files get a name of their own).
    pub config: Option<PathBuf>,
}

/// What discovery may use. It reads files only; the password is the evidence that a
/// `<server>` is ours, never sent.
pub(crate) struct DiscoverCx<'a> {
    pub env: &'a Env,
    pub ui: &'a Ui,
    pub profile: &'a str,
    pub url: &'a str,
    pub username: &'a str,
    pub password: &'a Secret<String>,
    /// Token fingerprints nexus-token wrote before (the state).
    pub fingerprints: &'a [String],
    /// Which other profile already owns `(file, key)`; discovery leaves those alone.
    pub owners: &'a super::owners::Owners,
}

impl DiscoverCx<'_> {
    /// The entries `parse` finds in the client file at `path` (none when it does not exist). A
    /// file that cannot be read or parsed only costs a warning naming `what` (other kinds may
    /// still find targets).
    pub(crate) fn found_in<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
        &self,
        path: &Path,
        what: &str,
        parse: impl FnOnce(&[u8]) -> std::result::Result<Vec<String>, E>,
    ) -> Vec<String> {
        let found = crate::fs::read_optional(path).and_then(|bytes| match bytes {
            Some(bytes) => parse(&bytes).map_err(|e| crate::error::Error::file(path, "parse", e)),
            None => Ok(Vec::new()),
        });
        match found {
            Ok(found) => found,
            Err(e) => {
                let cause = std::error::Error::source(&e)
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default();
                self.ui.warn(&format!("{what} not discovered: {e}{cause}"));
                Vec::new()
            }
        }
    }

    /// Whether another profile owns `key` in `path`; says so when it does, naming `what`
    /// (`<server> corp`), so that discovery skips it.
    pub(crate) fn taken(&self, path: &Path, key: &str, what: &str) -> bool {
        match self.owners.owner(path, key, self.profile) {
            Some(other) => {
                self.ui.step(&format!(
                    "left {what} in `{}` alone: profile `{other}` has it",
                    path.display()
                ));
                true
            }
            None => false,
        }
    }
}

/// What resolving a saved section needs.
pub(crate) struct ResolveCx<'a> {
    pub env: &'a Env,
    /// The profile's name (Cargo's provider and pnpm's wrapper name it).
    pub profile: &'a str,
    /// The profile's base URL.
    pub url: &'a str,
    /// The profiles file when it is not the default one: served configs name it (`--config`),
    /// so that the helper finds the profile that login saved ([`crate::profile::Profile::served_config`]).
    pub config: Option<PathBuf>,
    /// `login --env-refs`: the files that can refer to the environment hold references that
    /// `nexus-token exec` fills, never the token.
    pub env_refs: bool,
}

impl<'a> ResolveCx<'a> {
    /// The context of a saved profile.
    pub(crate) fn of(env: &'a Env, name: &'a str, profile: &'a crate::profile::Profile) -> Self {
        ResolveCx {
            env,
            profile: name,
            url: &profile.url,
            config: profile.served_config(env),
            env_refs: profile.env_refs,
        }
    }

    /// The binary the served clients run; a bare name when it cannot be told (the PATH).
    pub(crate) fn exe(&self) -> PathBuf {
        self.env
            .current_exe()
            .ok()
            .and_then(|e| std::fs::canonicalize(&e).ok().or(Some(e)))
            .map(crate::targets::helper_files::plain_path)
            .unwrap_or_else(|| PathBuf::from("nexus-token"))
    }
}

/// A kind as the user configures it; implemented by its saved section (`<kind>::Saved`).
pub(crate) trait TargetKind:
    Default + Clone + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned
{
    /// Its name and wording.
    const KIND: Kind;

    /// Its `login` flags.
    type Flags: clap::Args + clap::FromArgMatches + std::fmt::Debug + Clone + Default;

    /// No target of this kind (the section is then not saved).
    fn is_empty(&self) -> bool;

    /// The section from the flags, validated before any request (usage errors, exit 2).
    /// `previous` is the section saved in the profile before (its file paths are kept).
    fn from_flags(cx: &FlagCx<'_>, flags: &Self::Flags, previous: Option<&Self>) -> Result<Self>;

    /// Login without target flags, to a profile that has targets: take the saved entries.
    /// `self` holds what `from_flags` made of no flags (paths).
    fn reuse(&mut self, previous: &Self) {
        *self = previous.clone();
    }

    /// Login without target flags and nothing saved: find this kind's targets in the client's
    /// files (skipping other profiles' targets, see [`DiscoverCx::taken`]). Returns whether it
    /// found any.
    fn discover(&mut self, _cx: &DiscoverCx<'_>) -> Result<bool> {
        Ok(false)
    }

    /// The files discovery looks at, for the error when no kind finds anything.
    fn looked_in(&self, _env: &Env) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Keeps only the entries whose claim key passes `keep` (a conflict or a dropped target).
    fn retain(&mut self, cx: &ResolveCx<'_>, keep: &dyn Fn(&str) -> bool);

    /// The targets, with every default path resolved through the environment.
    fn resolve(&self, cx: &ResolveCx<'_>) -> Vec<Box<dyn Target>>;
}
