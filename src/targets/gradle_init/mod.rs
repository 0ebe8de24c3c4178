//! The Gradle init-script target: `$GRADLE_USER_HOME/init.d/nexus-token-<profile>.gradle`, a
//! Groovy script (templates/gradle/nexus-token-init.gradle) that gives the Maven repositories
//! under the Nexus URL the user token at build time, asked from `nexus-token token`. The file
//! holds no secret, only this binary's path, the profile name and the URL; nexus-token owns it
//! whole, so `plan` renders all of it and logout deletes it. "Current" means "is exactly the
//! script this binary would write"; the token fingerprint plays no part.
//!
//! [`render`] and the Groovy quoting are pure; the one effect here is doctor's bounded
//! `gradle --version`. This module never talks to Nexus or the keyring.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::targets::probe::{Answer, Probe};

use super::{
    DoctorCx, Entry, Finding, Kind, Level, Planned, Target, TargetState, TokenValues, Verdict,
};

mod saved;
pub(crate) use saved::KIND;
pub use saved::{Flags, Saved};

/// The script, with `{{EXE}}`, `{{PROFILE}}` and `{{URL}}` inside single quotes.
const TEMPLATE: &str = include_str!("../../../templates/gradle/nexus-token-init.gradle");

/// How long doctor waits for `gradle --version` (a JVM start).
const GRADLE_VERSION_TIMEOUT: Duration = Duration::from_secs(20);

/// The oldest Gradle the script is written for (Debian's 4.4.1 runs it in the tests).
const OLDEST_GRADLE: (u32, u32) = (4, 4);

/// One profile's init script.
#[derive(Debug)]
pub(crate) struct GradleInitTarget {
    /// `<gradle user home>/init.d/nexus-token-<profile>.gradle`.
    pub path: PathBuf,
    /// The profile the script asks for.
    pub profile: String,
    /// The profile's Nexus base URL.
    pub url: String,
    /// This binary, which the script runs (`None` when the OS cannot tell).
    pub exe: Option<PathBuf>,
    /// The profiles file the script names (`--config`), when it is not the default one.
    pub config: Option<PathBuf>,
}

/// The script's file name for a profile (of the profiles file `config`, when that is not the
/// default one: two files may both have a profile `work`).
pub(crate) fn file_name(profile: &str, config: Option<&Path>) -> String {
    format!(
        "nexus-token-{profile}{}.gradle",
        super::served::config_suffix(config)
    )
}

/// Why a profile name cannot be part of the script's file name, if it cannot.
pub(crate) fn validate_profile(profile: &str) -> std::result::Result<(), &'static str> {
    if profile.is_empty() || profile.starts_with('.') {
        return Err("it must not be empty or start with `.`");
    }
    if !profile
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err("only ASCII letters, digits, `-`, `_` and `.` can go in a file name");
    }
    Ok(())
}

/// Pure: the whole script for `exe`, `profile` and the Nexus base `url`.
pub fn render(exe: &str, profile: &str, url: &str) -> String {
    render_with_config(exe, profile, url, None)
}

/// Pure: [`render`] for a profile of the profiles file `config` (`--config`), when that is not
/// the default one.
pub(crate) fn render_with_config(
    exe: &str,
    profile: &str,
    url: &str,
    config: Option<&str>,
) -> String {
    TEMPLATE
        .replace("{{EXE}}", &groovy_quoted(exe))
        .replace("{{PROFILE}}", &groovy_quoted(profile))
        .replace("{{CONFIG}}", &groovy_quoted(config.unwrap_or_default()))
        .replace("{{URL}}", &groovy_quoted(url))
}

/// The body of a Groovy single-quoted string holding `value`: `\`, `'` and `$` escaped, line
/// breaks and tabs as escapes, other control and non-ASCII characters as `\uXXXX`, so the
/// script is ASCII whatever encoding Gradle reads it in.
fn groovy_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

impl GradleInitTarget {
    /// The entry name in `status` and `doctor`: the profile the script asks for.
    pub(crate) fn name(&self) -> String {
        self.profile.clone()
    }

    /// What a write or a logout changes, in messages.
    fn changed(&self) -> Vec<String> {
        vec![format!("init script for profile `{}`", self.profile)]
    }

    /// The script this binary would write.
    fn rendered(&self) -> Result<String> {
        let unnamable = |why: String| {
            Error::other(
                ExitStatus::File,
                format!("cannot write the Gradle init script `{}`: {why}", self.path.display()),
                Some("run nexus-token from a path the script can name (an installed binary under a UTF-8 path)".into()),
            )
        };
        let exe = self
            .exe
            .as_deref()
            .ok_or_else(|| unnamable("the path of the running nexus-token is unknown".into()))?;
        let exe = exe.to_str().ok_or_else(|| {
            unnamable(format!(
                "the path of nexus-token (`{}`) is not UTF-8",
                exe.display()
            ))
        })?;
        let config = self.config.as_deref().map(|c| c.display().to_string());
        Ok(render_with_config(
            exe,
            &self.profile,
            &self.url,
            config.as_deref(),
        ))
    }

    /// Why a script on disk is not the one this binary would write.
    fn difference(&self, current: &[u8]) -> String {
        let text = String::from_utf8_lossy(current);
        match self.exe.as_deref().and_then(Path::to_str) {
            Some(exe) if !text.contains(&format!("'{}'", groovy_quoted(exe))) => format!(
                "the script does not run this nexus-token (`{exe}`); `nexus-token refresh --profile {}` rewrites it",
                self.profile
            ),
            _ => format!(
                "the script differs from the one this version writes; `nexus-token refresh --profile {}` rewrites it",
                self.profile
            ),
        }
    }
}

impl Target for GradleInitTarget {
    fn kind(&self) -> Kind {
        KIND
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn names(&self) -> Vec<String> {
        vec![self.name()]
    }

    fn owns_whole_file(&self) -> bool {
        true
    }

    /// The whole script; `None` when the file already is exactly that. No token goes in.
    fn plan(&self, current: Option<&[u8]>, _token: &TokenValues<'_>) -> Result<Option<Planned>> {
        let script = self.rendered()?;
        if current == Some(script.as_bytes()) {
            return Ok(None);
        }
        Ok(Some(Planned {
            bytes: script.into_bytes(),
            changed: self.changed(),
            warnings: Vec::new(),
        }))
    }

    /// Logout deletes the file (see `owns_file` in the seam); as bytes, nothing is left.
    fn clear(&self, _current: &[u8], _expected: Option<&str>) -> Result<Planned> {
        Ok(Planned {
            bytes: Vec::new(),
            changed: self.changed(),
            warnings: Vec::new(),
        })
    }

    /// `current` when the file is exactly the rendered script, else `stale` with the reason.
    fn inspect(&self, current: &[u8], _verdict: &Verdict<'_>) -> Vec<Entry> {
        let (state, detail) = match self.rendered() {
            Err(e) => (TargetState::Unreadable, Some(e.to_string())),
            Ok(script) if current == script.as_bytes() => (TargetState::Current, None),
            Ok(_) => (TargetState::Stale, Some(self.difference(current))),
        };
        vec![(self.name(), state, detail)]
    }

    fn doctor(&self, cx: &DoctorCx<'_>) -> Vec<Finding> {
        let (env, current, profile) = (cx.env, cx.current, cx.profile);
        let mut findings = Vec::new();
        if let Some(bytes) = current {
            let (_, state, detail) = self.inspect(bytes, &|_, _| TargetState::Missing).remove(0);
            findings.push(match state {
                TargetState::Current => Finding::new(
                    "gradle-init",
                    Level::Ok,
                    format!(
                        "`{}` asks this nexus-token for profile `{profile}` at build time",
                        self.path.display()
                    ),
                    None,
                ),
                _ => Finding::new(
                    "gradle-init",
                    Level::Warn,
                    format!("`{}`: {}", self.path.display(), detail.unwrap_or_default()),
                    Some(format!("run `nexus-token refresh --profile {profile}`")),
                ),
            });
        }
        findings.push(gradle_version_finding(env));
        findings
    }

    /// The script's `token` call (its profile, and its profiles file when not the default).
    fn probes(&self) -> Vec<Probe> {
        let Some(exe) = self.exe.clone() else {
            return Vec::new();
        };
        let mut args = Vec::new();
        if let Some(config) = &self.config {
            args.extend(["--config".to_owned(), config.display().to_string()]);
        }
        args.extend(["token", "--profile", &self.profile, "--format", "json"].map(str::to_owned));
        vec![Probe {
            what: format!("the Gradle init script `{}`", self.path.display()),
            program: exe,
            args,
            stdin: Vec::new(),
            answer: Answer::TokenJson,
        }]
    }
}

/// `gradle` on `PATH`: its version (a warning below the oldest the script is written for), or
/// an info line when there is none or it does not answer in time.
fn gradle_version_finding(env: &Env) -> Finding {
    let Some(gradle) = find_on_path(env, "gradle") else {
        return Finding::new(
            "gradle-version",
            Level::Info,
            "no `gradle` on PATH; builds that use a Gradle wrapper still run the init script (Gradle 4.4 or newer)",
            None,
        );
    };
    let output = match run_bounded(&gradle, &["--version"], GRADLE_VERSION_TIMEOUT) {
        Ok(output) => output,
        Err(why) => {
            return Finding::new(
                "gradle-version",
                Level::Info,
                format!("`{} --version` {why}", gradle.display()),
                None,
            );
        }
    };
    match parse_gradle_version(&output) {
        Some((version, major, minor)) if (major, minor) < OLDEST_GRADLE => Finding::new(
            "gradle-version",
            Level::Warn,
            format!(
                "`{}` is Gradle {version}; the init script is written for Gradle 4.4 or newer",
                gradle.display()
            ),
            Some("use Gradle 4.4 or newer, or `--gradle-prefix` instead of `--gradle-init`".into()),
        ),
        Some((version, _, _)) => Finding::new(
            "gradle-version",
            Level::Ok,
            format!(
                "`{}` is Gradle {version}, which runs init scripts from `init.d`",
                gradle.display()
            ),
            None,
        ),
        None => Finding::new(
            "gradle-version",
            Level::Info,
            format!(
                "`{} --version` did not name a Gradle version",
                gradle.display()
            ),
            None,
        ),
    }
}

/// The first executable file named `tool` in the `PATH` of `env`.
pub(crate) fn find_on_path(env: &Env, tool: &str) -> Option<PathBuf> {
    let path = env.var("PATH")?;
    std::env::split_paths(path)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
}

/// Runs `program args` with no input and waits at most `timeout`; the standard output, or why
/// there is none. The child is killed when it takes too long.
pub(crate) fn run_bounded(
    program: &Path,
    args: &[&str],
    timeout: Duration,
) -> std::result::Result<String, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run: {e}"))?;
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.read_to_string(&mut text);
        }
        text
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "did not answer within {} seconds",
                    timeout.as_secs()
                ));
            }
            Err(e) => return Err(format!("cannot be waited for: {e}")),
        }
    }
    reader
        .join()
        .map_err(|_| "its output could not be read".to_owned())
}

/// `(version, major, minor)` from `gradle --version` output (`Gradle 4.4.1`, `Gradle 8.10`).
fn parse_gradle_version(output: &str) -> Option<(String, u32, u32)> {
    let version = output
        .lines()
        .find_map(|line| line.trim().strip_prefix("Gradle "))?
        .trim()
        .to_owned();
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((version, major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn target(exe: &str) -> GradleInitTarget {
        GradleInitTarget {
            path: PathBuf::from("/g/init.d/nexus-token-work.gradle"),
            profile: "work".into(),
            url: "https://nexus.example.com/nexus".into(),
            exe: Some(PathBuf::from(exe)),
            config: None,
        }
    }

    fn token_values<'a>(pass: &'a Secret<String>) -> TokenValues<'a> {
        TokenValues {
            name_code: "nameCodeXYZ",
            pass_code: pass,
        }
    }

    #[test]
    fn groovy_quoting_escapes_what_single_quotes_would_end_or_break() {
        let cases = [
            ("/usr/bin/nexus-token", "/usr/bin/nexus-token"),
            (
                r"C:\Program Files\nexus-token.exe",
                r"C:\\Program Files\\nexus-token.exe",
            ),
            ("/home/o'brien/bin/nt", r"/home/o\'brien/bin/nt"),
            ("/opt/$HOME/${x}/nt", r"/opt/\$HOME/\${x}/nt"),
            ("/a\nb\rc\td", r"/a\nb\rc\td"),
            ("/home/café/nt", r"/home/caf\u00e9/nt"),
            ("/x/\u{1F600}", r"/x/\ud83d\ude00"),
            ("/x/\u{7}", r"/x/\u0007"),
        ];
        for (value, quoted) in cases {
            assert_eq!(
                groovy_quoted(value),
                quoted,
                "`{value}` is quoted so that a Groovy single-quoted string gives it back"
            );
        }
    }

    /// What Groovy makes of the body of a single-quoted string (the escapes `groovy_quoted` uses).
    fn groovy_unquote(body: &str) -> Option<String> {
        let mut units: Vec<u16> = Vec::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            if c == '\'' {
                return None; // would end the string
            }
            if c != '\\' {
                units.extend(c.encode_utf16(&mut [0; 2]).iter());
                continue;
            }
            let unit = match chars.next()? {
                'n' => u16::from(b'\n'),
                'r' => u16::from(b'\r'),
                't' => u16::from(b'\t'),
                e @ ('\\' | '\'' | '$') => e as u16,
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    u16::from_str_radix(&hex, 16).ok()?
                }
                _ => return None,
            };
            units.push(unit);
        }
        String::from_utf16(&units).ok()
    }

    proptest::proptest! {
        #[test]
        fn groovy_quoting_round_trips_any_string(value in "\\PC*|[\\\\'$\\n\\r\\t\\x00-\\x1f ]{0,12}") {
            let quoted = groovy_quoted(&value);
            proptest::prop_assert!(quoted.is_ascii(), "the quoted form is ASCII: {quoted}");
            proptest::prop_assert!(!quoted.contains('\n') && !quoted.contains('\r'), "one line");
            proptest::prop_assert_eq!(groovy_unquote(&quoted), Some(value.clone()), "Groovy reads back the value");
            let script = render(&value, "p", "http://n");
            let line = format!("def nexusTokenExe = '{quoted}'\n");
            proptest::prop_assert!(script.contains(&line), "the script holds the quoted value on its line");
        }
    }

    #[test]
    fn render_fills_every_placeholder_with_quoted_values() {
        let script = render("/opt/it's/nt", "work", "https://nexus.example.com/nexus");
        assert!(
            !script.contains("{{"),
            "no placeholder is left in the script"
        );
        assert!(
            script.contains(r"def nexusTokenExe = '/opt/it\'s/nt'"),
            "the binary's path is in a quoted string:\n{script}"
        );
        assert!(script.contains("def nexusTokenProfile = 'work'"));
        assert!(script.contains("new URI('https://nexus.example.com/nexus')"));
        assert!(script.is_ascii(), "the script is ASCII");
    }

    #[test]
    fn render_is_pure_and_holds_no_token() {
        assert_eq!(
            render("/bin/nt", "p", "http://n"),
            render("/bin/nt", "p", "http://n"),
            "the same inputs give the same script"
        );
        let pass = Secret::new("passCodeSecret123".to_owned());
        let plan = target("/bin/nt")
            .plan(None, &token_values(&pass))
            .unwrap()
            .expect("a missing file gets the script");
        let text = String::from_utf8(plan.bytes).unwrap();
        assert!(
            !text.contains("passCodeSecret123") && !text.contains("nameCodeXYZ"),
            "the init script never holds the token"
        );
        assert!(text.contains("'token', '--profile', nexusTokenProfile, '--format', 'json'"));
    }

    #[test]
    fn plan_is_none_when_the_file_is_already_the_script() {
        let t = target("/bin/nt");
        let pass = Secret::new("x".to_owned());
        let script = render("/bin/nt", "work", "https://nexus.example.com/nexus");
        assert!(
            t.plan(Some(script.as_bytes()), &token_values(&pass))
                .unwrap()
                .is_none(),
            "an identical script is left alone"
        );
        let other = render("/old/nt", "work", "https://nexus.example.com/nexus");
        let plan = t
            .plan(Some(other.as_bytes()), &token_values(&pass))
            .unwrap()
            .expect("a script for another binary is rewritten whole");
        assert_eq!(plan.bytes, script.as_bytes());
        assert_eq!(plan.changed, vec!["init script for profile `work`"]);
    }

    #[test]
    fn inspect_says_current_only_for_the_exact_script() {
        let t = target("/bin/nt");
        let script = render("/bin/nt", "work", "https://nexus.example.com/nexus");
        assert_eq!(
            t.inspect(script.as_bytes(), &|_, _| TargetState::Missing)[0].1,
            TargetState::Current
        );
        let old = render("/old/nt", "work", "https://nexus.example.com/nexus");
        let (_, state, detail) = t
            .inspect(old.as_bytes(), &|_, _| TargetState::Missing)
            .remove(0);
        assert_eq!(
            state,
            TargetState::Stale,
            "a script for another binary is stale"
        );
        assert!(
            detail.unwrap().contains("does not run this nexus-token"),
            "the detail says the script points elsewhere"
        );
        let (_, state, _) = t
            .inspect(b"// edited by hand\n", &|_, _| TargetState::Missing)
            .remove(0);
        assert_eq!(state, TargetState::Stale, "an edited script is stale");
    }

    #[test]
    fn unknown_or_non_utf8_binary_path_is_a_file_error() {
        let mut t = target("/bin/nt");
        t.exe = None;
        let pass = Secret::new("x".to_owned());
        let err = t.plan(None, &token_values(&pass)).unwrap_err();
        assert!(
            err.to_string().contains("path of the running nexus-token"),
            "{err}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            t.exe = Some(PathBuf::from(std::ffi::OsStr::from_bytes(b"/bin/\xff")));
            let err = t.plan(None, &token_values(&pass)).unwrap_err();
            assert!(err.to_string().contains("not UTF-8"), "{err}");
        }
    }

    #[test]
    fn profile_names_that_cannot_be_file_names_are_refused() {
        for ok in ["default", "work-2", "a.b_c"] {
            assert!(validate_profile(ok).is_ok(), "`{ok}` is a usable name");
        }
        for bad in ["", ".hidden", "a/b", "a b", "x\\y", "é"] {
            assert!(validate_profile(bad).is_err(), "`{bad}` is refused");
        }
        assert_eq!(file_name("work", None), "nexus-token-work.gradle");
        let other = file_name("work", Some(Path::new("/etc/team.toml")));
        assert!(
            other.starts_with("nexus-token-work@") && other.ends_with(".gradle"),
            "a profile of another profiles file gets its own script: {other}"
        );
    }

    #[test]
    fn gradle_versions_are_read_from_the_banner() {
        let banner = "\n------------------------------------------------------------\nGradle 4.4.1\n------------------------------------------------------------\n\nBuild time:   2012-12-21 00:00:00 UTC\n";
        assert_eq!(
            parse_gradle_version(banner),
            Some(("4.4.1".into(), 4, 4)),
            "Debian's banner gives 4.4"
        );
        assert_eq!(
            parse_gradle_version("Gradle 8.10\n"),
            Some(("8.10".into(), 8, 10))
        );
        assert_eq!(parse_gradle_version("Gradle 9\n"), Some(("9".into(), 9, 0)));
        assert_eq!(parse_gradle_version("no banner"), None);
    }

    #[cfg(unix)]
    #[test]
    fn bounded_run_kills_a_program_that_takes_too_long() {
        let err =
            run_bounded(Path::new("/bin/sleep"), &["30"], Duration::from_millis(200)).unwrap_err();
        assert!(
            err.contains("did not answer"),
            "a slow program is stopped: {err}"
        );
        let out = run_bounded(
            Path::new("/bin/echo"),
            &["Gradle 5.0"],
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(parse_gradle_version(&out).map(|v| v.1), Some(5));
    }
}
