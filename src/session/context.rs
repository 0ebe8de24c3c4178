//! What the token flow needs from outside, and the helpers around it: the [`Context`]
//! (environment, terminal, config paths, keyring), the one Nexus client builder, the keyring
//! password of a saved profile and the lockout-guard error. Under `session` so that the flow
//! imports nothing from `commands`; the commands use them from here.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::cli::GlobalArgs;
use crate::env::Env;
use crate::error::{Error, ExitStatus, Result};
use crate::nexus::{Client, ClientConfig};
use crate::profile::Profile;
use crate::secret::Secret;
use crate::store::{self, SecretStore};
use crate::ui::Ui;

/// Opens the secret store on first use.
pub type StoreOpener =
    Box<dyn Fn(&Env) -> std::result::Result<Box<dyn SecretStore>, store::Error> + Send + Sync>;

/// Everything a command needs from outside: passed in, so the demo and tests can substitute
/// the keyring and the home without switches in the shipped code paths.
pub struct Context<'a> {
    /// Paths and variables.
    pub env: &'a Env,
    /// The terminal.
    pub ui: &'a Ui,
    /// The profiles file.
    pub config_path: PathBuf,
    /// The run-state file.
    pub state_path: PathBuf,
    /// Whether `--config` was given (the schedule then passes it on).
    pub explicit_config: Option<PathBuf>,
    open_store: StoreOpener,
    store: Mutex<Option<Arc<dyn SecretStore>>>,
    /// A password given by the caller instead of stdin or a prompt (the demo).
    pub given_password: Option<Secret<String>>,
}

impl<'a> Context<'a> {
    /// A context on the real OS keyring.
    pub fn new(global: &GlobalArgs, env: &'a Env, ui: &'a Ui) -> Context<'a> {
        Context::with_store(
            global,
            env,
            ui,
            Box::new(|env| store::OsStore::new(env).map(|s| Box::new(s) as Box<dyn SecretStore>)),
        )
    }

    /// A context with another secret store.
    pub fn with_store(
        global: &GlobalArgs,
        env: &'a Env,
        ui: &'a Ui,
        open_store: StoreOpener,
    ) -> Context<'a> {
        let explicit = global.config.clone();
        Context {
            env,
            ui,
            config_path: env.config_file(explicit.as_deref()),
            state_path: env.state_file(explicit.as_deref()),
            explicit_config: explicit,
            open_store,
            store: Mutex::new(None),
            given_password: None,
        }
    }

    /// The secret store, opened on first use.
    pub fn store(&self) -> Result<Arc<dyn SecretStore>> {
        let mut slot = self.store.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = slot.as_ref() {
            return Ok(store.clone());
        }
        let store: Arc<dyn SecretStore> = Arc::from((self.open_store)(self.env)?);
        *slot = Some(store.clone());
        Ok(store)
    }
}

/// The one client builder: a profile's timeouts and CA, `-v` tracing, and the insecure-http
/// warning. `token --url` builds a transient profile and comes here too.
pub(crate) fn client_for(ctx: &Context<'_>, profile: &Profile) -> Result<Client> {
    let mut config = ClientConfig::new(profile.url.clone());
    if let Some(secs) = profile.connect_timeout {
        config.connect_timeout = Duration::from_secs(secs);
    }
    if let Some(secs) = profile.timeout {
        config.timeout = Duration::from_secs(secs);
    }
    config.ca_cert = profile.ca_cert.clone();
    let ui = ctx.ui.clone();
    config.trace = Some(Arc::new(move |line: &str| ui.verbose(1, line)));
    let client = Client::new(config)?;
    if let Some(warning) = client.insecure_warning() {
        ctx.ui.warn(&warning);
    }
    Ok(client)
}

/// The password of a saved profile from the keyring; a `--no-keyring` profile or a missing
/// entry is an error naming the way out (exit 6).
pub(crate) fn read_keyring_password(
    ctx: &Context<'_>,
    name: &str,
    profile: &Profile,
) -> Result<Secret<String>> {
    if !profile.keyring {
        return Err(Error::other(
            ExitStatus::Keyring,
            format!("profile `{name}` was saved with --no-keyring: there is no stored password"),
            Some("pipe the password in with `--password-stdin`".into()),
        ));
    }
    let service = store::service_name(&profile.url);
    match ctx.store()?.get(&service, &profile.username)? {
        Some(p) => Ok(p),
        None => Err(Error::other(
            ExitStatus::Keyring,
            format!(
                "no stored password for `{}` at {} in the keyring",
                profile.username, profile.url
            ),
            Some(format!(
                "run `nexus-token login --profile {name}` to store it, or pass it with `--password-stdin`"
            )),
        )),
    }
}

/// The error for a profile whose stored password Nexus rejected (lockout guard).
pub(crate) fn paused_error(name: &str, rejected: &crate::profile::Rejected) -> Error {
    Error::other(
        ExitStatus::Rejected,
        format!(
            "refresh of profile `{name}` is paused: Nexus rejected the stored password at {} ({})",
            crate::profile::rfc3339(rejected.at),
            rejected.reason
        ),
        Some(format!(
            "run `nexus-token login --profile {name}` with your current password; until then nexus-token does not contact Nexus for this profile, so it cannot lock your account"
        )),
    )
}
