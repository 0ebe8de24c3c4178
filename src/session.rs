//! The one token flow every command goes through: open a profile (saved, or transient for `login`
//! and `token --url`), check the lockout guard, get the password, build the client, resolve the
//! API family, fetch the current token under an expiry policy (or reset it), record what happened
//! in the run state and save it. Commands decide only the order of the steps around it.
//!
//! It never prints a secret and never writes a target file: the caller hands the token to
//! [`crate::targets`].

pub(crate) mod context;

use crate::error::{Error, ExitStatus, Result};
use crate::expiry::{self, ExpiryPolicy};
use crate::fingerprint::fingerprint;
use crate::nexus::{self, Client, Detection, Family, UserToken};
use crate::profile::{Config, Profile, ProfileState, State, now};
use crate::secret::Secret;
use crate::store;
use context::{Context, client_for, paused_error, read_keyring_password};

/// A profile connected to its Nexus.
pub(crate) struct Session<'c, 'a> {
    ctx: &'c Context<'a>,
    /// The profile name.
    pub(crate) name: String,
    /// The profile (saved, or about to be saved by `login`).
    pub(crate) profile: Profile,
    /// Its run state; [`Session::save`] writes it.
    pub(crate) state: ProfileState,
    client: Client,
    family: Family,
    /// Whether the family came from the state's cache (it may be stale after an upgrade).
    family_cached: bool,
    /// What detection found, when it ran.
    pub(crate) detection: Option<Detection>,
    password: Option<Secret<String>>,
    /// A transient session (`login` before it succeeded, `token --url`) never saves the state.
    transient: bool,
}

/// Loads a saved profile and its state for a command about to contact Nexus: a missing profile
/// is a usage error (with `missing_hint`), a paused one (lockout guard) exits 3.
pub(crate) fn load(
    ctx: &Context<'_>,
    name: &str,
    missing_hint: &str,
) -> Result<(Profile, ProfileState)> {
    let config = Config::load(&ctx.config_path)?;
    let Some(profile) = config.profiles.get(name).cloned() else {
        return Err(no_profile(name, missing_hint));
    };
    let state = State::load(&ctx.state_path)?;
    let profile_state = state.profiles.get(name).cloned().unwrap_or_default();
    if let Some(rejected) = &profile_state.rejected {
        if profile.imported {
            return Err(crate::imported::paused_error(
                name,
                &profile,
                &profile_state,
            ));
        }
        return Err(paused_error(name, rejected));
    }
    Ok((profile, profile_state))
}

/// The error for a profile name that is not saved (exit 2 from every command).
pub(crate) fn no_profile(name: &str, hint: &str) -> Error {
    Error::usage(
        format!("no saved profile named `{name}`"),
        Some(hint.to_owned()),
    )
}

/// The token in the keyring's token cache and when it was cached (`None`: before cache times
/// were kept), whatever its age; `Ok(None)` when there is none or it is unreadable.
pub(crate) fn peek_cached(
    ctx: &Context<'_>,
    profile: &Profile,
) -> Result<Option<(UserToken, Option<i64>)>> {
    let service = store::cache_service_name(&profile.url);
    let Some(cached) = ctx.store()?.get(&service, &profile.username)? else {
        return Ok(None);
    };
    let Ok(token) = decode_cached(cached.expose()) else {
        ctx.ui
            .verbose(1, "the cached token is unreadable: fetching a new copy");
        return Ok(None);
    };
    Ok(Some((token, cached_at(cached.expose()))))
}

/// `NEXUS_TOKEN_CACHE_MAX_AGE` as milliseconds (exit 2 when it is not whole seconds).
pub(crate) fn cache_max_age_ms(ctx: &Context<'_>) -> Result<i64> {
    let age = ctx.env.cache_max_age().map_err(|message| {
        Error::usage(
            message,
            Some("set it to a number of seconds, e.g. `NEXUS_TOKEN_CACHE_MAX_AGE=600`, or unset it (10 minutes)".into()),
        )
    })?;
    Ok(i64::try_from(age.as_millis()).unwrap_or(i64::MAX))
}

/// The token the last login, refresh or rotate cached in the keyring, when it is still the
/// current one: its fingerprint is the one the state recorded, it is younger than the cache's
/// max age (`NEXUS_TOKEN_CACHE_MAX_AGE`, so a token reset on the server is noticed), and (on
/// servers that expire tokens) it is outside the expiry margin. `None` sends the caller to Nexus.
pub(crate) fn cached_token(
    ctx: &Context<'_>,
    profile: &Profile,
    state: &ProfileState,
) -> Result<Option<UserToken>> {
    let max_age = cache_max_age_ms(ctx)?;
    let Some((token, at)) = peek_cached(ctx, profile)? else {
        return Ok(None);
    };
    let age = at.map(|at| expiry::now_ms() - at);
    if !age.is_some_and(|age| (0..max_age).contains(&age)) {
        ctx.ui.verbose(
            1,
            "the cached token is older than the cache's max age: confirming it with Nexus",
        );
        return Ok(None);
    }
    let fp = fingerprint(&token.name_code, token.pass_code.expose());
    if state.token_fingerprint.as_deref() != Some(fp.as_str()) {
        ctx.ui
            .verbose(1, "the cached token is not the current one: fetching it");
        return Ok(None);
    }
    if state.expiration_enabled == Some(true)
        && let Some(at) = state.expires_at_ms
    {
        let policy = ExpiryPolicy::from_flag(None, false);
        if at - expiry::now_ms() <= expiry::margin_ms(policy, token.created.as_deref(), at) {
            ctx.ui
                .verbose(1, "the cached token expires soon: fetching the current one");
            return Ok(None);
        }
    }
    ctx.ui
        .verbose(1, "answered from the token cache in the keyring");
    Ok(Some(token))
}

/// Reads a password for a username instead of the keyring (`token --password-stdin`).
pub(crate) type PasswordSource<'a> = &'a dyn Fn(&str) -> Result<Secret<String>>;

/// The token of a saved profile for a caller that cannot prompt: `token`, the Docker credential
/// helper and every served client (Cargo, pnpm) come through here. Answers from the token cache
/// while it is current (no request); otherwise uses the keyring password, asks Nexus (a new
/// token only when Nexus says the current one expired), records, caches and saves the state.
/// A `--no-keyring` profile is refused (exit 6): it has neither a password nor a cache to serve.
/// `no_cache` skips the cache (`token --no-cache`); `password` replaces the keyring password
/// (`token --password-stdin`).
pub(crate) fn serve_token(
    ctx: &Context<'_>,
    name: &str,
    no_cache: bool,
    password: Option<PasswordSource<'_>>,
) -> Result<UserToken> {
    let (profile, state) = load(
        ctx,
        name,
        "run `nexus-token login` first, or pass `--url URL --username USER --password-stdin`",
    )?;
    if profile.imported {
        return crate::imported::serve(ctx, name, profile, state, no_cache, password.is_some());
    }
    if !profile.keyring && password.is_none() {
        return Err(Error::other(
            ExitStatus::Keyring,
            format!(
                "profile `{name}` was saved with --no-keyring: it has neither a stored password nor a token cache, so nexus-token cannot serve its token"
            ),
            Some(format!(
                "run `nexus-token login --profile {name}` without `--no-keyring`, or pipe the password in with `--password-stdin`"
            )),
        ));
    }
    if !no_cache
        && profile.keyring
        && let Some(token) = cached_token(ctx, &profile, &state)?
    {
        return Ok(token);
    }
    let mut session = Session::loaded(ctx, name, profile, state)?;
    match password {
        Some(read) => {
            let password = read(&session.profile.username)?;
            session.use_password(password);
        }
        None => session.use_keyring_password()?,
    }
    let token = session.current_token(ExpiryPolicy::on_expired_only())?;
    // The state's fingerprint follows the token Nexus answered (a new one after an expiry),
    // and the cache with it; the files catch up at the next `refresh`.
    session.record(&token);
    session.cache(&token);
    session.save()?;
    Ok(token)
}

pub(crate) fn encode_cached(token: &UserToken, at_ms: i64) -> Secret<String> {
    Secret::new(
        serde_json::json!({
            "nameCode": token.name_code,
            "passCode": token.pass_code.expose(),
            "created": token.created,
            "cachedAt": at_ms,
        })
        .to_string(),
    )
}

/// When the cache entry was written (milliseconds since the epoch), if it says.
fn cached_at(text: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .get("cachedAt")?
        .as_i64()
}

pub(crate) fn decode_cached(text: &str) -> std::result::Result<UserToken, &'static str> {
    nexus::parse_token_json(text.as_bytes())
}

/// Deletes the cached token of a profile (`logout`); `false` when there was none.
pub(crate) fn forget_cached_token(ctx: &Context<'_>, profile: &Profile) -> Result<bool> {
    let service = store::cache_service_name(&profile.url);
    Ok(ctx.store()?.delete(&service, &profile.username)?)
}

impl<'c, 'a> Session<'c, 'a> {
    /// Opens a saved profile: load, lockout guard, client, family (forced, cached or detected).
    pub(crate) fn open(ctx: &'c Context<'a>, name: &str, missing_hint: &str) -> Result<Self> {
        let (profile, state) = load(ctx, name, missing_hint)?;
        Self::connect(ctx, name, profile, state, false)
    }

    /// Connects a saved profile already loaded with [`load`].
    pub(crate) fn loaded(
        ctx: &'c Context<'a>,
        name: &str,
        profile: Profile,
        state: ProfileState,
    ) -> Result<Self> {
        Self::connect(ctx, name, profile, state, false)
    }

    /// Connects a profile that is not (yet) saved: `login` and `token --url`. Its state is never
    /// written by the session.
    pub(crate) fn transient(ctx: &'c Context<'a>, name: &str, profile: Profile) -> Result<Self> {
        Self::connect(ctx, name, profile, ProfileState::default(), true)
    }

    /// Connects a saved profile for `doctor`: the server is always asked (one unauthenticated
    /// request, whose answer `doctor` reports in [`Session::detection`], even for an edition
    /// without user tokens), and the family in use is chosen as for every command (forced,
    /// cached, else the one detected). The detection is not recorded in the state.
    pub(crate) fn probed(
        ctx: &'c Context<'a>,
        name: &str,
        profile: Profile,
        state: ProfileState,
    ) -> Result<Self> {
        let client = client_for(ctx, &profile)?;
        let detection = client.detect()?;
        let family_cached = profile.api.is_none() && state.family.is_some();
        let family = profile.api.or(state.family).unwrap_or(detection.family);
        Ok(Session {
            ctx,
            name: name.to_owned(),
            profile,
            state,
            client,
            family,
            family_cached,
            detection: Some(detection),
            password: None,
            transient: false,
        })
    }

    fn connect(
        ctx: &'c Context<'a>,
        name: &str,
        profile: Profile,
        mut state: ProfileState,
        transient: bool,
    ) -> Result<Self> {
        let client = client_for(ctx, &profile)?;
        let (family, detection, family_cached) = match (profile.api, state.family) {
            (Some(forced), _) => {
                ctx.ui.verbose(1, &format!("API family {forced} (forced)"));
                (forced, None, false)
            }
            (None, Some(cached)) => {
                ctx.ui.verbose(1, &format!("API family {cached}"));
                (cached, None, true)
            }
            (None, None) => {
                let detection = detect(ctx, &client)?;
                state.family = Some(detection.family);
                state.version.clone_from(&detection.version);
                state.edition.clone_from(&detection.edition);
                (detection.family, Some(detection), false)
            }
        };
        Ok(Session {
            ctx,
            name: name.to_owned(),
            profile,
            state,
            client,
            family,
            family_cached,
            detection,
            password: None,
            transient,
        })
    }

    /// The client of the profile's server (`doctor` checks a pasted token with it).
    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    /// The API family in use.
    pub(crate) fn family(&self) -> Family {
        self.family
    }

    /// Checks a token imported with `login --token-stdin` (one request authenticated by the
    /// token, never the ticket flow) and records its expiry, or the rejection.
    pub(crate) fn check_imported(&mut self, token: &UserToken) -> Result<()> {
        crate::imported::check(
            &self.client,
            self.family,
            &self.name,
            &self.profile,
            token,
            &mut self.state,
        )
    }

    /// Uses the password stored in the keyring (or says how to provide one).
    pub(crate) fn use_keyring_password(&mut self) -> Result<()> {
        let password = read_keyring_password(self.ctx, &self.name, &self.profile)?;
        self.password = Some(password);
        Ok(())
    }

    /// Uses a password read from standard input or a prompt.
    pub(crate) fn use_password(&mut self, password: Secret<String>) {
        self.password = Some(password);
    }

    /// The password, for the keyring (`login` stores it after the token was fetched).
    pub(crate) fn password(&self) -> Result<&Secret<String>> {
        self.password.as_ref().ok_or_else(|| {
            Error::other(
                ExitStatus::Failure,
                "internal error: the token flow ran without a password",
                None,
            )
        })
    }

    /// Records a rejected login (lockout guard) and saves the state at once, so that no later
    /// run contacts Nexus with the same password. Transient sessions record nothing.
    fn guard<T>(&mut self, result: std::result::Result<T, nexus::Error>) -> Result<T> {
        match result {
            Ok(value) => Ok(value),
            Err(e) => {
                if !self.transient && self.state.note_rejection(&e) {
                    State::update_profile(&self.ctx.state_path, &self.name, &self.state)?;
                }
                Err(e.into())
            }
        }
    }

    /// Runs `call` with the family; when a family cached from an earlier run gets the answer of
    /// a server that moved on (404/405 where the token API should be: a Nexus upgrade), detects
    /// again once, records the new family and retries.
    fn with_family<T>(
        &mut self,
        call: &dyn Fn(&Client, Family) -> std::result::Result<T, nexus::Error>,
    ) -> Result<T> {
        let result = call(&self.client, self.family);
        let stale = matches!(
            &result,
            Err(nexus::Error::WrongUrl { .. }
                | nexus::Error::WrongFamily { .. }
                | nexus::Error::UnexpectedStatus {
                    status: 404 | 405,
                    ..
                })
        );
        if !(stale && self.family_cached) {
            return self.guard(result);
        }
        self.ctx.ui.verbose(
            1,
            "the cached API family does not answer any more: detecting the server again",
        );
        let detection = detect(self.ctx, &self.client)?;
        self.family_cached = false;
        if detection.family == self.family {
            return self.guard(result);
        }
        self.ctx.ui.step(&format!(
            "the server now speaks the `{}` API (was `{}`): updated the profile's state",
            detection.family, self.family
        ));
        self.family = detection.family;
        self.state.family = Some(detection.family);
        self.state.version.clone_from(&detection.version);
        self.state.edition.clone_from(&detection.edition);
        self.detection = Some(detection);
        let retried = call(&self.client, self.family);
        self.guard(retried)
    }

    /// The token as Nexus issues it now, with no expiry policy (`doctor`: it never generates a
    /// token). A rejected password pauses the profile, as for every request of the flow.
    pub(crate) fn fetch_token(&mut self) -> Result<UserToken> {
        let username = self.profile.username.clone();
        let password = self.password()?.clone();
        self.with_family(&|client, family| client.fetch_token(family, &username, &password))
    }

    /// The expiry attributes of the current token (`doctor`), `None` when the server has none.
    pub(crate) fn token_attributes(&self) -> Result<Option<nexus::TokenAttributes>> {
        Ok(self
            .client
            .token_attributes(&self.profile.username, self.password()?)?)
    }

    /// The current token. On servers that expire tokens (Nexus 3.69+) it also reads the token
    /// attributes and generates a new token (POST) when the current one has expired (Nexus may
    /// say so on the token or on the attributes call) or will within the margin; what the server
    /// told is recorded in the state.
    ///
    /// Requests: a server known not to expire tokens costs the plain two (ticket, token); the
    /// attributes are read when the state does not know yet, when the server expires tokens, when
    /// the last look is a week old, or when Nexus answers that the token expired.
    pub(crate) fn current_token(&mut self, policy: ExpiryPolicy) -> Result<UserToken> {
        let username = self.profile.username.clone();
        let password = self.password()?.clone();
        let fetched = self.with_family(&|client, family| match client
            .fetch_token(family, &username, &password)
        {
            Ok(token) => Ok(Some(token)),
            Err(nexus::Error::TokenExpired { .. }) => Ok(None),
            Err(e) => Err(e),
        })?;
        if self.family != Family::Nexus3 {
            // Token expiry came with Nexus 3.69, on the 3.24+ API only.
            self.state.expiration_enabled = Some(false);
            self.state.expires_at_ms = None;
            return fetched.ok_or_else(|| {
                Error::Nexus(nexus::Error::TokenExpired {
                    url: self.profile.url.clone(),
                })
            });
        }
        let ui = self.ctx.ui;
        if !policy.read_expiry
            && let Some(token) = &fetched
        {
            // `token`: only an answer that says "expired" makes it generate a new token.
            return Ok(token.clone());
        }
        if fetched.is_none() {
            ui.verbose(
                1,
                "Nexus says the token expired: reading its expiry settings",
            );
        }
        if self.state.expiration_enabled == Some(false)
            && !expiry::recheck_due(self.state.expiry_checked_at, expiry::now_ms())
            && let Some(token) = &fetched
        {
            ui.verbose(1, "the server does not expire tokens");
            return Ok(token.clone());
        }
        let mut current = fetched;
        match self.client.token_attributes(&username, &password) {
            Ok(attrs) => {
                self.state.expiration_enabled = Some(attrs.is_some_and(|a| a.expiration_enabled));
                self.state.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
                self.state.expiry_checked_at = Some(now());
            }
            Err(nexus::Error::TokenExpired { .. }) => {
                // The attributes call may be the one that says so (the token call answered).
                self.state.expiration_enabled = Some(true);
                current = None;
            }
            Err(e) if e.is_rejected_login() => return self.guard(Err(e)),
            Err(e) => {
                // Look again next time; the token itself may be fine.
                self.state.expiration_enabled = None;
                ui.warn(&format!("could not read the token expiry: {e}"));
            }
        }
        let Some(token) = current else {
            return self.generate("Nexus says the token has expired", None, policy);
        };
        let now = expiry::now_ms();
        let (Some(true), Some(at)) = (self.state.expiration_enabled, self.state.expires_at_ms)
        else {
            ui.verbose(
                1,
                if self.state.expiration_enabled == Some(true) {
                    "the server expires tokens but did not say when this one does"
                } else {
                    "the server does not expire tokens"
                },
            );
            return Ok(token);
        };
        let margin = expiry::margin_ms(policy, token.created.as_deref(), at);
        if at <= now {
            return self.generate("the token has expired", Some(token), policy);
        }
        let left = expiry::describe_left(at, now);
        if at - now <= margin {
            let reason = format!(
                "the token expires in {left}, within the {} margin",
                expiry::describe_margin(margin)
            );
            return self.generate(&reason, Some(token), policy);
        }
        ui.step(&format!(
            "the token expires in {left}; a new one is generated {} before",
            expiry::describe_ms(margin)
        ));
        Ok(token)
    }

    /// Generates a new token (or says it would, in a dry run) and records its expiry.
    fn generate(
        &mut self,
        reason: &str,
        current: Option<UserToken>,
        policy: ExpiryPolicy,
    ) -> Result<UserToken> {
        let ui = self.ctx.ui;
        if policy.dry_run {
            ui.step(&format!("{reason}: a new one would be generated"));
            return current.ok_or_else(|| {
                Error::other(
                    ExitStatus::Unavailable,
                    format!("{reason}; a dry run does not generate a new one"),
                    Some("run the command again without `--dry-run`".into()),
                )
            });
        }
        ui.step(&format!("{reason}: generating a new one"));
        let (username, password) = (self.profile.username.clone(), self.password()?.clone());
        let token = self
            .with_family(&|client, family| client.generate_token(family, &username, &password))?;
        self.read_new_expiry();
        Ok(token)
    }

    /// After a new token: its expiry, when the server tells (Nexus 3 only).
    fn read_new_expiry(&mut self) {
        if self.family != Family::Nexus3 {
            self.state.expiration_enabled = Some(false);
            self.state.expires_at_ms = None;
            return;
        }
        let Some(password) = self.password.clone() else {
            return;
        };
        match self
            .client
            .token_attributes(&self.profile.username, &password)
        {
            Ok(attrs) => {
                self.state.expiration_enabled = Some(attrs.is_some_and(|a| a.expiration_enabled));
                self.state.expires_at_ms = attrs.and_then(|a| a.expires_at_ms);
                self.state.expiry_checked_at = Some(now());
                if let Some(at) = self.state.expires_at_ms {
                    self.ctx.ui.step(&format!(
                        "the new token expires in {}",
                        expiry::describe_left(at, expiry::now_ms())
                    ));
                }
            }
            Err(e) => {
                self.state.expires_at_ms = None;
                self.ctx
                    .ui
                    .verbose(1, &format!("could not read the new token's expiry: {e}"));
            }
        }
    }

    /// Resets the token on the server (a fresh ticket, DELETE) and fetches the new one.
    pub(crate) fn rotate_token(&mut self) -> Result<UserToken> {
        let (username, password) = (self.profile.username.clone(), self.password()?.clone());
        let token = self.with_family(&|client, family| {
            client
                .reset_token(family, &username, &password)
                .and_then(|()| client.fetch_token(family, &username, &password))
        })?;
        self.read_new_expiry();
        Ok(token)
    }

    /// Records a token the targets now hold (or are about to): fingerprint, created, success.
    pub(crate) fn record(&mut self, token: &UserToken) {
        self.state.family = Some(self.family);
        self.state.last_success = Some(now());
        self.state.token_created.clone_from(&token.created);
        self.state.token_fingerprint =
            Some(fingerprint(&token.name_code, token.pass_code.expose()));
        self.state.rejected = None;
        self.state.last_error = None;
    }

    /// Keeps the token in the keyring's token cache (profiles that use the keyring), so that
    /// served clients get it without a request. A failure is a warning: the files hold the token.
    pub(crate) fn cache(&self, token: &UserToken) {
        // An imported token is served from its own keyring entry: no second copy.
        if !self.profile.keyring || self.profile.imported {
            return;
        }
        let service = store::cache_service_name(&self.profile.url);
        let stored = self.ctx.store().and_then(|s| {
            Ok(s.set(
                &service,
                &self.profile.username,
                &encode_cached(token, expiry::now_ms()),
            )?)
        });
        if let Err(e) = stored {
            self.ctx.ui.warn(&format!(
                "could not keep the token in the keyring's token cache ({e}); `token` will ask Nexus"
            ));
        }
    }

    /// Writes the state (a transient session writes nothing).
    pub(crate) fn save(&self) -> Result<()> {
        if self.transient {
            return Ok(());
        }
        State::update_profile(&self.ctx.state_path, &self.name, &self.state)
    }

    /// Makes a transient session a saved one (`login`, once everything else succeeded).
    pub(crate) fn persist(&mut self) {
        self.transient = false;
    }
}

/// One unauthenticated detection request; refuses servers without user tokens before any
/// password is sent.
fn detect(ctx: &Context<'_>, client: &Client) -> Result<Detection> {
    let detection = client.detect()?;
    detection.require_user_tokens(client.base_url())?;
    ctx.ui.verbose(
        1,
        &format!(
            "detected `{}` (version {}, edition {})",
            detection.family,
            detection.version.as_deref().unwrap_or("unknown"),
            detection.edition.as_deref().unwrap_or("unknown")
        ),
    );
    Ok(detection)
}
