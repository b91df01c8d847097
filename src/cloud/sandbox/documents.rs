//! The Command documents of the simulated account: Amazon's that operators use most, with
//! their parameters, and one of the account's own.

use crate::cloud::{CloudError, CloudResult, DocumentDetail, DocumentInfo, DocumentParameter};

/// Name, type, description, default (`None`: required), allowed values.
type Param = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

struct Doc {
    name: &'static str,
    owner: &'static str,
    platforms: &'static [&'static str],
    description: &'static str,
    parameters: &'static [Param],
}

const LINUX: &[&str] = &["Linux"];
const WINDOWS: &[&str] = &["Windows"];
const BOTH: &[&str] = &["Windows", "Linux", "MacOS"];

const DOCS: &[Doc] = &[
    Doc {
        name: "AWS-RunShellScript",
        owner: "Amazon",
        platforms: LINUX,
        description: "Run a shell script or specify the commands to run.",
        parameters: &[
            (
                "commands",
                "StringList",
                "Specify a shell script or a command to run.",
                None,
                &[],
            ),
            (
                "workingDirectory",
                "String",
                "(Optional) The path to the working directory on your instance.",
                Some(""),
                &[],
            ),
            (
                "executionTimeout",
                "String",
                "(Optional) The time in seconds for a command to complete before it is considered to have failed.",
                Some("3600"),
                &[],
            ),
        ],
    },
    Doc {
        name: "AWS-RunPowerShellScript",
        owner: "Amazon",
        platforms: WINDOWS,
        description: "Run a PowerShell script or specify the paths to scripts to run.",
        parameters: &[
            (
                "commands",
                "StringList",
                "(Required) Specify the commands to run or the paths to existing scripts on the instance.",
                None,
                &[],
            ),
            (
                "workingDirectory",
                "String",
                "(Optional) The path to the working directory on your instance.",
                Some(""),
                &[],
            ),
            (
                "executionTimeout",
                "String",
                "(Optional) The time in seconds for a command to be completed before it is considered to have failed.",
                Some("3600"),
                &[],
            ),
        ],
    },
    Doc {
        name: "AWS-RunPatchBaseline",
        owner: "Amazon",
        platforms: BOTH,
        description: "Scan for or install patches from a patch baseline to a Linux or Windows operating system.",
        parameters: &[
            (
                "Operation",
                "String",
                "(Required) The update or configuration to perform on the instance.",
                None,
                &["Scan", "Install"],
            ),
            (
                "RebootOption",
                "String",
                "(Optional) Reboot behavior after a patch Install operation.",
                Some("RebootIfNeeded"),
                &["RebootIfNeeded", "NoReboot"],
            ),
            (
                "SnapshotId",
                "String",
                "(Optional) The snapshot ID to use to retrieve a patch baseline snapshot.",
                Some(""),
                &[],
            ),
        ],
    },
    Doc {
        name: "AWS-UpdateSSMAgent",
        owner: "Amazon",
        platforms: BOTH,
        description: "Update the Amazon SSM Agent to the specified version or the latest version.",
        parameters: &[
            (
                "version",
                "String",
                "(Optional) A specific version of the Amazon SSM Agent to install.",
                Some(""),
                &[],
            ),
            (
                "allowDowngrade",
                "String",
                "(Optional) Allow the Amazon SSM Agent service to be downgraded to an earlier version.",
                Some("false"),
                &["true", "false"],
            ),
        ],
    },
    Doc {
        name: "AWS-ConfigureAWSPackage",
        owner: "Amazon",
        platforms: BOTH,
        description: "Install or uninstall a Distributor package.",
        parameters: &[
            (
                "action",
                "String",
                "(Required) Specify whether or not to install or uninstall the package.",
                None,
                &["Install", "Uninstall"],
            ),
            (
                "name",
                "String",
                "(Required) The package to install/uninstall.",
                None,
                &[],
            ),
            (
                "version",
                "String",
                "(Optional) The version of the package to install or uninstall.",
                Some(""),
                &[],
            ),
        ],
    },
    Doc {
        name: "Ops-RestartWebServer",
        owner: "123456789012",
        platforms: LINUX,
        description: "Restart the web server and show its status.",
        parameters: &[(
            "service",
            "String",
            "The service to restart.",
            Some("nginx"),
            &["nginx", "httpd"],
        )],
    },
];

pub(super) fn list() -> Vec<DocumentInfo> {
    DOCS.iter()
        .map(|d| DocumentInfo {
            name: d.name.to_string(),
            owner: d.owner.to_string(),
            platforms: d.platforms.iter().map(|p| p.to_string()).collect(),
        })
        .collect()
}

pub(super) fn describe(name: &str) -> CloudResult<DocumentDetail> {
    let d = DOCS
        .iter()
        .find(|d| d.name == name)
        .ok_or_else(|| CloudError::NotFound(format!("InvalidDocument: {name}")))?;
    Ok(DocumentDetail {
        name: d.name.to_string(),
        description: d.description.to_string(),
        parameters: d
            .parameters
            .iter()
            .map(|(n, k, desc, default, allowed)| DocumentParameter {
                name: n.to_string(),
                kind: k.to_string(),
                description: desc.to_string(),
                default: default.map(str::to_string),
                allowed: allowed.iter().map(|a| a.to_string()).collect(),
            })
            .collect(),
    })
}
