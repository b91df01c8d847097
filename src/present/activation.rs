//! Hybrid activations in words: the plan of `activate`, the install commands a server
//! runs with the id and code, an activation's registrations and expiry.

use jiff::Timestamp;

use crate::domain::model::{Activation, CORE_POLICY_ARN, SSM_SERVICE_PRINCIPAL};
use crate::engine::activation::{ActivationPlan, RoleState};
use crate::i18n::{Lang, t, tf};

/// A time as the CLI prints it: `2026-12-01 06:00 UTC`.
pub fn utc_minute(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The writes of the plan, one line each, numbered as they are made; a role Systems
/// Manager cannot assume is said instead of its writes.
pub fn activation_plan_lines(plan: &ActivationPlan, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    if plan.role_state == RoleState::NotTrusted {
        lines.push(tf(
            lang,
            "activate.role_not_trusted",
            &[("role", &plan.role), ("service", SSM_SERVICE_PRINCIPAL)],
        ));
        return lines;
    }
    if plan.creates_role() {
        lines.push(format!(
            "iam:CreateRole {} ({})",
            plan.role,
            tf(
                lang,
                "activate.trusts",
                &[("service", SSM_SERVICE_PRINCIPAL)]
            )
        ));
    }
    if plan.attaches_policy() {
        let policy = CORE_POLICY_ARN
            .rsplit('/')
            .next()
            .unwrap_or(CORE_POLICY_ARN);
        lines.push(format!("iam:AttachRolePolicy {} {policy}", plan.role));
    }
    lines.push(format!(
        "ssm:CreateActivation {}",
        tf(
            lang,
            "activate.request",
            &[
                ("role", &plan.request.iam_role),
                ("limit", &plan.request.registration_limit.to_string()),
                ("expires", &utc_minute(plan.request.expiration_date)),
            ]
        )
    ));
    lines
}

/// What the role is, in one line (for the confirmation).
pub fn role_state_text(plan: &ActivationPlan, lang: Lang) -> String {
    let key = match plan.role_state {
        RoleState::Ready => "activate.role.ready",
        RoleState::Missing => "activate.role.missing",
        RoleState::PolicyMissing => "activate.role.policy_missing",
        RoleState::NotTrusted => "activate.role.not_trusted",
    };
    tf(lang, key, &[("role", &plan.role)])
}

/// The commands that install the agent and register a server with this activation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InstallCommands {
    /// ssm-setup-cli: downloads, installs and registers the agent.
    pub linux: Vec<String>,
    /// With the agent already installed.
    pub linux_agent_installed: Vec<String>,
    /// PowerShell, as Administrator.
    pub windows: Vec<String>,
}

pub fn install_commands(id: &str, code: &str, region: &str) -> InstallCommands {
    let bucket = format!("https://amazon-ssm-{region}.s3.{region}.amazonaws.com/latest");
    InstallCommands {
        linux: vec![
            "sudo mkdir -p /tmp/ssm".into(),
            format!("sudo curl {bucket}/linux_amd64/ssm-setup-cli -o /tmp/ssm/ssm-setup-cli"),
            "sudo chmod +x /tmp/ssm/ssm-setup-cli".into(),
            format!(
                "sudo /tmp/ssm/ssm-setup-cli -register -activation-code \"{code}\" -activation-id \"{id}\" -region \"{region}\""
            ),
        ],
        linux_agent_installed: vec![
            "sudo systemctl stop amazon-ssm-agent".into(),
            format!(
                "sudo amazon-ssm-agent -register -code \"{code}\" -id \"{id}\" -region \"{region}\""
            ),
            "sudo systemctl start amazon-ssm-agent".into(),
        ],
        windows: vec![
            format!("$code = \"{code}\""),
            format!("$id = \"{id}\""),
            format!("$region = \"{region}\""),
            "$dir = $env:TEMP + \"\\ssm\"".into(),
            "New-Item -ItemType directory -Path $dir -Force; cd $dir".into(),
            "(New-Object System.Net.WebClient).DownloadFile(\"https://amazon-ssm-$region.s3.$region.amazonaws.com/latest/windows_amd64/AmazonSSMAgentSetup.exe\", $dir + \"\\AmazonSSMAgentSetup.exe\")".into(),
            "Start-Process .\\AmazonSSMAgentSetup.exe -ArgumentList @(\"/q\", \"/log\", \"install.log\", \"CODE=$code\", \"ID=$id\", \"REGION=$region\") -Wait".into(),
            "Get-Service -Name \"AmazonSSMAgent\"".into(),
        ],
    }
}

/// The id and code, then the install commands: the text shown once after a create.
pub fn created_text(id: &str, code: &str, region: &str, lang: Lang) -> String {
    let commands = install_commands(id, code, region);
    let mut out = String::new();
    out.push_str(&t(lang, "activate.created"));
    out.push('\n');
    out.push_str(&format!("  {}: {id}\n", t(lang, "activate.id")));
    out.push_str(&format!("  {}: {code}\n", t(lang, "activate.code")));
    out.push_str(&t(lang, "activate.code_once"));
    out.push_str("\n\n");
    out.push_str(&t(lang, "activate.install.linux"));
    out.push('\n');
    for line in &commands.linux {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
    out.push_str(&t(lang, "activate.install.linux_installed"));
    out.push('\n');
    for line in &commands.linux_agent_installed {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
    out.push_str(&t(lang, "activate.install.windows"));
    out.push('\n');
    for line in &commands.windows {
        out.push_str(&format!("  {line}\n"));
    }
    out.push('\n');
    out.push_str(&t(lang, "activate.install.after"));
    out.push('\n');
    out
}

/// `3/10`: registrations of the limit.
pub fn registrations_text(a: &Activation) -> String {
    format!("{}/{}", a.registrations_count, a.registration_limit)
}

/// The expiry, or that it has passed.
pub fn expiry_text(a: &Activation, now: Timestamp, lang: Lang) -> String {
    let at = a
        .expiration_date
        .map(utc_minute)
        .unwrap_or_else(|| "-".into());
    if a.is_expired(now) {
        tf(lang, "activate.expired", &[("at", &at)])
    } else {
        at
    }
}
