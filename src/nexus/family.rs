//! The five user-token API families, their paths and how each carries the ticket
//! (docs/nexus-protocol.md section 1). Pure data: no I/O.

use std::fmt;
use std::str::FromStr;

/// A user-token API family (our names, see docs/nexus-protocol.md).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
pub enum Family {
    /// Nexus 2.0-2.6: `/service/local/usertoken/...`, header `X-NX-UserToken-AuthTicket`.
    #[serde(rename = "nexus2-legacy")]
    #[value(name = "nexus2-legacy")]
    Nexus2Legacy,
    /// Nexus 2.7-2.15: `/service/siesta/...`, header `X-NX-AuthTicket`.
    #[serde(rename = "nexus2")]
    #[value(name = "nexus2")]
    Nexus2,
    /// Nexus 3.0-3.7: `/service/siesta/...`, header `X-NX-AuthTicket`.
    #[serde(rename = "nexus3-siesta")]
    #[value(name = "nexus3-siesta")]
    Nexus3Siesta,
    /// Nexus 3.8-3.23: `/service/rest/...`, header `X-NX-AuthTicket`.
    #[serde(rename = "nexus3-rest")]
    #[value(name = "nexus3-rest")]
    Nexus3Rest,
    /// Nexus 3.24+: `/service/rest/internal/current-user/user-token?authToken=<base64 ticket>`.
    #[serde(rename = "nexus3")]
    #[value(name = "nexus3")]
    Nexus3,
}

/// How the ticket travels in step 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketCarrier {
    /// The raw ticket in this request header.
    Header(&'static str),
    /// Base64 of the ticket, percent-encoded, in the `authToken` query parameter.
    AuthTokenQuery,
}

impl Family {
    /// All families, oldest first.
    pub const ALL: [Family; 5] = [
        Family::Nexus2Legacy,
        Family::Nexus2,
        Family::Nexus3Siesta,
        Family::Nexus3Rest,
        Family::Nexus3,
    ];

    /// Our name for the family, as accepted by `--api`.
    pub fn name(self) -> &'static str {
        match self {
            Family::Nexus2Legacy => "nexus2-legacy",
            Family::Nexus2 => "nexus2",
            Family::Nexus3Siesta => "nexus3-siesta",
            Family::Nexus3Rest => "nexus3-rest",
            Family::Nexus3 => "nexus3",
        }
    }

    /// Whether this is a Nexus 2 family.
    pub fn is_nexus2(self) -> bool {
        matches!(self, Family::Nexus2Legacy | Family::Nexus2)
    }

    /// Step 1: the path of the authenticate resource, relative to the base URL.
    pub fn authenticate_path(self) -> &'static str {
        match self {
            Family::Nexus2Legacy => "service/local/usertoken/authenticate",
            Family::Nexus2 | Family::Nexus3Siesta => "service/siesta/wonderland/authenticate",
            Family::Nexus3Rest | Family::Nexus3 => "service/rest/wonderland/authenticate",
        }
    }

    /// Step 2: the path of the current user's token, relative to the base URL.
    pub fn token_path(self) -> &'static str {
        match self {
            Family::Nexus2Legacy => "service/local/usertoken/current",
            Family::Nexus2 | Family::Nexus3Siesta => "service/siesta/usertoken/current",
            Family::Nexus3Rest => "service/rest/usertoken/current",
            Family::Nexus3 => "service/rest/internal/current-user/user-token",
        }
    }

    /// How step 2 carries the ticket.
    pub fn ticket_carrier(self) -> TicketCarrier {
        match self {
            Family::Nexus2Legacy => TicketCarrier::Header("X-NX-UserToken-AuthTicket"),
            Family::Nexus2 | Family::Nexus3Siesta | Family::Nexus3Rest => {
                TicketCarrier::Header("X-NX-AuthTicket")
            }
            Family::Nexus3 => TicketCarrier::AuthTokenQuery,
        }
    }

    /// The path of the default Maven group repository on this family, relative to the base URL.
    pub fn repository_path(self) -> &'static str {
        if self.is_nexus2() {
            "content/groups/public/"
        } else {
            "repository/maven-public/"
        }
    }

    /// The family for a Nexus version string such as `2.15.1-02` or `3.77.0-08`.
    pub fn from_version(version: &str) -> Option<Family> {
        let mut parts = version
            .split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty());
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
        match (major, minor) {
            (2, 0..=6) => Some(Family::Nexus2Legacy),
            (2, _) => Some(Family::Nexus2),
            (3, 0..=7) => Some(Family::Nexus3Siesta),
            (3, 8..=23) => Some(Family::Nexus3Rest),
            (3, _) => Some(Family::Nexus3),
            _ => None,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Family {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Family::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown API family `{s}` (expected one of nexus2-legacy, nexus2, nexus3-siesta, nexus3-rest, nexus3)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_the_documented_families() {
        let cases = [
            ("2.0.0", Family::Nexus2Legacy),
            ("2.6.4-02", Family::Nexus2Legacy),
            ("2.7.0", Family::Nexus2),
            ("2.15.1-02", Family::Nexus2),
            ("3.0.0-03", Family::Nexus3Siesta),
            ("3.7.1", Family::Nexus3Siesta),
            ("3.8.0", Family::Nexus3Rest),
            ("3.23.0-03", Family::Nexus3Rest),
            ("3.24.0", Family::Nexus3),
            ("3.77.0-08", Family::Nexus3),
        ];
        for (version, family) in cases {
            assert_eq!(
                Family::from_version(version),
                Some(family),
                "version {version}"
            );
        }
        assert_eq!(Family::from_version("1.9"), None);
        assert_eq!(Family::from_version("garbage"), None);
    }

    #[test]
    fn names_round_trip() {
        for f in Family::ALL {
            assert_eq!(f.name().parse::<Family>(), Ok(f));
        }
    }

    #[test]
    fn the_command_line_the_files_and_messages_spell_families_alike() {
        use clap::ValueEnum;
        assert_eq!(
            Family::value_variants(),
            &Family::ALL[..],
            "clap offers every family"
        );
        for f in Family::ALL {
            let clap_name = f.to_possible_value().map(|v| v.get_name().to_owned());
            let serde_name = serde_json::to_value(f).ok();
            assert_eq!(
                clap_name.as_deref(),
                Some(f.name()),
                "`--api` spells {f} as its name"
            );
            assert_eq!(
                serde_name.as_ref().and_then(|v| v.as_str()),
                Some(f.name()),
                "config.toml and state.toml spell {f} as its name"
            );
        }
    }
}
