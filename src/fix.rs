//! `ssmdeck fix`: print the remediation plan, then dry-run it, ask, or apply it.

use std::io::{BufRead, IsTerminal, Write};

use color_eyre::eyre::{Result, bail};

use crate::cloud::Cloud;
use crate::domain::plan::{Plan, PlanScope, blockers_in_scope, plan_fix};
use crate::domain::readiness;
use crate::domain::snapshot::Source;
use crate::engine::audit::{Audit, AuditLog};
use crate::engine::executor::{self, Outcome, PlanEvent, Verdict};
use crate::engine::fetch;
use crate::i18n::{Lang, t, tf};
use crate::present::{
    call_text, error_text, finding_fix, finding_short, note_text, plan_title, step_title,
    verdict_text,
};

pub struct FixOptions {
    pub dry_run: bool,
    pub yes: bool,
    pub vpcs: Vec<String>,
    pub instances: Vec<String>,
    /// Select the steps offered unselected.
    pub offered: bool,
    pub read_only: bool,
    pub audit: AuditLog,
    pub role_name: String,
    pub lang: Lang,
}

pub fn print_plan(plan: &Plan, lang: Lang) {
    println!(
        "{}",
        tf(lang, "cli.fix.plan", &[("title", &plan_title(plan, lang))])
    );
    let mut index = 0;
    for step in &plan.steps {
        println!(
            "  [{}] {}",
            if step.selected { "x" } else { " " },
            step_title(step, lang)
        );
        for call in &step.calls {
            index += 1;
            println!("      {index}. {}", call_text(call));
        }
        for note in &step.notes {
            println!("      ! {}", note_text(note, lang));
        }
    }
}

/// Runs `fix` and returns the exit code: 0 when nothing blocks after the plan, 1 when
/// something still does (manual steps, or a plan not applied), 2 refused (or a dry run
/// that an endpoint performed).
pub async fn run<C: Cloud>(cloud: &C, opts: FixOptions) -> Result<u8> {
    let lang = opts.lang;
    let snapshot = fetch::snapshot(cloud).await;
    for source in [Source::Network, Source::Instances, Source::Iam] {
        if let Some(e) = snapshot.status.get(&source).and_then(|s| s.error.clone()) {
            bail!(
                "{}",
                tf(
                    lang,
                    "cli.fix.cannot_plan",
                    &[
                        ("source", &crate::present::source_name(source, lang)),
                        ("error", &error_text(&e, lang))
                    ]
                )
            );
        }
    }
    for v in &opts.vpcs {
        if !snapshot.network.vpcs.iter().any(|x| &x.id == v) {
            bail!(
                "{}",
                tf(
                    lang,
                    "cli.err.no_vpc",
                    &[("vpc", v), ("region", &snapshot.identity.region)]
                )
            );
        }
    }
    for i in &opts.instances {
        if !snapshot.instances.instances.iter().any(|x| &x.id == i) {
            bail!(
                "{}",
                tf(
                    lang,
                    "cli.err.no_instance",
                    &[("instance", i), ("region", &snapshot.identity.region)]
                )
            );
        }
    }
    let readiness = readiness::evaluate(&snapshot);
    let day = cloud.now().strftime("%Y%m%d").to_string();
    let mut plan = plan_fix(
        &snapshot,
        &readiness,
        &opts.vpcs,
        &opts.instances,
        &opts.role_name,
        &day,
    );
    if opts.offered {
        for step in plan.steps.iter_mut().filter(|s| s.kind.offered()) {
            step.selected = true;
        }
    }
    let scope = PlanScope {
        vpcs: &opts.vpcs,
        instances: &opts.instances,
    };
    if plan.is_empty() {
        let blocked = !blockers_in_scope(&snapshot, &readiness, scope).is_empty();
        if plan.steps.is_empty() && !blocked {
            println!("{}", t(lang, "cli.fix.nothing_to_do"));
            return Ok(0);
        }
        print_plan(&plan, lang);
        if blocked {
            println!("{}", t(lang, "cli.fix.manual_remains"));
            return Ok(1);
        }
        println!("{}", t(lang, "cli.fix.nothing_blocks"));
        return Ok(0);
    }
    print_plan(&plan, lang);
    if opts.read_only {
        eprintln!("ssmdeck: {}", t(lang, "cli.fix.read_only"));
        return Ok(2);
    }
    let audit = Audit {
        log: opts.audit.clone(),
        account: snapshot.identity.account.clone(),
        region: snapshot.identity.region.clone(),
        profile: snapshot.identity.label.clone(),
    };
    if opts.dry_run {
        let code = dry_run(cloud, &plan, &audit, lang).await;
        audit.log.flush().await;
        if code == 0 && plan.manual_steps_remain() {
            println!("{}", t(lang, "cli.fix.manual_remains"));
            return Ok(1);
        }
        return Ok(code);
    }
    if !opts.yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("ssmdeck: {}", t(lang, "cli.fix.no_terminal"));
            return Ok(2);
        }
        print!("\n{} ", t(lang, "cli.fix.confirm"));
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(
            answer.trim().to_lowercase().as_str(),
            "y" | "yes" | "예" | "네"
        ) {
            println!("{}", t(lang, "cli.fix.cancelled"));
            return Ok(1);
        }
    }
    println!("\n{}", t(lang, "cli.fix.applying"));
    let describe = describer(&plan);
    let mut emit = |ev: PlanEvent| match ev {
        PlanEvent::Finished { index, outcome } => match outcome {
            Outcome::Done { detail } => println!("  ✓ {} → {detail}", describe(index)),
            Outcome::Skipped { reason } => println!(
                "  = {} ({})",
                describe(index),
                tf(lang, "cli.fix.skipped", &[("reason", &reason)])
            ),
            Outcome::Unconfirmed { detail } => println!("  ? {} → {detail}", describe(index)),
            Outcome::Failed { action, error } => {
                let again = t(lang, "hint.again.cli");
                println!(
                    "  ✗ {}\n      {}\n      {}",
                    describe(index),
                    crate::present::failure_text(&action, &error, lang),
                    tf(
                        lang,
                        "cli.fix.what_to_do",
                        &[("hint", &crate::present::failure_hint(&error, &again, lang))]
                    )
                );
            }
        },
        PlanEvent::Completed {
            done,
            skipped,
            unconfirmed,
        } => {
            println!(
                "{}",
                tf(
                    lang,
                    "cli.fix.completed",
                    &[
                        ("done", &done.to_string()),
                        ("skipped", &skipped.to_string())
                    ]
                )
            );
            if unconfirmed > 0 {
                println!(
                    "{}",
                    tf(
                        lang,
                        "cli.fix.unconfirmed",
                        &[("count", &unconfirmed.to_string())]
                    )
                );
            }
        }
        PlanEvent::Aborted { .. } => println!("{}", t(lang, "cli.fix.stopped")),
        _ => {}
    };
    let completed = executor::apply(cloud, &plan, Some(&audit), &mut emit).await;
    audit.log.flush().await;
    if !completed {
        return Ok(1);
    }
    Ok(still_blocking(cloud, &opts, lang).await)
}

/// The account read again after the plan: 0 when nothing in scope blocks, else 1 with
/// what still does and how it is fixed.
async fn still_blocking<C: Cloud>(cloud: &C, opts: &FixOptions, lang: Lang) -> u8 {
    let snapshot = fetch::snapshot(cloud).await;
    let readiness = readiness::evaluate(&snapshot);
    let scope = PlanScope {
        vpcs: &opts.vpcs,
        instances: &opts.instances,
    };
    let blockers = blockers_in_scope(&snapshot, &readiness, scope);
    if blockers.is_empty() {
        return 0;
    }
    println!("\n{}", t(lang, "cli.fix.still_blocking"));
    let mut shown: Vec<String> = Vec::new();
    for f in blockers {
        let line = format!(
            "  ✗ {}: {} → {}",
            f.subject,
            finding_short(f, lang),
            finding_fix(f, lang)
        );
        if !shown.contains(&line) {
            println!("{line}");
            shown.push(line);
        }
    }
    1
}

/// `--dry-run`: a verdict per call; exit 2 when the endpoint performed one of them.
async fn dry_run<C: Cloud>(cloud: &C, plan: &Plan, audit: &Audit, lang: Lang) -> u8 {
    println!("\n{}", t(lang, "cli.fix.dry_run"));
    let describe = describer(plan);
    let mut verdicts: Vec<(usize, Verdict)> = Vec::new();
    let mut emit = |ev: PlanEvent| {
        if let PlanEvent::Verdict { index, verdict } = ev {
            verdicts.push((index, verdict));
        }
    };
    executor::dry_run(cloud, plan, Some(audit), &mut emit).await;
    verdicts.sort_by_key(|(i, _)| *i);
    let mut wrote = false;
    // Numbered as the plan above numbers its calls (an unselected step's too).
    for (index, verdict) in &verdicts {
        let pos = *index;
        let text = verdict_text(verdict, lang);
        if let Verdict::DryRunIgnored { .. } = verdict {
            wrote = true;
            println!("  {}. {} → ✗ {text}", pos + 1, describe(*index));
        } else {
            println!("  {}. {} → {text}", pos + 1, describe(*index));
        }
    }
    if wrote {
        let where_ = match audit.log.path() {
            Some(path) => tf(
                lang,
                "cli.fix.dry_run_wrote",
                &[("path", &path.display().to_string())],
            ),
            None => t(lang, "cli.fix.dry_run_wrote_sandbox"),
        };
        eprintln!("ssmdeck: {where_}");
        return 2;
    }
    0
}

/// The call at a flat index, described.
fn describer(plan: &Plan) -> impl Fn(usize) -> String + '_ {
    let calls: Vec<(usize, String)> = executor::indexed_calls(plan)
        .iter()
        .map(|(i, c)| (*i, call_text(c)))
        .collect();
    move |index| {
        calls
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    }
}
