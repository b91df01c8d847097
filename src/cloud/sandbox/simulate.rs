//! What the simulated agents report: command output, inventory (patch state: `patching`).

use jiff::Timestamp;

use super::scenario::mix;
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
                entry(&[
                    ("Name", (*n).to_string()),
                    ("Version", (*v).to_string()),
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
            (
                "ComputerName",
                format!(
                    "ip-{}.{region}.compute.internal",
                    inst.instance
                        .private_ip
                        .clone()
                        .unwrap_or_default()
                        .replace('.', "-")
                ),
            ),
        ])],
        _ => Vec::new(),
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
    let host = format!(
        "ip-{}.{region}.compute.internal",
        inst.instance
            .private_ip
            .clone()
            .unwrap_or_default()
            .replace('.', "-")
    );
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

/// Run Command runs as root.
pub const ROOT: &str = "root";
/// Session Manager's shells run as this user.
pub const SESSION_USER: &str = "ssm-user";

/// A line of commands joined by `;`, `&&` and `||` (quotes respected), run by `user` as
/// `sh` would: `a && b` runs b only when a succeeded, `a || b` only when it failed.
pub fn run_list(host: &str, user: &str, line: &str) -> Ran {
    let mut all = Ran::default();
    let mut next_runs = true;
    for (command, joiner) in split_list(line) {
        if next_runs {
            let ran = run_line(host, user, &command);
            all.stdout.push_str(&ran.stdout);
            all.stderr.push_str(&ran.stderr);
            all.code = ran.code;
            if ran.exit && command.trim_start().starts_with("exit") {
                all.exit = true;
                return all;
            }
        }
        // A skipped command leaves the status of the last one that ran.
        next_runs = match joiner {
            Joiner::And => all.code == 0,
            Joiner::Or => all.code != 0,
            Joiner::Then => true,
        };
    }
    all
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Joiner {
    Then,
    And,
    Or,
}

/// `a; b && c || d` → the commands with what joins each to the next.
fn split_list(line: &str) -> Vec<(String, Joiner)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('"' | '\'', None) => {
                quote = Some(c);
                current.push(c);
            }
            (q, Some(open)) if q == open => {
                quote = None;
                current.push(c);
            }
            (';', None) => out.push((std::mem::take(&mut current), Joiner::Then)),
            ('&', None) if chars.peek() == Some(&'&') => {
                chars.next();
                out.push((std::mem::take(&mut current), Joiner::And));
            }
            ('|', None) if chars.peek() == Some(&'|') => {
                chars.next();
                out.push((std::mem::take(&mut current), Joiner::Or));
            }
            _ => current.push(c),
        }
    }
    out.push((current, Joiner::Then));
    out
}

/// One command of the simulated shell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
    /// The line ended the script (`exit`).
    pub exit: bool,
}

/// The commands operators type first, answered as an Amazon Linux 2023 instance named
/// `host` would to `user`; anything else is "command not found" (nothing is run).
pub fn run_line(host: &str, user: &str, line: &str) -> Ran {
    let home = if user == ROOT {
        "/root".to_string()
    } else {
        format!("/home/{user}")
    };
    let line = line
        .trim()
        .replace("${HOME}", &home)
        .replace("$HOME", &home)
        .replace("${USER}", user)
        .replace("$USER", user);
    let line = line.as_str();
    let word = line.split_whitespace().next().unwrap_or("");
    let rest = line.get(word.len()..).unwrap_or("").trim();
    let out = |s: String| Ran {
        stdout: s,
        ..Ran::default()
    };
    match word {
        "" | "true" => Ran::default(),
        "hostname" => out(format!("{host}\n")),
        "uname" => out(format!(
            "Linux {host} 6.1.112-122.189.amzn2023.x86_64 #1 SMP x86_64 GNU/Linux\n"
        )),
        "uptime" => out(" 10:42:01 up 42 min,  0 users,  load average: 0.00, 0.01, 0.00\n".into()),
        "whoami" => out(format!("{user}\n")),
        "id" => {
            let uid = if user == ROOT { 0 } else { 1001 };
            out(format!(
                "uid={uid}({user}) gid={uid}({user}) groups={uid}({user})\n"
            ))
        }
        "echo" => out(format!("{}\n", rest.trim_matches('"'))),
        // `seq N`, `seq FIRST LAST`: long output on demand (at most 200,000 lines).
        "seq" => {
            let n: Vec<i64> = rest.split_whitespace().filter_map(|w| w.parse().ok()).collect();
            let (first, last) = match n.as_slice() {
                [last] => (1, *last),
                [first, last] => (*first, *last),
                _ => {
                    return Ran {
                        stderr: "seq: missing operand\n".into(),
                        code: 1,
                        ..Ran::default()
                    };
                }
            };
            let last = last.min(first.saturating_add(199_999));
            out((first..=last).map(|i| format!("{i}\n")).collect())
        }
        "cat" if line.contains("/etc/os-release") => {
            out("NAME=\"Amazon Linux\"\nVERSION=\"2023\"\nID=\"amzn\"\n".into())
        }
        "df" => out(
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1  8.0G  2.1G  5.9G  27% /\n"
                .into(),
        ),
        "systemctl" if line.contains("amazon-ssm-agent") => out(
            "● amazon-ssm-agent.service - amazon-ssm-agent\n     Active: active (running)\n".into(),
        ),
        "false" => Ran {
            code: 1,
            ..Ran::default()
        },
        "exit" => Ran {
            code: rest.parse().unwrap_or(0),
            exit: true,
            ..Ran::default()
        },
        other => Ran {
            stderr: format!("sh: line 1: {other}: command not found\n"),
            code: 127,
            ..Ran::default()
        },
    }
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
