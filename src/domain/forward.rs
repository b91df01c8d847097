//! Port forwarding through Session Manager: which node, which ports, which remote host,
//! and the document and parameters that say so.

/// One forward: `local` on this machine to `remote` on the node, or through the node to
/// `host`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardSpec {
    /// A configured forward's name (`:forward db`).
    pub name: Option<String>,
    /// An instance id, or `tag:KEY=VALUE` (the first online node carrying it).
    pub target: String,
    pub local: u16,
    pub remote: u16,
    pub host: Option<String>,
}

/// What is wrong with a written forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForwardInputError {
    /// Not `LOCAL:REMOTE` (or one port for both) with ports 1–65535.
    Ports(String),
    /// No `LOCAL:REMOTE` given.
    NoPorts,
}

pub const TO_NODE: &str = "AWS-StartPortForwardingSession";
pub const TO_REMOTE_HOST: &str = "AWS-StartPortForwardingSessionToRemoteHost";

/// `5432:5432`, or `8080` for the same port on both sides.
pub fn parse_ports(text: &str) -> Result<(u16, u16), ForwardInputError> {
    let port = |p: &str| p.trim().parse::<u16>().ok().filter(|p| *p > 0);
    let bad = || ForwardInputError::Ports(text.to_string());
    match text.split_once(':') {
        Some((l, r)) => Ok((port(l).ok_or_else(bad)?, port(r).ok_or_else(bad)?)),
        None => port(text).map(|p| (p, p)).ok_or_else(bad),
    }
}

/// The console's one-line form: `LOCAL:REMOTE [HOST]`.
pub fn parse_line(target: &str, line: &str) -> Result<ForwardSpec, ForwardInputError> {
    let mut words = line.split_whitespace();
    let (local, remote) = parse_ports(words.next().ok_or(ForwardInputError::NoPorts)?)?;
    Ok(ForwardSpec {
        name: None,
        target: target.to_string(),
        local,
        remote,
        host: words.next().map(str::to_string),
    })
}

impl ForwardSpec {
    pub fn document(&self) -> &'static str {
        match self.host {
            Some(_) => TO_REMOTE_HOST,
            None => TO_NODE,
        }
    }

    /// The document's parameters, as StartSession takes them.
    pub fn parameters(&self) -> Vec<(String, Vec<String>)> {
        let mut out = vec![
            ("portNumber".to_string(), vec![self.remote.to_string()]),
            ("localPortNumber".to_string(), vec![self.local.to_string()]),
        ];
        if let Some(h) = &self.host {
            out.push(("host".to_string(), vec![h.clone()]));
        }
        out
    }

    /// `15432 → db.internal:5432`, `8080 → 80`.
    pub fn ports_text(&self) -> String {
        match &self.host {
            Some(h) => format!("{} → {h}:{}", self.local, self.remote),
            None => format!("{} → {}", self.local, self.remote),
        }
    }
}
