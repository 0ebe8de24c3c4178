//! `completions` and the hidden `manpages`: shell completion scripts (clap_complete) and one man
//! page per command (clap_mangen), both generated from the same clap definitions as `--help`
//! (`Cli::command()`), so they cannot drift from it. Nothing here is written by hand.
//!
//! The generators are pure (command tree in, text out); only [`write_manpages`] touches the disk,
//! and only inside the directory it is given. It never reads a profile, the keyring or a secret.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs, ManpagesArgs};
use crate::error::{Error, ExitStatus, Result};
use crate::ui::Ui;

/// The name users type, and the file names of the generated scripts and pages.
pub(super) const BIN_NAME: &str = "nexus-token";

/// Runs `completions SHELL`: the script on stdout.
pub(super) fn run(args: &CompletionsArgs, ui: &Ui) -> Result<ExitStatus> {
    let script = completion_script(args.shell);
    ui.data(&script);
    Ok(ExitStatus::Success)
}

/// Runs `manpages DIR`: writes `nexus-token.1` and `nexus-token-<command>.1` for every visible
/// command into DIR (created when missing) and names each file on stderr.
pub(super) fn write_manpages(args: &ManpagesArgs, ui: &Ui) -> Result<ExitStatus> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    for (name, page) in manpages()? {
        let path = dir.join(&name);
        // Man pages are public documentation, not user files: a plain write with the default mode
        // is what a packager expects (cargo-deb sets the installed mode itself).
        #[allow(clippy::disallowed_methods)]
        std::fs::write(&path, page).map_err(|e| io_error(&path, e))?;
        ui.step(&format!("wrote `{}`", path.display()));
    }
    Ok(ExitStatus::Success)
}

/// A name without `-` for the bash generator (see [`completion_script`]).
const BASH_SAFE_NAME: &str = "nexus_token";

/// The completion script for one shell, generated from the clap definitions.
///
/// Bash: clap_complete (4.6.12) spells the state of a subcommand differently in its dispatch loop
/// and in its case arms when the binary name holds a `-` (clap-rs/clap#6421), so no option of a
/// subcommand would ever complete. We generate under a name without `-` and register the function
/// for `nexus-token` in the final `complete` lines; the tests below and `scripts/check-package`
/// complete subcommand options in a real bash.
pub(super) fn completion_script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    if shell == Shell::Bash {
        clap_complete::generate(shell, &mut cmd, BASH_SAFE_NAME, &mut out);
        let script = String::from_utf8_lossy(&out);
        let registered_as = format!(" {BASH_SAFE_NAME}");
        script
            .lines()
            .map(|line| {
                let is_complete = line.trim_start().starts_with("complete ");
                match line.strip_suffix(&registered_as) {
                    Some(head) if is_complete => format!("{head} {BIN_NAME}\n"),
                    _ => format!("{line}\n"),
                }
            })
            .collect()
    } else {
        clap_complete::generate(shell, &mut cmd, BIN_NAME, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// Every man page as `(file name, roff text)`: the top-level page first, then one per visible
/// command (hidden commands get none), recursively.
pub(super) fn manpages() -> Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect_pages(&cmd, &mut pages)?;
    Ok(pages)
}

fn collect_pages(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
    let man = clap_mangen::Man::new(cmd.clone()).manual("nexus-token manual");
    let mut page = Vec::new();
    man.render(&mut page).map_err(|e| {
        Error::other(
            ExitStatus::Failure,
            format!("cannot render the man page of `{}`: {e}", cmd.get_name()),
            None,
        )
    })?;
    pages.push((man.get_filename(), page));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect_pages(sub, pages)?;
    }
    Ok(())
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::other(
        ExitStatus::Failure,
        format!("cannot write `{}`: {e}", path.display()),
        Some("give a directory you can write to, e.g. `nexus-token manpages target/man`".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every visible command of the tree, as its path of names (`["nexus-token", "login"]`).
    fn visible_commands() -> Vec<(Vec<String>, clap::Command)> {
        fn walk(
            cmd: &clap::Command,
            path: Vec<String>,
            out: &mut Vec<(Vec<String>, clap::Command)>,
        ) {
            out.push((path.clone(), cmd.clone()));
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                let mut p = path.clone();
                p.push(sub.get_name().to_owned());
                walk(sub, p, out);
            }
        }
        let mut cmd = Cli::command().disable_help_subcommand(true);
        cmd.build();
        let mut out = Vec::new();
        walk(&cmd, vec![BIN_NAME.to_owned()], &mut out);
        out
    }

    /// The visible long flags of one command (globals included: clap propagates them).
    fn long_flags(cmd: &clap::Command) -> Vec<String> {
        cmd.get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .collect()
    }

    /// The `opts="..."` word list that the bash script offers after typing `path`: follows the
    /// script's own dispatch loop (`"${cmd},${word}") cmd="..."`) to the state it reaches, then
    /// reads that state's case arm. A loop and arms that disagree (clap-rs/clap#6421) fail here.
    fn bash_opts(script: &str, path: &[String]) -> String {
        let lines: Vec<&str> = script.lines().map(str::trim).collect();
        let next_state = |state: &str, word: &str| -> String {
            let label = format!("{state},{word})");
            let at = lines
                .iter()
                .position(|l| *l == label || (state.is_empty() && *l == "\",$1\")"))
                .unwrap_or_else(|| panic!("the bash dispatch loop handles `{label}`"));
            lines[at + 1]
                .strip_prefix("cmd=\"")
                .and_then(|l| l.strip_suffix('"'))
                .unwrap_or_else(|| panic!("`{label}` sets cmd=\"...\""))
                .to_owned()
        };
        let mut state = next_state("", &path[0]);
        for word in &path[1..] {
            state = next_state(&state, word);
        }
        let arm = format!("{state})");
        let at = lines.iter().rposition(|l| *l == arm).unwrap_or_else(|| {
            panic!(
                "the bash script has a case arm `{arm}` for `{}`",
                path.join(" ")
            )
        });
        lines[at + 1]
            .strip_prefix("opts=\"")
            .and_then(|l| l.strip_suffix('"'))
            .unwrap_or_else(|| panic!("the `{arm}` arm lists its words in opts=\"...\""))
            .to_owned()
    }

    #[test]
    fn the_tree_has_the_commands_we_document() {
        let names: Vec<String> = visible_commands()
            .iter()
            .map(|(p, _)| p.join(" "))
            .collect();
        for expected in [
            "nexus-token login",
            "nexus-token completions",
            "nexus-token demo",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "the walked tree contains `{expected}` (else the tests below check nothing): {names:?}"
            );
        }
        assert!(
            !names
                .iter()
                .any(|n| n.ends_with(" manpages") || n.ends_with(" emulator")),
            "hidden commands are not part of the documented tree: {names:?}"
        );
    }

    #[test]
    fn bash_completion_offers_every_command_and_long_flag() {
        let script = completion_script(Shell::Bash);
        for (path, cmd) in visible_commands() {
            let opts = bash_opts(&script, &path);
            let opts: Vec<&str> = opts.split_whitespace().collect();
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                assert!(
                    opts.contains(&sub.get_name()),
                    "bash completion of `{}` offers the command `{}`: {opts:?}",
                    path.join(" "),
                    sub.get_name()
                );
            }
            for flag in long_flags(&cmd) {
                assert!(
                    opts.contains(&flag.as_str()),
                    "bash completion of `{}` offers `{flag}`: {opts:?}",
                    path.join(" ")
                );
            }
        }
    }

    #[test]
    fn every_shell_script_names_every_command_and_flag() {
        for shell in [Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish] {
            let script = completion_script(shell);
            assert!(
                script.contains(BIN_NAME),
                "the {shell} script completes `{BIN_NAME}`"
            );
            for (path, cmd) in visible_commands() {
                if let Some(name) = path.last().filter(|_| path.len() > 1) {
                    assert!(
                        script.contains(name.as_str()),
                        "the {shell} script names the command `{name}`"
                    );
                }
                for flag in long_flags(&cmd) {
                    let bare = flag.trim_start_matches('-');
                    assert!(
                        script.contains(bare),
                        "the {shell} script names the flag `{flag}` of `{}`",
                        path.join(" ")
                    );
                }
            }
        }
    }

    #[test]
    fn one_man_page_per_command_lists_its_flags_and_subcommands() {
        let pages = manpages().unwrap();
        for (path, cmd) in visible_commands() {
            let file = format!("{}.1", path.join("-"));
            let (_, page) = pages
                .iter()
                .find(|(name, _)| *name == file)
                .unwrap_or_else(|| panic!("there is a man page `{file}` for `{}`", path.join(" ")));
            // roff escapes every `-` as `\-`.
            let text = String::from_utf8_lossy(page).replace("\\-", "-");
            assert!(
                text.contains(&format!("\n.TH {} 1 ", path.join("-"))),
                "`{file}` has a .TH title line naming the page"
            );
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                assert!(
                    text.contains(sub.get_name()),
                    "`{file}` lists the command `{}`",
                    sub.get_name()
                );
            }
            for flag in long_flags(&cmd) {
                assert!(text.contains(&flag), "`{file}` documents `{flag}`");
            }
        }
        let visible = visible_commands().len();
        assert_eq!(
            pages.len(),
            visible,
            "exactly one man page per visible command: {:?}",
            pages.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
    }

    #[test]
    fn manpages_writes_every_page_into_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("man");
        let (ui, _captured) = Ui::capture(0);
        let args = ManpagesArgs { dir: out.clone() };
        assert_eq!(write_manpages(&args, &ui).unwrap(), ExitStatus::Success);
        let mut written: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        written.sort();
        let mut expected: Vec<String> = manpages().unwrap().into_iter().map(|(n, _)| n).collect();
        expected.sort();
        assert_eq!(
            written, expected,
            "manpages DIR writes exactly the generated pages"
        );
        assert!(
            written.contains(&"nexus-token-login.1".to_owned()),
            "the login page is named `nexus-token-login.1`: {written:?}"
        );
    }
}
