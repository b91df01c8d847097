//! The sandbox's shell: what Run Command's `AWS-RunShellScript` and a Session Manager
//! shell answer on a simulated node. It runs a documented subset ([`SUBSET`]) and says
//! plainly, as a shell error, when a line needs more: output is never made up.

/// Run Command runs as root.
pub const ROOT: &str = "root";
/// Session Manager's shells run as this user.
pub const SESSION_USER: &str = "ssm-user";

/// What the simulated shell runs; the text of its "not simulated" answers.
pub const SUBSET: &str = "echo, hostname, uname, uptime, whoami, id, seq, df, true, false, \
     exit N, cat /etc/os-release, systemctl status amazon-ssm-agent; joined by ; && ||";

/// One command of the simulated shell.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ran {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
    /// The line ended the script (`exit`).
    pub exit: bool,
}

impl Ran {
    fn out(stdout: String) -> Self {
        Self {
            stdout,
            ..Self::default()
        }
    }

    fn not_simulated(what: &str) -> Self {
        Self {
            stderr: format!(
                "sh: {what}: not simulated by the ssmdeck sandbox (it runs {SUBSET})\n"
            ),
            code: 127,
            ..Self::default()
        }
    }
}

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
            if ran.exit {
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

/// One simple command split into words, quotes removed; `Err` names the first piece of
/// shell syntax the subset does not run (a pipe, a redirection, a substitution, a
/// variable other than `$HOME` and `$USER`, an unclosed quote).
fn words(command: &str, home: &str, user: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut quote: Option<char> = None;
    let mut chars = command.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quote) {
            (q, Some(open)) if q == open => quote = None,
            ('$', Some('\'')) => word.push(c),
            ('$', _) => {
                word.push_str(&variable(&mut chars, home, user)?);
                started = true;
            }
            ('`', _) => return Err("`".into()),
            (_, Some(_)) => word.push(c),
            ('"' | '\'', None) => {
                quote = Some(c);
                started = true;
            }
            ('|' | '>' | '<' | '&' | '(' | ')' | '*' | '?', None) => return Err(c.to_string()),
            ('~', None) if !started => return Err(c.to_string()),
            ('\\', None) => {
                if let Some(next) = chars.next() {
                    word.push(next);
                    started = true;
                }
            }
            (c, None) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut word));
                }
                started = false;
            }
            _ => {
                word.push(c);
                started = true;
            }
        }
    }
    if let Some(q) = quote {
        return Err(q.to_string());
    }
    if started {
        out.push(word);
    }
    Ok(out)
}

/// `$HOME`, `${HOME}`, `$USER`, `${USER}` (after the `$`); any other expansion is `Err`.
fn variable(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    home: &str,
    user: &str,
) -> Result<String, String> {
    let braced = chars.peek() == Some(&'{');
    if braced {
        chars.next();
    }
    let mut name = String::new();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_alphanumeric() || c == '_' || (name.is_empty() && "?(#@*!$".contains(c)) {
            name.push(c);
            chars.next();
            if !(c.is_ascii_alphanumeric() || c == '_') {
                break;
            }
        } else {
            break;
        }
    }
    if braced && chars.next() != Some('}') {
        return Err(format!("${{{name}"));
    }
    match name.as_str() {
        "HOME" => Ok(home.to_string()),
        "USER" => Ok(user.to_string()),
        "" => Ok("$".into()),
        other => Err(format!("${other}")),
    }
}

/// The commands operators type first, answered as an Amazon Linux 2023 instance named
/// `host` would to `user`; anything else is said to be not simulated (nothing is run).
pub fn run_line(host: &str, user: &str, line: &str) -> Ran {
    let home = if user == ROOT {
        "/root".to_string()
    } else {
        format!("/home/{user}")
    };
    let words = match words(line.trim(), &home, user) {
        Ok(w) => w,
        Err(syntax) => return Ran::not_simulated(&syntax),
    };
    let word = words.first().map_or("", String::as_str);
    let args: Vec<&str> = words.iter().skip(1).map(String::as_str).collect();
    match (word, args.as_slice()) {
        ("" | "true", _) => Ran::default(),
        ("hostname", []) => Ran::out(format!("{host}\n")),
        ("uname", _) => Ran::out(format!(
            "Linux {host} 6.1.112-122.189.amzn2023.x86_64 #1 SMP x86_64 GNU/Linux\n"
        )),
        ("uptime", []) => {
            Ran::out(" 10:42:01 up 42 min,  0 users,  load average: 0.00, 0.01, 0.00\n".into())
        }
        ("whoami", []) => Ran::out(format!("{user}\n")),
        ("id", []) => {
            let uid = if user == ROOT { 0 } else { 1001 };
            Ran::out(format!(
                "uid={uid}({user}) gid={uid}({user}) groups={uid}({user})\n"
            ))
        }
        ("echo", ["-n", rest @ ..]) => Ran::out(rest.join(" ")),
        ("echo", rest) => Ran::out(format!("{}\n", rest.join(" "))),
        ("seq", numbers) => seq(numbers),
        ("cat", ["/etc/os-release"]) => {
            Ran::out("NAME=\"Amazon Linux\"\nVERSION=\"2023\"\nID=\"amzn\"\n".into())
        }
        ("df", _) => Ran::out(
            "Filesystem      Size  Used Avail Use% Mounted on\n/dev/nvme0n1p1  8.0G  2.1G  5.9G  27% /\n"
                .into(),
        ),
        ("systemctl", ["status", "amazon-ssm-agent" | "amazon-ssm-agent.service"]) => Ran::out(
            "● amazon-ssm-agent.service - amazon-ssm-agent\n     Active: active (running)\n".into(),
        ),
        ("false", _) => Ran {
            code: 1,
            ..Ran::default()
        },
        ("exit", []) => Ran {
            exit: true,
            ..Ran::default()
        },
        ("exit", [n]) => match n.parse::<i32>() {
            Ok(code) => Ran {
                code: code & 0xff,
                exit: true,
                ..Ran::default()
            },
            Err(_) => Ran {
                stderr: format!("sh: exit: {n}: numeric argument required\n"),
                code: 2,
                exit: true,
                ..Ran::default()
            },
        },
        _ => Ran::not_simulated(&words.join(" ")),
    }
}

/// `seq N`, `seq FIRST LAST`: long output on demand (at most 200,000 lines).
fn seq(args: &[&str]) -> Ran {
    let numbers: Vec<i64> = args.iter().filter_map(|w| w.parse().ok()).collect();
    let (first, last) = match numbers.as_slice() {
        [last] if args.len() == 1 => (1, *last),
        [first, last] if args.len() == 2 => (*first, *last),
        _ => {
            return Ran {
                stderr: "seq: missing or invalid operand\n".into(),
                code: 1,
                ..Ran::default()
            };
        }
    };
    let last = last.min(first.saturating_add(199_999));
    Ran::out((first..=last).map(|i| format!("{i}\n")).collect())
}
