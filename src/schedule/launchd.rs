//! The launchd backend (macOS): renders the agent's plist (pure), loads it with `launchctl` and
//! removes it.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) const LAUNCHD_TEMPLATE: &str =
    include_str!("../../templates/launchd/io.github.nexus-token.refresh.plist");

/// Renders the launchd agent's plist.
pub fn render_launchd(params: &Params) -> String {
    let every = format_interval(params.every);
    let program_arguments = params
        .argv()
        .iter()
        .map(|arg| format!("\t\t<string>{}</string>", xml_escape(arg)))
        .collect::<Vec<_>>()
        .join("\n");
    let entry = |hour: Option<u32>, minute: u32| {
        let hour = hour
            .map(|h| format!("<key>Hour</key><integer>{h}</integer>"))
            .unwrap_or_default();
        format!("\t\t<dict>{hour}<key>Minute</key><integer>{minute}</integer></dict>")
    };
    let calendar = |entries: Vec<String>| {
        format!(
            "\t<key>StartCalendarInterval</key>\n\t<array>\n{}\n\t</array>",
            entries.join("\n")
        )
    };
    let when = match Cadence::new(params.every, params.seed) {
        Cadence::Minutes { step, offset } => calendar(
            (offset..60)
                .step_by(step as usize)
                .map(|m| entry(None, m))
                .collect(),
        ),
        Cadence::Hours {
            step,
            offset,
            minute,
        } => calendar(
            (offset..24)
                .step_by(step as usize)
                .map(|h| entry(Some(h), minute))
                .collect(),
        ),
        Cadence::Interval(every) => format!(
            "\t<key>StartInterval</key>\n\t<integer>{}</integer>",
            every.as_secs()
        ),
    };
    fill(
        LAUNCHD_TEMPLATE,
        &[
            ("every", &every),
            ("label", LAUNCHD_LABEL),
            ("program_arguments", &program_arguments),
            ("when", &when),
            ("log", &xml_escape(&params.log_file)),
        ],
    )
}

pub(super) fn install_launchd(targets: &Targets, params: &Params, ui: &Ui) -> Result<()> {
    if targets.run_tools && !cfg!(target_os = "macos") {
        return Err(Error::usage(
            "launchd agents run only on macOS",
            Some("see the agent with `nexus-token schedule --kind launchd --print`".to_owned()),
        ));
    }
    let plist = targets.launchd_file();
    report_write(
        ui,
        &plist,
        write_if_changed(&plist, &render_launchd(params))?,
    );
    if !targets.run_tools {
        ui.step("NEXUS_TOKEN_SCHEDULE_DIR is set: `launchctl` was not run");
        return Ok(());
    }
    let domain = format!("gui/{}", params.uid);
    // Unload a previous version first: bootstrap refuses a loaded label. Failure here only
    // means it was not loaded.
    let _ = run_tool(
        "launchctl",
        &["bootout", &format!("{domain}/{LAUNCHD_LABEL}")],
        None,
    );
    let plist_arg = plist.to_string_lossy();
    run_tool("launchctl", &["bootstrap", &domain, &plist_arg], None).map_err(|why| {
        Error::other(
            ExitStatus::Failure,
            format!("wrote the agent but could not load it: {why}"),
            Some(format!(
                "run `launchctl bootstrap {domain} {}` in your login session",
                sh_quote(&plist_arg)
            )),
        )
    })?;
    ui.step(&format!(
        "agent loaded: see it with `launchctl print {domain}/{LAUNCHD_LABEL}`"
    ));
    Ok(())
}

pub(super) fn remove_launchd(targets: &Targets, ui: &Ui) -> Result<bool> {
    let plist = targets.launchd_file();
    if !plist.exists() {
        return Ok(false);
    }
    if targets.run_tools && cfg!(target_os = "macos") {
        let target = format!("gui/{}/{LAUNCHD_LABEL}", current_uid());
        if let Err(why) = run_tool("launchctl", &["bootout", &target], None) {
            ui.verbose(1, &format!("the agent was not loaded: {why}"));
        }
    }
    if remove_file(&plist)? {
        ui.step(&format!("removed `{}`", plist.display()));
    }
    Ok(true)
}
