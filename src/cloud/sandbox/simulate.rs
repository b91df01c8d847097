//! What the simulated agents report: command output, inventory (patch state: `patching`).

use super::scenario::mix;
use super::shell::{ROOT, run_list};
use super::world::SimInstance;
use crate::domain::model::InventoryEntry;

pub(super) fn seed(id: &str) -> u64 {
    id.bytes().fold(0u64, |acc, b| mix(acc ^ u64::from(b)))
}

const WINDOWS_APPS: [(&str, &str, &str); 6] = [
    ("Amazon SSM Agent", "3.3.1957.0", "Amazon Web Services"),
    ("Microsoft Edge", "131.0.2903.70", "Microsoft Corporation"),
    ("PowerShell 7-x64", "7.4.6.0", "Microsoft Corporation"),
    (
        "Microsoft Visual C++ 2022 X64 Minimum Runtime",
        "14.40.33810",
        "Microsoft Corporation",
    ),
    (
        "AWS Tools for Windows",
        "4.1.693",
        "Amazon Web Services Developer Relations",
    ),
    (
        "Microsoft .NET Runtime - 8.0.11 (x64)",
        "8.0.11",
        "Microsoft Corporation",
    ),
];

const UBUNTU_APPS: [(&str, &str, &str); 7] = [
    ("amazon-ssm-agent", "3.3.1957.0", "Amazon.com"),
    ("bash", "5.1-6ubuntu1.1", "Ubuntu Developers"),
    ("openssl", "3.0.2-0ubuntu1.18", "Ubuntu Developers"),
    ("curl", "7.81.0-1ubuntu1.18", "Ubuntu Developers"),
    ("python3", "3.10.6-1~22.04.1", "Ubuntu Developers"),
    ("systemd", "249.11-0ubuntu3.12", "Ubuntu Developers"),
    ("nginx", "1.18.0-6ubuntu14.5", "Ubuntu Developers"),
];

pub fn apps_of(inst: &SimInstance) -> &'static [(&'static str, &'static str, &'static str)] {
    if inst.instance.is_windows() {
        &WINDOWS_APPS
    } else if inst.platform_name == "Ubuntu" {
        &UBUNTU_APPS
    } else {
        &APPS
    }
}

const APPS: [(&str, &str, &str); 8] = [
    ("amazon-ssm-agent", "3.3.1802.0-1", "Amazon.com"),
    ("bash", "5.2.15-1.amzn2023", "Amazon Linux"),
    ("curl-minimal", "8.5.0-1.amzn2023", "Amazon Linux"),
    ("openssl-libs", "3.0.8-1.amzn2023", "Amazon Linux"),
    ("python3", "3.9.16-1.amzn2023", "Amazon Linux"),
    ("systemd", "252.16-1.amzn2023", "Amazon Linux"),
    ("httpd", "2.4.58-1.amzn2023", "Amazon Linux"),
    ("chrony", "4.3-1.amzn2023", "Amazon Linux"),
];

pub fn inventory(inst: &SimInstance, type_name: &str, region: &str) -> Vec<InventoryEntry> {
    let entry = |pairs: &[(&str, String)]| -> InventoryEntry {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), v.clone()))
            .collect()
    };
    match type_name {
        "AWS:Application" => apps_of(inst)
            .iter()
            .map(|(n, v, p)| {
                let version = match inst.agent_version.as_deref() {
                    Some(agent) if n.contains("SSM Agent") || *n == "amazon-ssm-agent" => {
                        agent.to_string()
                    }
                    _ => (*v).to_string(),
                };
                entry(&[
                    ("Name", (*n).to_string()),
                    ("Version", version),
                    ("Publisher", (*p).to_string()),
                ])
            })
            .collect(),
        "AWS:Network" => vec![entry(&[
            ("Name", "ens5".into()),
            ("IPV4", inst.instance.private_ip.clone().unwrap_or_default()),
            (
                "MacAddress",
                format!("02:{:02x}:5e:00:53:01", seed(&inst.instance.id) % 256),
            ),
            ("DHCPServer", "10.0.0.1".into()),
        ])],
        "AWS:InstanceInformation" => vec![entry(&[
            ("InstanceId", inst.instance.id.clone()),
            (
                "AgentVersion",
                inst.agent_version.clone().unwrap_or_default(),
            ),
            ("PlatformName", inst.platform_name.clone()),
            ("PlatformVersion", inst.platform_version.clone()),
            (
                "IpAddress",
                inst.instance.private_ip.clone().unwrap_or_default(),
            ),
            ("ComputerName", host_name(inst, region)),
        ])],
        _ => Vec::new(),
    }
}

/// The host's name: an EC2 instance's private DNS name, a hybrid server's own.
pub fn host_name(inst: &SimInstance, region: &str) -> String {
    match &inst.instance.name {
        Some(name) if inst.instance.id.starts_with("mi-") => format!("{name}.corp.example"),
        _ => format!(
            "ip-{}.{region}.compute.internal",
            inst.instance
                .private_ip
                .clone()
                .unwrap_or_default()
                .replace('.', "-")
        ),
    }
}

/// Output of AWS-RunShellScript for the few commands operators type first.
pub fn shell_output(
    inst: &SimInstance,
    commands: &[String],
    region: &str,
) -> (String, String, i32) {
    if inst.fails_commands {
        return (
            String::new(),
            "/var/lib/amazon/ssm/i-broken/document/orchestration/awsrunShellScript/0.awsrunShellScript/_script.sh: line 1: /tmp: Read-only file system\nfailed to run commands: exit status 1\n".into(),
            1,
        );
    }
    let host = host_name(inst, region);
    let mut out = String::new();
    let mut err = String::new();
    let mut code = 0;
    for line in commands.iter().flat_map(|c| c.lines()) {
        let ran = run_list(&host, ROOT, line);
        out.push_str(&ran.stdout);
        err.push_str(&ran.stderr);
        code = ran.code;
        if ran.exit {
            break;
        }
    }
    (out, err, code)
}

/// What AWS-UpdateSSMAgent prints on a node running `current`.
pub(super) fn agent_update_output(current: Option<&str>) -> String {
    let latest = super::scenario::LATEST_AGENT;
    match current {
        Some(v) if v == latest => {
            format!("amazon-ssm-agent {latest} has already been installed, update skipped\n")
        }
        v => format!(
            "Updating amazon-ssm-agent from {} to {latest}\nSuccessfully downloaded manifest\n\
             Successfully downloaded updater version {latest}\n\
             Updating amazon-ssm-agent from {} to {latest}\n\
             amazon-ssm-agent updated successfully to {latest}\n",
            v.unwrap_or("?"),
            v.unwrap_or("?")
        ),
    }
}
