//! `demo`: the whole flow against the built-in Nexus emulator, in a throwaway home with an
//! in-memory keyring, printing each step and the files written. Touches nothing of the user's:
//! every path comes from a sandboxed `Env`, and the store is a `MemoryStore`.

use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::{Cli, DemoArgs};
use crate::emulator::{Emulator, EmulatorConfig};
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::nexus::Family;
use crate::secret::Secret;
use crate::store::{MemoryStore, SecretStore};

use super::{Context, run_in};

const USER: &str = "alice";
/// The emulator's throwaway password for the demo user (not a real credential).
const DEMO_PASSWORD: &str = "demo-password";

pub(super) fn run(ctx: &Context<'_>, args: &DemoArgs) -> Result<ExitStatus> {
    let ui = ctx.ui;
    let home = make_home()?;
    let result = demo_in(ctx, &home);
    if args.keep {
        ui.step(&format!("kept the demo home at `{}`", home.display()));
    } else {
        let _ = std::fs::remove_dir_all(&home);
    }
    result
}

fn make_home() -> Result<PathBuf> {
    let base = std::env::temp_dir();
    for attempt in 0..16u32 {
        let dir = base.join(format!(
            "nexus-token-demo-{}-{}-{attempt}",
            std::process::id(),
            rand::random::<u32>()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::file(&dir, "create", e)),
        }
    }
    Err(Error::other(
        ExitStatus::File,
        "cannot create a temporary folder for the demo",
        None,
    ))
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::file(parent, "create", e))?;
    }
    crate::fs::write_atomic(path, text.as_bytes())?;
    Ok(())
}

fn show(ctx: &Context<'_>, path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::file(path, "read", e))?;
    ctx.ui
        .data(&format!("--- {} ---\n{}", path.display(), text.trim_end()));
    Ok(())
}

fn demo_in(outer: &Context<'_>, home: &Path) -> Result<ExitStatus> {
    let ui = outer.ui;
    let emulator = Emulator::start(EmulatorConfig::new(Family::Nexus3).user(USER, DEMO_PASSWORD))
        .map_err(|e| {
        Error::other(
            ExitStatus::Failure,
            format!("cannot start the Nexus emulator: {e}"),
            None,
        )
    })?;
    let url = emulator.base_url();
    ui.step(&format!(
        "1. started a Nexus 3 Pro emulator at {url} with the user `{USER}`"
    ));
    ui.step(&format!("   throwaway home: {}", home.display()));

    let env = Env::sandboxed(home);
    let settings = env.maven_settings();
    let properties = env.gradle_properties();
    write(
        &settings,
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.2.0">
  <!-- the company mirror: every build goes through Nexus -->
  <mirrors>
    <mirror>
      <id>nexus</id>
      <mirrorOf>*</mirrorOf>
      <url>{url}/repository/maven-public/</url>
    </mirror>
  </mirrors>
  <servers>
    <server>
      <id>nexus</id>
      <username>{USER}</username>
      <password>the-real-password-was-here</password>
    </server>
  </servers>
</settings>
"#
        ),
    )?;
    write(
        &properties,
        "# my Gradle settings\norg.gradle.parallel=true\n",
    )?;
    ui.step("2. wrote a settings.xml whose server `nexus` holds a real password, and a gradle.properties");

    // One context for every step: it opens the in-memory store once and keeps it.
    let mut ctx = Context::with_store(
        &Default::default(),
        &env,
        ui,
        Box::new(|_env| Ok(Box::new(MemoryStore::new()) as Box<dyn SecretStore>)),
    );
    ctx.given_password = Some(Secret::new(DEMO_PASSWORD.to_owned()));

    let run = |ctx: &Context<'_>, args: &[&str]| -> Result<ExitStatus> {
        let cli = Cli::try_parse_from(std::iter::once("nexus-token").chain(args.iter().copied()))
            .map_err(|e| {
            Error::other(ExitStatus::Failure, format!("demo arguments: {e}"), None)
        })?;
        ui.step(&format!("\n$ nexus-token {}", args.join(" ")));
        run_in(ctx, cli.command)
    };

    ui.step("\n3. one login for every client: detects the API, fetches the token, writes Maven, Gradle, npm and netrc (pip, uv, curl), keeps the password in the keyring (in memory for the demo)");
    let npm_group = format!("{url}/repository/npm-group/");
    run(
        &ctx,
        &[
            "login",
            "--url",
            &url,
            "--username",
            USER,
            "--gradle-prefix",
            "nexus",
            "--maven-server",
            "nexus",
            "--npm-registry",
            &npm_group,
            "--netrc",
        ],
    )?;
    show(&ctx, &settings)?;
    show(&ctx, &properties)?;
    show(&ctx, &env.user_npmrc())?;
    show(&ctx, &env.netrc())?;

    ui.step("\n4. refresh with an unchanged token: nothing is rewritten");
    run(&ctx, &["refresh"])?;

    emulator.reset_token(USER);
    ui.step(
        "\n5. the token is reset on the server (as after a leak); refresh picks up the new one",
    );
    run(&ctx, &["refresh"])?;
    show(&ctx, &settings)?;

    ui.step("\n6. status: where the token is, and whether the files hold it");
    run(&ctx, &["status"])?;

    let requests = emulator.requests();
    ui.step(&format!(
        "\n7. the emulator saw {} requests; the real password went only to Nexus (in the keyring, never into a file)",
        requests.len()
    ));
    ui.step("done: nothing outside the throwaway home was touched");
    Ok(ExitStatus::Success)
}
