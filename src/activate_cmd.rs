//! `ssmdeck activate`: onboard servers outside EC2. Creates a hybrid activation (and the
//! service role it names, when missing) after a confirmation, shows the id and code once
//! with the install commands; `--list` and `--delete ID` manage the activations.

use std::io::{BufRead, IsTerminal, Write};

use color_eyre::eyre::{Result, WrapErr, eyre};
use serde::Serialize;

use crate::cloud::Cloud;
use crate::domain::model::Activation;
use crate::engine::activation::{self, ActivationOptions, ActivationPlan, Failed, RoleState};
use crate::engine::audit::{Audit, AuditLog};
use crate::i18n::{Lang, t, tf};
use crate::present::{
    activation_plan_lines, created_text, expiry_text, failure_text, install_commands,
    registrations_text, role_state_text, utc_minute,
};

/// What `activate` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Create(ActivationOptions),
    List,
    Delete(String),
}

pub struct ActivateOptions {
    pub action: Action,
    pub yes: bool,
    pub dry_run: bool,
    pub json: bool,
    pub read_only: bool,
    pub audit: AuditLog,
    pub lang: Lang,
}

impl ActivateOptions {
    /// From the parsed `activate` command (any other command lists).
    pub fn of(command: crate::cli::Command, read_only: bool, audit: AuditLog, lang: Lang) -> Self {
        let crate::cli::Command::Activate {
            role,
            limit,
            expires,
            name,
            list,
            delete,
            dry_run,
            yes,
            json,
        } = command
        else {
            return Self {
                action: Action::List,
                yes: false,
                dry_run: true,
                json: false,
                read_only: true,
                audit,
                lang,
            };
        };
        let action = match (list, delete) {
            (true, _) => Action::List,
            (false, Some(id)) => Action::Delete(id),
            (false, None) => Action::Create(ActivationOptions {
                role,
                limit,
                days: expires,
                name,
            }),
        };
        Self {
            action,
            yes,
            dry_run,
            json,
            read_only,
            audit,
            lang,
        }
    }
}

/// Runs `activate` and returns the exit code: 0 done, 1 declined, 2 refused.
pub async fn run<C: Cloud>(cloud: &C, opts: ActivateOptions) -> Result<u8> {
    match opts.action.clone() {
        Action::List => list(cloud, &opts).await,
        Action::Create(options) => create(cloud, &options, &opts).await,
        Action::Delete(id) => delete(cloud, &id, &opts).await,
    }
}

async fn list<C: Cloud>(cloud: &C, opts: &ActivateOptions) -> Result<u8> {
    let lang = opts.lang;
    let mut activations = cloud
        .describe_activations()
        .await
        .map_err(|e| eyre!("{}", failure_text("ssm:DescribeActivations", &e, lang)))?;
    activations.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
    if opts.json {
        #[derive(Serialize)]
        struct Doc<'a> {
            region: String,
            activations: &'a [Activation],
        }
        let doc = Doc {
            region: cloud.region(),
            activations: &activations,
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(0);
    }
    if activations.is_empty() {
        println!(
            "{}",
            tf(lang, "activate.none", &[("region", &cloud.region())])
        );
        return Ok(0);
    }
    print!("{}", list_text(&activations, cloud.now(), lang));
    Ok(0)
}

/// The activations as a table: id, role, registrations of the limit, expiry, name.
pub fn list_text(activations: &[Activation], now: jiff::Timestamp, lang: Lang) -> String {
    let header = [
        t(lang, "activate.col.id"),
        t(lang, "activate.col.role"),
        t(lang, "activate.col.registrations"),
        t(lang, "activate.col.expires"),
        t(lang, "activate.col.name"),
    ];
    let rows: Vec<[String; 5]> = activations
        .iter()
        .map(|a| {
            [
                a.id.clone(),
                a.iam_role.clone(),
                registrations_text(a),
                expiry_text(a, now, lang),
                a.default_instance_name.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let width = |i: usize| {
        rows.iter()
            .map(|r| unicode_width::UnicodeWidthStr::width(r[i].as_str()))
            .chain(std::iter::once(unicode_width::UnicodeWidthStr::width(
                header[i].as_str(),
            )))
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, c) in cells.iter().enumerate() {
            out.push_str(c);
            if i + 1 < cells.len() {
                let pad = widths[i] - unicode_width::UnicodeWidthStr::width(c.as_str()) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(&header);
    for r in &rows {
        out.push_str(&line(r));
    }
    out
}

async fn audit_of<C: Cloud>(cloud: &C, log: &AuditLog) -> Audit {
    let identity = cloud.identity().await.ok();
    Audit {
        log: log.clone(),
        account: identity.as_ref().and_then(|i| i.account.clone()),
        region: cloud.region(),
        profile: identity.map(|i| i.label).unwrap_or_default(),
    }
}

async fn create<C: Cloud>(
    cloud: &C,
    options: &ActivationOptions,
    opts: &ActivateOptions,
) -> Result<u8> {
    let lang = opts.lang;
    let plan = activation::plan(cloud, options)
        .await
        .map_err(|f| failed(&f, lang))?;
    let lines = activation_plan_lines(&plan, lang);
    if opts.json && opts.dry_run {
        println!(
            "{}",
            serde_json::to_string_pretty(&plan_doc(&plan, &lines))?
        );
    } else {
        print_plan(&plan, &lines, &cloud.region(), lang);
    }
    if plan.role_state == RoleState::NotTrusted {
        return Err(eyre!(
            "{}",
            tf(
                lang,
                "activate.role_not_trusted",
                &[("role", &plan.role), ("service", "ssm.amazonaws.com")]
            )
        ));
    }
    if let Some(code) = before_writing(opts, "activate.confirm", opts.json, lang)? {
        return Ok(code);
    }
    let audit = audit_of(cloud, &opts.audit).await;
    let result = activation::apply(cloud, &plan, Some(&audit)).await;
    audit.log.flush().await;
    let created = result.map_err(|f| failed(&f, lang))?;
    let region = cloud.region();
    if opts.json {
        #[derive(Serialize)]
        struct Created<'a> {
            region: &'a str,
            activation_id: &'a str,
            activation_code: &'a str,
            iam_role: &'a str,
            registration_limit: i32,
            expiration_date: String,
            role_created: bool,
            install: crate::present::InstallCommands,
        }
        let doc = Created {
            region: &region,
            activation_id: &created.id,
            activation_code: &created.code,
            iam_role: &plan.request.iam_role,
            registration_limit: plan.request.registration_limit,
            expiration_date: plan.request.expiration_date.to_string(),
            role_created: plan.creates_role(),
            install: install_commands(&created.id, &created.code, &region),
        };
        println!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        println!();
        print!(
            "{}",
            created_text(&created.id, &created.code, &region, lang)
        );
    }
    Ok(0)
}

fn plan_doc<'a>(plan: &'a ActivationPlan, lines: &'a [String]) -> serde_json::Value {
    serde_json::json!({
        "dry_run": true,
        "role": plan.role,
        "role_state": plan.role_state,
        "registration_limit": plan.request.registration_limit,
        "expiration_date": plan.request.expiration_date.to_string(),
        "writes": lines,
    })
}

fn print_plan(plan: &ActivationPlan, lines: &[String], region: &str, lang: Lang) {
    println!("{}", tf(lang, "activate.plan", &[("region", region)]));
    println!("  {}", role_state_text(plan, lang));
    if plan.role_state == RoleState::NotTrusted {
        return;
    }
    for (i, line) in lines.iter().enumerate() {
        println!("  {}. {line}", i + 1);
    }
    println!(
        "  {}",
        tf(
            lang,
            "activate.expires_at",
            &[("at", &utc_minute(plan.request.expiration_date))]
        )
    );
}

async fn delete<C: Cloud>(cloud: &C, id: &str, opts: &ActivateOptions) -> Result<u8> {
    let lang = opts.lang;
    let activations = cloud
        .describe_activations()
        .await
        .map_err(|e| eyre!("{}", failure_text("ssm:DescribeActivations", &e, lang)))?;
    let Some(found) = activations.iter().find(|a| a.id == id) else {
        return Err(eyre!(
            "{}",
            tf(
                lang,
                "activate.no_such",
                &[("id", id), ("region", &cloud.region())]
            )
        ));
    };
    println!(
        "{}",
        tf(
            lang,
            "activate.delete_plan",
            &[
                ("id", id),
                ("role", &found.iam_role),
                ("registrations", &registrations_text(found)),
            ]
        )
    );
    if let Some(code) = before_writing(opts, "activate.delete_confirm", false, lang)? {
        return Ok(code);
    }
    let audit = audit_of(cloud, &opts.audit).await;
    let result = activation::delete(cloud, id, Some(&audit)).await;
    audit.log.flush().await;
    result.map_err(|f| failed(&f, lang))?;
    if opts.json {
        println!(
            "{}",
            serde_json::json!({ "deleted": id, "region": cloud.region() })
        );
    } else {
        println!("{}", tf(lang, "activate.deleted", &[("id", id)]));
    }
    Ok(0)
}

/// A dry run, `--read-only` or a declined confirmation ends here, with its exit code;
/// `None`: go on and write.
fn before_writing(
    opts: &ActivateOptions,
    question: &str,
    quiet: bool,
    lang: Lang,
) -> Result<Option<u8>> {
    if opts.dry_run {
        if !quiet {
            println!("{}", t(lang, "activate.dry_run"));
        }
        return Ok(Some(0));
    }
    if opts.read_only {
        eprintln!("ssmdeck: {}", t(lang, "activate.read_only"));
        return Ok(Some(2));
    }
    if opts.yes {
        return Ok(None);
    }
    Ok(match confirm(&t(lang, question), lang)? {
        Some(true) => None,
        Some(false) => {
            println!("{}", t(lang, "cli.fix.cancelled"));
            Some(1)
        }
        None => Some(2),
    })
}

fn failed(f: &Failed, lang: Lang) -> color_eyre::Report {
    eyre!("{}", failure_text(f.action, &f.error, lang))
}

/// Asks on the terminal: `Some(answer)`, or `None` (said on stderr) without a terminal.
fn confirm(question: &str, lang: Lang) -> Result<Option<bool>> {
    if !std::io::stdin().is_terminal() {
        eprintln!("ssmdeck: {}", t(lang, "activate.no_terminal"));
        return Ok(None);
    }
    print!("\n{question} ");
    std::io::stdout()
        .flush()
        .wrap_err(t(lang, "cli.err.stdout"))?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .wrap_err("cannot read the answer")?;
    Ok(Some(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "예" | "네"
    )))
}
