//! Session Manager shell: the `aws ssm start-session` command line and its prerequisites.

/// Where the session goes and with which credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTarget {
    pub instance_id: String,
    pub profile: Option<String>,
    pub region: Option<String>,
}

/// `aws ssm start-session --target ID [--region R] [--profile P]`.
pub fn session_command(target: &SessionTarget) -> Vec<String> {
    let mut cmd: Vec<String> = ["aws", "ssm", "start-session", "--target"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cmd.push(target.instance_id.clone());
    if let Some(r) = &target.region {
        cmd.push("--region".into());
        cmd.push(r.clone());
    }
    if let Some(p) = &target.profile {
        cmd.push("--profile".into());
        cmd.push(p.clone());
    }
    cmd
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(program);
            p.is_file()
        })
    })
}

/// What is missing to open a session, with how to install it; `None` when all is there.
pub fn missing_prerequisite() -> Option<String> {
    if !on_path("aws") {
        return Some("the AWS CLI is not installed: `pip install awscli` (or see the AWS CLI install guide), then press S again".into());
    }
    if !on_path("session-manager-plugin") {
        return Some("the Session Manager plugin is not installed: install `session-manager-plugin` (AWS provides .deb, .rpm and macOS packages), then press S again".into());
    }
    None
}
