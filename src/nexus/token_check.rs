//! Checking a user token that was not fetched but pasted (`login --token-stdin`): one request
//! authenticated by the token itself, never the ticket flow. On Nexus 3.24+ that request is the
//! token attributes (which tell the expiry on 3.69+); on the older families the status resource.
//! Nexus authenticates Basic credentials before it routes a request, so a bad token gets 401
//! even where the resource does not exist (404) or anonymous access is on.

use reqwest::Method;

use super::client::{Step, TokenAttributes};
use super::{Client, Error, Family};
use crate::secret::Secret;

impl Client {
    /// Checks `name_code`/`pass_code` with one authenticated GET. `Ok(Some(..))`: accepted, and
    /// the server told its expiry settings; `Ok(None)`: accepted, no expiry resource. A rejected
    /// token is [`Error::WrongPassword`] (401), an expired one [`Error::TokenExpired`].
    pub fn check_token(
        &self,
        family: Family,
        name_code: &str,
        pass_code: &Secret<String>,
    ) -> Result<Option<TokenAttributes>, Error> {
        if family == Family::Nexus3 {
            return self.token_attributes(name_code, pass_code);
        }
        let path = if family.is_nexus2() {
            "service/local/status"
        } else {
            "service/rest/v1/status"
        };
        let url = self.url(path)?;
        let reply = self.send(
            Method::GET,
            url,
            Some((name_code, pass_code)),
            None,
            None,
            None,
        )?;
        if ((200..300).contains(&reply.status) || reply.status == 404) && !reply.is_html() {
            return Ok(None);
        }
        Err(self.classify(Step::Attributes, &reply, name_code))
    }
}
