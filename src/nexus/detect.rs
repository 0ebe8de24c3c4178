//! Detection of the API family and edition for `--api auto` (nexus-protocol.md section 4).
//!
//! Only anonymous probes: no credentials are ever sent here, so a non-Pro edition is reported
//! before the password leaves the machine. Common case: one request (Nexus 2 answers its status
//! JSON, Nexus 3 names itself in the `Server` header of any answer).

use reqwest::Method;

use super::client::{Client, Detection, Reply, family_of, parse_server_header};
use super::{Error, Family};

/// Runs the probes; see the module docs.
pub(crate) fn detect(client: &Client) -> Result<Detection, Error> {
    // Probe 1: the Nexus 2 status resource. Nexus 2 answers JSON with version and edition;
    // Nexus 3 answers 404 but names itself in `Server`.
    let first = probe(client, "service/local/status")?;
    if let Some(d) = from_reply(&first) {
        return Ok(d);
    }
    // Probe 2 (a proxy stripped `Server`): the Nexus 3.15+ status resource.
    let second = probe(client, "service/rest/v1/status")?;
    if let Some(d) = from_reply(&second) {
        return Ok(d);
    }
    if matches!(second.status, 200 | 503) && !second.is_html() {
        return Ok(Detection {
            family: Family::Nexus3,
            version: None,
            edition: None,
        });
    }
    for reply in [&first, &second] {
        if (300..400).contains(&reply.status) || (reply.is_html() && reply.status != 404) {
            return Err(client.classify(super::client::Step::Probe, reply, ""));
        }
    }
    Err(Error::WrongUrl {
        url: client.base_url().to_owned(),
        status: second.status,
        suggestion: find_nexus_elsewhere(client),
    })
}

fn probe(client: &Client, path: &str) -> Result<Reply, Error> {
    let url = client.url(path)?;
    client.send(Method::GET, url, None, None, None, None)
}

/// What one probe answer tells: from the `Server` header, else from Nexus 2 status JSON.
fn from_reply(reply: &Reply) -> Option<Detection> {
    let from_json = nexus2_status(reply);
    if let Some((version, edition)) = reply.server.as_deref().and_then(parse_server_header) {
        let family = family_of(&version);
        let edition = edition.or_else(|| from_json.and_then(|(_, e)| e));
        return Some(Detection {
            family,
            version: Some(version),
            edition,
        });
    }
    let (version, edition) = nexus2_status(reply)?;
    Some(Detection {
        family: family_of(&version),
        version: Some(version),
        edition,
    })
}

/// `{"data": {"version": "2.15.1-02", "editionShort": "PRO"}}` from `service/local/status`.
fn nexus2_status(reply: &Reply) -> Option<(String, Option<String>)> {
    if reply.status != 200 || reply.is_html() {
        return None;
    }
    #[derive(serde::Deserialize)]
    struct Data {
        version: String,
        #[serde(rename = "editionShort")]
        edition_short: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Status {
        data: Data,
    }
    let status: Status = serde_json::from_slice(&reply.body).ok()?;
    Some((status.data.version, status.data.edition_short))
}

/// Looks for a Nexus near the given URL: Nexus 2 under `/nexus` when the URL has no context
/// path, Nexus 3 at the root when it has one. Returns the base URL to suggest.
pub(crate) fn find_nexus_elsewhere(client: &Client) -> Option<String> {
    let (candidate, path) = if client.has_context_path() {
        (client.origin_url("")?, "service/rest/v1/status")
    } else {
        (client.url("nexus/").ok()?, "service/local/status")
    };
    let url = candidate.join(path).ok()?;
    let reply = client.send(Method::GET, url, None, None, None, None).ok()?;
    let found = if client.has_context_path() {
        // Nexus 3 at the root: it names itself in `Server`, or its status answers 200.
        from_reply(&reply).is_some() || (reply.status == 200 && !reply.is_html())
    } else {
        // Nexus 2 under `/nexus`. A Nexus 3 at the root answers there too (404 with its
        // `Server` header), which must not count; a Nexus 3 under `/nexus` is told apart by
        // its own status resource (3.15+), which a Nexus 3 at the root answers 404.
        from_reply(&reply).is_some_and(|d| d.family.is_nexus2())
            || nexus3_status_answers(client, &candidate)
    };
    found.then(|| candidate.as_str().trim_end_matches('/').to_owned())
}

/// Whether `{candidate}service/rest/v1/status` answers like a Nexus 3.15+ (200, not HTML).
fn nexus3_status_answers(client: &Client, candidate: &url::Url) -> bool {
    let Ok(url) = candidate.join("service/rest/v1/status") else {
        return false;
    };
    client
        .send(Method::GET, url, None, None, None, None)
        .is_ok_and(|reply| reply.status == 200 && !reply.is_html())
}
