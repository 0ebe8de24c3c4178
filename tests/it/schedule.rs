//! `nexus-token schedule` end to end: the built binary installs, replaces and removes each
//! scheduler's units in a temporary home (`NEXUS_TOKEN_SCHEDULE_DIR`, `NEXUS_TOKEN_CRONTAB`),
//! twice, and the rendered units pass `systemd-analyze verify` and parse as a plist.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{BIN, Sandbox, require_tool};

const MARKER: &str = "# nexus-token refresh";

/// A sandbox whose scheduler locations are files inside it.
struct Home {
    sb: Sandbox,
}

impl Home {
    fn new() -> Home {
        Home { sb: Sandbox::new() }
    }

    fn path(&self) -> PathBuf {
        self.sb.home()
    }

    fn units(&self) -> PathBuf {
        self.path().join("units")
    }

    fn crontab(&self) -> PathBuf {
        self.path().join("crontab.txt")
    }

    /// Runs `bin` with only this home's variables (never the real schedulers).
    fn run_bin(&self, bin: &Path, args: &[&str]) -> Output {
        self.sb
            .program(bin, args)
            .env("USER", "tester")
            .env("NEXUS_TOKEN_SCHEDULE_DIR", self.units())
            .env("NEXUS_TOKEN_CRONTAB", self.crontab())
            .output()
            .unwrap()
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_bin(Path::new(BIN), args)
    }

    fn ok(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "`nexus-token {}` succeeds; stderr: {stderr}",
            args.join(" ")
        );
        (stdout, stderr)
    }

    fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.units())
            .map(|dir| {
                dir.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn systemd_install_twice_replace_and_remove_twice() {
    let home = Home::new();
    home.ok(&["schedule", "--kind", "systemd"]);
    let service = home.units().join("nexus-token-refresh.service");
    let timer = home.units().join("nexus-token-refresh.timer");
    let first = (read(&service), read(&timer));
    let (_, stderr) = home.ok(&["schedule", "--kind", "systemd"]);
    assert!(
        stderr.contains("is up to date"),
        "a second install says the units are up to date: {stderr}"
    );
    assert_eq!(
        (read(&service), read(&timer)),
        first,
        "installing twice gives the same files"
    );
    assert_eq!(
        home.listing(),
        ["nexus-token-refresh.service", "nexus-token-refresh.timer"],
        "exactly the two units are written, no temporary files left"
    );
    assert!(first.1.contains("every 12h"), "the default interval is 12h");
    assert!(
        first
            .0
            .contains(&format!("ExecStart=\"{BIN}\" \"refresh\" \"-q\"\n")),
        "the service runs this binary's refresh quietly: {}",
        first.0
    );

    home.ok(&["schedule", "--kind", "systemd", "--every", "6h"]);
    let replaced = read(&timer);
    assert!(
        replaced.contains("every 6h") && !replaced.contains("every 12h"),
        "`--every 6h` replaces the timer: {replaced}"
    );
    assert_eq!(home.listing().len(), 2, "replacing adds no unit");

    let (_, stderr) = home.ok(&["schedule", "--remove"]);
    assert!(
        stderr.contains("removed") && stderr.contains("nexus-token-refresh.timer"),
        "remove names what it removed: {stderr}"
    );
    assert!(home.listing().is_empty(), "remove deletes both units");
    let (_, stderr) = home.ok(&["schedule", "--remove"]);
    assert!(
        stderr.contains("nothing to remove"),
        "removing again succeeds and says there was nothing: {stderr}"
    );
}

#[test]
fn cron_install_twice_replace_and_remove_twice_keep_other_lines() {
    let home = Home::new();
    let others = "MAILTO=me@example.com\n15 3 * * * /usr/bin/backup\n";
    std::fs::write(home.crontab(), others).unwrap();

    home.ok(&["schedule", "--kind", "cron"]);
    let (_, stderr) = home.ok(&["schedule", "--kind", "cron"]);
    assert!(
        stderr.contains("already has the line"),
        "a second install changes nothing: {stderr}"
    );
    let text = read(&home.crontab());
    assert_eq!(
        text.matches(MARKER).count(),
        1,
        "one line after two installs: {text}"
    );
    assert!(
        text.starts_with(others),
        "other lines stay first and unchanged: {text}"
    );
    let line = text.lines().find(|l| l.contains(MARKER)).unwrap();
    assert!(
        line.contains("DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/"),
        "the line sets the session bus address: {line}"
    );
    assert!(line.contains(&format!("{BIN} refresh -q")), "{line}");

    home.ok(&["schedule", "--kind", "cron", "--every", "6h"]);
    let text = read(&home.crontab());
    assert_eq!(
        text.matches(MARKER).count(),
        1,
        "`--every` replaces the line: {text}"
    );
    let line = text.lines().find(|l| l.contains(MARKER)).unwrap();
    assert!(line.ends_with("every 6h"), "{line}");
    let hours = line.split(' ').nth(1).unwrap();
    assert_eq!(
        hours.split(',').count(),
        4,
        "a 6h line runs at four hours: {line}"
    );

    let (_, stderr) = home.ok(&["schedule", "--remove", "--kind", "cron"]);
    assert!(stderr.contains("removed the line"), "{stderr}");
    assert_eq!(read(&home.crontab()), others, "only our line is removed");
    let (_, stderr) = home.ok(&["schedule", "--remove", "--kind", "cron"]);
    assert!(stderr.contains("nothing to remove"), "{stderr}");
    assert_eq!(read(&home.crontab()), others);
}

#[test]
fn cron_warns_when_it_shortens_the_interval() {
    let home = Home::new();
    let (_, stderr) = home.ok(&["schedule", "--kind", "cron", "--every", "7h"]);
    assert!(
        stderr.contains("cron cannot run every 7h: the line runs every 6h"),
        "{stderr}"
    );
    assert!(read(&home.crontab()).trim_end().ends_with("every 6h"));
}

#[test]
fn print_writes_nothing_and_prints_the_units() {
    let home = Home::new();
    let (stdout, _) = home.ok(&["schedule", "--kind", "systemd", "--print"]);
    assert!(
        stdout.contains("[Service]") && stdout.contains("[Timer]"),
        "{stdout}"
    );
    let (stdout, _) = home.ok(&["schedule", "--kind", "cron", "--print", "--every", "30m"]);
    assert_eq!(stdout.lines().count(), 1, "cron prints one line: {stdout}");
    assert!(stdout.contains(MARKER));
    assert!(home.listing().is_empty(), "--print writes no unit");
    assert!(!home.crontab().exists(), "--print writes no crontab");
}

#[test]
fn bad_intervals_are_usage_errors() {
    let home = Home::new();
    for every in ["1m", "soon", "12"] {
        let out = home.run(&["schedule", "--kind", "cron", "--every", every]);
        assert_eq!(out.status.code(), Some(2), "`--every {every}` exits 2");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("`{every}`")), "{stderr}");
    }
    assert!(!home.crontab().exists(), "nothing is written");
}

#[test]
fn another_installed_kind_is_reported() {
    let home = Home::new();
    home.ok(&["schedule", "--kind", "cron"]);
    let (_, stderr) = home.ok(&["schedule", "--kind", "systemd"]);
    assert!(
        stderr.contains("another schedule is installed too") && stderr.contains("--kind cron"),
        "{stderr}"
    );
    let (_, stderr) = home.ok(&["schedule", "--remove"]);
    assert!(
        stderr.contains("removed the line"),
        "remove without --kind removes every kind: {stderr}"
    );
    assert!(home.listing().is_empty());
    assert!(!read(&home.crontab()).contains(MARKER));
}

#[test]
#[ignore = "needs systemd-analyze"]
fn systemd_units_pass_systemd_analyze_verify() {
    let analyze = require_tool("systemd-analyze");
    // A binary and a profiles file in directories with spaces and `%`: the quoting must hold.
    let home = Home::new();
    let bin_dir = home.path().join("my tools 100%");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let bin = bin_dir.join("nexus-token");
    std::fs::copy(BIN, &bin).unwrap();
    let config = home.path().join("conf dir/profiles $1.toml");
    for every in ["12h", "30m", "1d", "7h", "400s"] {
        let out = home.run_bin(
            &bin,
            &[
                "schedule",
                "--kind",
                "systemd",
                "--every",
                every,
                "--config",
                config.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let service = home.units().join("nexus-token-refresh.service");
        let text = read(&service);
        assert!(
            text.contains(&format!(
                "ExecStart=\"{}\" \"refresh\" \"-q\" \"--config\" \"{}\"",
                bin.display().to_string().replace('%', "%%"),
                config.display().to_string().replace('$', "$$")
            )),
            "ExecStart names the copied binary and the profiles file: {text}"
        );
        let out = home
            .sb
            .program(&analyze, &["verify"])
            .arg(&service)
            .arg(home.units().join("nexus-token-refresh.timer"))
            .current_dir(home.units())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "systemd-analyze verify accepts the {every} units: {stderr}"
        );
        assert!(
            !stderr.contains("nexus-token-refresh"),
            "systemd-analyze has no complaint about our units ({every}): {stderr}"
        );
    }
}

#[test]
#[ignore = "needs systemd-analyze"]
fn systemd_analyze_verify_would_catch_a_missing_binary() {
    let analyze = require_tool("systemd-analyze");
    let home = Home::new();
    home.ok(&["schedule", "--kind", "systemd"]);
    let service = home.units().join("nexus-token-refresh.service");
    let text = read(&service).replace(BIN, "/nonexistent/nexus-token");
    std::fs::write(&service, text).unwrap();
    let out = home
        .sb
        .program(&analyze, &["verify"])
        .arg(&service)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the verify check above is meaningful: it fails on a missing binary"
    );
}

/// A plist value, enough to check ours.
#[derive(Debug, PartialEq)]
enum Value {
    Dict(Vec<(String, Value)>),
    Array(Vec<Value>),
    String(String),
    Integer(i64),
    Bool(bool),
}

impl Value {
    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Parses a plist strictly enough: well-formed XML, a `<plist>` root holding one value, dicts
/// of alternating `<key>` and values.
fn parse_plist(text: &str) -> Value {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    // Stack of open containers; `text` collects character data of the current leaf.
    enum Open {
        Dict(Vec<(String, Value)>, Option<String>),
        Array(Vec<Value>),
        Leaf(String, String),
        Plist(Option<Value>),
    }
    let mut stack: Vec<Open> = Vec::new();
    fn push_value(stack: &mut [Open], value: Value) {
        match stack.last_mut().expect("a value inside <plist>") {
            Open::Dict(entries, key) => {
                let key = key.take().expect("every dict value follows a <key>");
                entries.push((key, value));
            }
            Open::Array(items) => items.push(value),
            Open::Plist(slot) => {
                assert!(slot.is_none(), "<plist> holds one value");
                *slot = Some(value);
            }
            Open::Leaf(..) => panic!("no element inside a leaf"),
        }
    }
    let mut root = None;
    loop {
        match reader.read_event().expect("the plist is well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_owned();
                stack.push(match name.as_str() {
                    "plist" => Open::Plist(None),
                    "dict" => Open::Dict(Vec::new(), None),
                    "array" => Open::Array(Vec::new()),
                    "key" | "string" | "integer" => Open::Leaf(name, String::new()),
                    other => panic!("unexpected element <{other}>"),
                });
            }
            Event::Empty(e) => {
                let value = match e.name().as_ref() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "dict" => Value::Dict(Vec::new()),
                    "array" => Value::Array(Vec::new()),
                    "string" => Value::String(String::new()),
                    other => panic!("unexpected <{other}/>"),
                };
                push_value(&mut stack, value);
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last_mut() {
                    Some(Open::Leaf(_, text)) => text.push_str(&content),
                    _ => assert!(content.trim().is_empty(), "no stray text: {content:?}"),
                }
            }
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                let c = match name.as_ref() {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    other => panic!("unknown entity &{other};"),
                };
                match stack.last_mut() {
                    Some(Open::Leaf(_, text)) => text.push(c),
                    _ => panic!("entity outside a leaf"),
                }
            }
            Event::End(_) => match stack.pop().expect("balanced tags") {
                Open::Leaf(kind, text) if kind == "key" => match stack.last_mut() {
                    Some(Open::Dict(_, key)) => {
                        assert!(key.is_none(), "two keys in a row");
                        *key = Some(text);
                    }
                    _ => panic!("<key> outside a dict"),
                },
                Open::Leaf(kind, text) => {
                    let value = if kind == "integer" {
                        Value::Integer(text.parse().expect("an integer"))
                    } else {
                        Value::String(text)
                    };
                    push_value(&mut stack, value);
                }
                Open::Dict(entries, key) => {
                    assert!(key.is_none(), "a dict key without a value");
                    push_value(&mut stack, Value::Dict(entries));
                }
                Open::Array(items) => push_value(&mut stack, Value::Array(items)),
                Open::Plist(value) => root = value,
            },
            Event::Eof => break,
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) => {}
            other => panic!("unexpected XML event {other:?}"),
        }
    }
    assert!(stack.is_empty(), "every element is closed");
    root.expect("a <plist> root with a value")
}

#[test]
fn launchd_plist_parses_and_has_the_keys() {
    let home = Home::new();
    let config = home.path().join("a&b <c>.toml");
    home.ok(&[
        "schedule",
        "--kind",
        "launchd",
        "--config",
        config.to_str().unwrap(),
    ]);
    let plist = home.units().join("io.github.nexus-token.refresh.plist");
    let first = read(&plist);
    home.ok(&[
        "schedule",
        "--kind",
        "launchd",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(read(&plist), first, "installing twice gives the same plist");
    assert_eq!(home.listing().len(), 1, "one plist");

    let value = parse_plist(&first);
    assert_eq!(
        value.get("Label"),
        Some(&Value::String("io.github.nexus-token.refresh".into()))
    );
    assert_eq!(
        value.get("ProgramArguments"),
        Some(&Value::Array(vec![
            Value::String(BIN.into()),
            Value::String("refresh".into()),
            Value::String("-q".into()),
            Value::String("--config".into()),
            Value::String(config.to_str().unwrap().into()),
        ])),
        "the agent runs this binary's refresh with the profiles file, escapes undone"
    );
    let Some(Value::Array(times)) = value.get("StartCalendarInterval") else {
        panic!("a 12h agent has a StartCalendarInterval array: {first}");
    };
    assert_eq!(times.len(), 2, "12h means two runs a day");
    let minutes: Vec<_> = times.iter().map(|t| t.get("Minute")).collect();
    assert_eq!(minutes[0], minutes[1], "both runs at the same minute");
    let Some(Value::Integer(hour)) = times[0].get("Hour") else {
        panic!("runs name an hour")
    };
    assert_eq!(times[1].get("Hour"), Some(&Value::Integer(hour + 12)));
    assert_eq!(value.get("RunAtLoad"), Some(&Value::Bool(false)));
    assert!(
        matches!(value.get("StandardErrorPath"), Some(Value::String(p)) if p.ends_with("Library/Logs/nexus-token.log"))
    );

    home.ok(&["schedule", "--kind", "launchd", "--every", "7h"]);
    let value = parse_plist(&read(&plist));
    assert_eq!(
        value.get("StartInterval"),
        Some(&Value::Integer(7 * 3600)),
        "an interval that does not divide a day is counted from the last run"
    );
    let (_, stderr) = home.ok(&["schedule", "--remove", "--kind", "launchd"]);
    assert!(stderr.contains("removed"), "{stderr}");
    assert!(home.listing().is_empty());
}
