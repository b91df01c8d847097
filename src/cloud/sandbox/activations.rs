//! Hybrid activations in the simulated account: created, listed, deleted; a while after
//! one is created a simulated server registers with it.

use jiff::Timestamp;

use super::world::World;
use crate::cloud::{CloudError, CloudResult};
use crate::domain::model::{
    Activation, ActivationRequest, CreatedActivation, ManagedNode, NodeKind, PingStatus,
    SSM_SERVICE_PRINCIPAL,
};

#[derive(Debug, Clone)]
pub struct SimActivation {
    pub activation: Activation,
    /// Registrations still to come, at these times (one simulated server each).
    pub arrivals: Vec<Timestamp>,
}

pub(super) fn create(
    w: &mut World,
    now: Timestamp,
    request: &ActivationRequest,
) -> CloudResult<CreatedActivation> {
    let role_name = request
        .iam_role
        .rsplit('/')
        .next()
        .unwrap_or(&request.iam_role);
    let trusted = w
        .roles
        .iter()
        .find(|r| r.name == role_name)
        .is_some_and(|r| {
            r.trusted_services
                .iter()
                .any(|s| s == SSM_SERVICE_PRINCIPAL)
        });
    if !trusted {
        return Err(CloudError::Invalid(format!(
            "InvalidParameters: Nonexistent role or missing ssm service principal in trust policy: {}",
            request.iam_role
        )));
    }
    if request.expiration_date <= now {
        return Err(CloudError::Invalid(
            "ValidationException: the expiration date is in the past".into(),
        ));
    }
    let id = uuid_like(&w.new_id("act"));
    let code = code_of(&w.new_id("code"));
    w.activations.push(SimActivation {
        activation: Activation {
            id: id.clone(),
            description: request.description.clone(),
            default_instance_name: request.default_instance_name.clone(),
            iam_role: role_name.to_string(),
            registration_limit: request.registration_limit,
            registrations_count: 0,
            expiration_date: Some(request.expiration_date),
            expired: false,
            created: Some(now),
        },
        // One server registers after the delay; a larger limit stays open for more.
        arrivals: vec![now + w.timing.hybrid_registration],
    });
    Ok(CreatedActivation { id, code })
}

pub(super) fn describe(w: &World, now: Timestamp) -> Vec<Activation> {
    w.activations
        .iter()
        .map(|a| Activation {
            expired: a.activation.is_expired(now),
            ..a.activation.clone()
        })
        .collect()
}

pub(super) fn delete(w: &mut World, id: &str) -> CloudResult<()> {
    let before = w.activations.len();
    w.activations.retain(|a| a.activation.id != id);
    if w.activations.len() == before {
        return Err(CloudError::NotFound(format!(
            "InvalidActivation: activation {id} does not exist"
        )));
    }
    Ok(())
}

/// Servers whose registration time has come register: an `mi-…` node each, online, with
/// the activation's id and role, while the activation is unexpired and has room.
pub(super) fn register_due(w: &mut World, now: Timestamp) {
    let mut arrived = Vec::new();
    for a in &mut w.activations {
        let due: Vec<Timestamp> = a.arrivals.iter().copied().filter(|t| *t <= now).collect();
        a.arrivals.retain(|t| *t > now);
        for at in due {
            if a.activation.is_expired(at) || a.activation.is_full() {
                continue;
            }
            a.activation.registrations_count += 1;
            arrived.push((a.activation.clone(), at));
        }
    }
    for (activation, at) in arrived {
        let n = w.registered_servers.len() + 1;
        let id = w.new_id("mi");
        let name = activation
            .default_instance_name
            .clone()
            .unwrap_or_else(|| format!("onprem-server-{n}"));
        w.registered_servers.push(ManagedNode {
            instance_id: id,
            kind: NodeKind::Hybrid,
            name: Some(name.clone()),
            activation_id: Some(activation.id.clone()),
            registered: Some(at),
            source_id: None,
            source_type: None,
            ping: PingStatus::Online,
            last_ping: Some(at),
            agent_version: Some(super::scenario::LATEST_AGENT.to_string()),
            is_latest_version: Some(true),
            platform_type: Some("Linux".into()),
            platform_name: Some("Ubuntu".into()),
            platform_version: Some("22.04".into()),
            ip_address: Some(format!("192.168.10.{}", 10 + n % 240)),
            computer_name: Some(name),
            iam_role: Some(activation.iam_role.clone()),
        });
    }
}

/// The registered servers as the node list shows them at `now` (an online agent pings
/// every few seconds).
pub(super) fn hybrid_node_views(
    w: &World,
    now: Timestamp,
) -> impl Iterator<Item = ManagedNode> + '_ {
    w.registered_servers.iter().map(move |n| ManagedNode {
        last_ping: n
            .registered
            .map(|at| super::world::last_heartbeat(at, now))
            .or(Some(now)),
        ..n.clone()
    })
}

/// `act-0123…` → `01234567-89ab-cdef-0123-456789abcdef` (an activation id is a UUID).
fn uuid_like(seed: &str) -> String {
    let hex: String = seed
        .chars()
        .filter(char::is_ascii_hexdigit)
        .cycle()
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// A 20-character code as AWS gives them (letters and digits).
fn code_of(seed: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut x = seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (0..20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(ALPHABET[(x % ALPHABET.len() as u64) as usize])
        })
        .collect()
}
