//! Detection of the API family and edition for `--api auto` (nexus-protocol.md section 4).
//!
//! Only anonymous probes: no credentials are ever sent here, so a non-Pro edition is reported
//! before the password leaves the machine. Common case: one request (Nexus 2 answers its status
//! JSON, Nexus 3 names itself in the `Server` header of any answer).

use reqwest::Method;

use super::client::{Client, Detection, Reply, family_of, parse_server_header};
use super::{Error, Family};

/// The anonymous probes, in order: the Nexus 2 status resource (Nexus 3 answers it 404 but names
/// itself in `Server`), then the Nexus 3.15+ status resource (for a proxy that strips `Server`).
const PROBES: [&str; 2] = ["service/local/status", "service/rest/v1/status"];

/// What the probe answers so far tell. Pure: the decision rules of detection, apart from HTTP.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The family (and version and edition, when told).
    Found(Detection),
    /// Not decided yet: send the next probe.
    AskNext,
    /// This answer (by index) is something else than Nexus (a redirect, a login page).
    Unexpected(usize),
    /// No Nexus at this URL; the status of the last probe.
    NotFound(u16),
}

/// Classifies the answers to the first probes (see [`PROBES`]).
pub(crate) fn classify(replies: &[Reply]) -> Verdict {
    if let Some(d) = replies.iter().find_map(from_reply) {
        return Verdict::Found(d);
    }
    if replies.len() < PROBES.len() {
        return Verdict::AskNext;
    }
    let last = &replies[replies.len() - 1];
    if matches!(last.status, 200 | 503) && !last.is_html() {
        return Verdict::Found(Detection {
            family: Family::Nexus3,
            version: None,
            edition: None,
        });
    }
    if let Some(i) = replies
        .iter()
        .position(|r| (300..400).contains(&r.status) || (r.is_html() && r.status != 404))
    {
        return Verdict::Unexpected(i);
    }
    Verdict::NotFound(last.status)
}

/// Runs the probes until [`classify`] decides; see the module docs.
pub(crate) fn detect(client: &Client) -> Result<Detection, Error> {
    let mut replies: Vec<Reply> = Vec::with_capacity(PROBES.len());
    loop {
        match classify(&replies) {
            Verdict::Found(d) => return Ok(d),
            Verdict::AskNext => replies.push(probe(client, PROBES[replies.len()])?),
            Verdict::Unexpected(i) => {
                return Err(client.classify(super::client::Step::Probe, &replies[i], ""));
            }
            Verdict::NotFound(status) => {
                return Err(Error::WrongUrl {
                    url: client.base_url().to_owned(),
                    status,
                    suggestion: find_nexus_elsewhere(client),
                });
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, server: Option<&str>, content_type: &str, body: &str) -> Reply {
        Reply {
            status,
            server: server.map(str::to_owned),
            content_type: Some(content_type.to_owned()),
            location: None,
            body: zeroize::Zeroizing::new(body.as_bytes().to_vec()),
            url: "http://nexus.example/service/local/status".to_owned(),
        }
    }

    #[test]
    fn one_answer_decides_when_it_names_the_server() {
        let nexus3 = reply(404, Some("Nexus/3.70.1-02 (PRO)"), "text/plain", "");
        match classify(&[nexus3]) {
            Verdict::Found(d) => {
                assert_eq!(d.family, Family::Nexus3, "3.70 speaks the 3.24+ API");
                assert_eq!(d.edition.as_deref(), Some("PRO"));
            }
            other => panic!("a Server header decides at once: {other:?}"),
        }
        let nexus2 = reply(
            200,
            None,
            "application/json",
            r#"{"data":{"version":"2.15.1-02","editionShort":"PRO"}}"#,
        );
        assert!(
            matches!(classify(&[nexus2]), Verdict::Found(d) if d.family == Family::Nexus2),
            "Nexus 2 status JSON decides at once"
        );
    }

    #[test]
    fn a_stripped_server_header_needs_the_second_probe() {
        let first = reply(404, None, "text/plain", "");
        assert!(matches!(
            classify(std::slice::from_ref(&first)),
            Verdict::AskNext
        ));
        let second = reply(200, None, "application/json", "{}");
        assert!(
            matches!(classify(&[first, second]), Verdict::Found(d) if d.family == Family::Nexus3 && d.version.is_none()),
            "the 3.15+ status resource answering 200 means Nexus 3"
        );
    }

    #[test]
    fn login_pages_and_redirects_are_not_nexus_and_404s_are_the_wrong_url() {
        let html = reply(
            200,
            None,
            "text/html; charset=utf-8",
            "<html>sign in</html>",
        );
        let missing = reply(404, None, "text/plain", "");
        assert!(
            matches!(
                classify(&[html, missing.clone_for_test()]),
                Verdict::Unexpected(0)
            ),
            "a login page is reported as such"
        );
        assert!(
            matches!(
                classify(&[missing.clone_for_test(), missing]),
                Verdict::NotFound(404)
            ),
            "two 404s: no Nexus at this URL"
        );
    }

    impl Reply {
        fn clone_for_test(&self) -> Reply {
            Reply {
                status: self.status,
                server: self.server.clone(),
                content_type: self.content_type.clone(),
                location: self.location.clone(),
                body: self.body.clone(),
                url: self.url.clone(),
            }
        }
    }
}
