//! `ssmdeck fix`: print the remediation plan, then dry-run it, ask, or apply it.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use color_eyre::eyre::{Result, bail};

use crate::cloud::Cloud;
use crate::domain::plan::{Plan, plan_fix};
use crate::domain::readiness;
use crate::domain::snapshot::Source;
use crate::engine::audit::Audit;
use crate::engine::executor::{self, Outcome, PlanEvent};
use crate::engine::fetch;

pub struct FixOptions {
    pub dry_run: bool,
    pub yes: bool,
    pub vpcs: Vec<String>,
    pub instances: Vec<String>,
    pub read_only: bool,
    pub audit_path: PathBuf,
    pub role_name: String,
}

pub fn print_plan(plan: &Plan) {
    println!("Plan: {}", plan.title);
    let mut index = 0;
    for step in &plan.steps {
        println!(
            "  [{}] {}",
            if step.selected { "x" } else { " " },
            step.title
        );
        for call in &step.calls {
            index += 1;
            println!("      {index}. {}", call.describe());
        }
        for note in &step.notes {
            println!("      ! {note}");
        }
    }
}

/// Runs `fix` and returns the exit code: 0 done (or nothing to do), 1 not applied, 2 refused.
pub async fn run<C: Cloud>(cloud: &C, opts: FixOptions) -> Result<u8> {
    let snapshot = fetch::snapshot(cloud).await;
    for source in [Source::Network, Source::Instances, Source::Iam] {
        if let Some(e) = snapshot.status.get(&source).and_then(|s| s.error.clone()) {
            bail!("cannot plan: reading {} failed: {e}", source.name());
        }
    }
    for v in &opts.vpcs {
        if !snapshot.network.vpcs.iter().any(|x| &x.id == v) {
            bail!("--vpc {v}: no such VPC in {}", snapshot.identity.region);
        }
    }
    for i in &opts.instances {
        if !snapshot.instances.instances.iter().any(|x| &x.id == i) {
            bail!(
                "--instance {i}: no such instance in {}",
                snapshot.identity.region
            );
        }
    }
    let readiness = readiness::evaluate(&snapshot);
    let day = cloud.now().strftime("%Y%m%d").to_string();
    let plan = plan_fix(
        &snapshot,
        &readiness,
        &opts.vpcs,
        &opts.instances,
        &opts.role_name,
        &day,
    );
    if plan.is_empty() {
        let notes: Vec<&String> = plan.steps.iter().flat_map(|s| s.notes.iter()).collect();
        if notes.is_empty() {
            println!("Nothing to do: the endpoints, the role and the attachments are in place.");
            return Ok(0);
        }
        print_plan(&plan);
        println!("Nothing ssmdeck can change; see the notes above.");
        return Ok(1);
    }
    print_plan(&plan);
    if opts.read_only {
        eprintln!("ssmdeck: read-only: refusing to apply the plan (started with --read-only)");
        return Ok(2);
    }
    if opts.dry_run {
        println!("\nDry run (no write is made):");
        let calls: Vec<String> = executor::indexed_calls(&plan)
            .iter()
            .map(|(_, c)| c.describe())
            .collect();
        let positions: Vec<usize> = executor::indexed_calls(&plan)
            .iter()
            .map(|(i, _)| *i)
            .collect();
        let mut emit = |ev: PlanEvent| {
            if let PlanEvent::Verdict { index, verdict } = ev {
                let pos = positions.iter().position(|i| *i == index).unwrap_or(0);
                println!(
                    "  {}. {} → {}",
                    pos + 1,
                    calls.get(pos).map_or("", String::as_str),
                    verdict.describe()
                );
            }
        };
        executor::dry_run(cloud, &plan, &mut emit).await;
        return Ok(0);
    }
    if !opts.yes {
        if !std::io::stdin().is_terminal() {
            eprintln!(
                "ssmdeck: not applying: stdin is not a terminal to confirm on; pass --yes to apply, or --dry-run to check"
            );
            return Ok(2);
        }
        print!("\nApply this plan? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            println!("Cancelled: nothing was changed.");
            return Ok(1);
        }
    }
    let audit = Audit {
        path: opts.audit_path.clone(),
        account: snapshot.identity.account.clone(),
        region: snapshot.identity.region.clone(),
        profile: snapshot.identity.label.clone(),
    };
    println!("\nApplying:");
    let descriptions: Vec<(usize, String)> = executor::indexed_calls(&plan)
        .iter()
        .map(|(i, c)| (*i, c.describe()))
        .collect();
    let describe = |index: usize| {
        descriptions
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, d)| d.clone())
            .unwrap_or_default()
    };
    let mut emit = |ev: PlanEvent| match ev {
        PlanEvent::Finished { index, outcome } => match outcome {
            Outcome::Done { detail } => println!("  ✓ {} → {detail}", describe(index)),
            Outcome::Skipped { reason } => println!("  = {} (skipped: {reason})", describe(index)),
            Outcome::Failed { message, hint } => {
                println!(
                    "  ✗ {}\n      {message}\n      what to do: {hint}",
                    describe(index)
                );
            }
        },
        PlanEvent::Completed { done, skipped } => {
            println!("Plan completed: {done} change(s), {skipped} already in place.");
        }
        PlanEvent::Aborted { .. } => {
            println!("Plan stopped: the steps after the failed one were not run.")
        }
        _ => {}
    };
    let completed = executor::apply(cloud, &plan, Some(&audit), &mut emit).await;
    Ok(if completed { 0 } else { 1 })
}
