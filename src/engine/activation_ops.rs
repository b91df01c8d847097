//! The console's activations: listed, planned, created and deleted as operations whose
//! results come back as one event each (the CLI's `activate` runs the same functions).

use super::activation::{self, ActivationOptions, ActivationPlan, Failed};
use super::audit::Audit;
use crate::cloud::Cloud;
use crate::domain::model::{Activation, CreatedActivation};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivationOp {
    List,
    /// Read the service role and make the plan; nothing is written.
    Plan(ActivationOptions),
    Create(ActivationPlan),
    Delete(String),
}

#[derive(Debug, Clone)]
pub enum ActivationEvent {
    /// DescribeActivations, newest first.
    Listed(Result<Vec<Activation>, Failed>),
    Planned(Result<ActivationPlan, Failed>),
    /// The activation (its code shown once) and the region its servers register in.
    Created {
        result: Result<CreatedActivation, Failed>,
        region: String,
    },
    Deleted {
        id: String,
        result: Result<(), Failed>,
    },
}

pub async fn perform<C: Cloud>(
    cloud: &C,
    op: ActivationOp,
    audit: Option<&Audit>,
) -> ActivationEvent {
    match op {
        ActivationOp::List => ActivationEvent::Listed(
            cloud
                .describe_activations()
                .await
                .map(|mut all| {
                    all.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
                    all
                })
                .map_err(|error| Failed {
                    action: "ssm:DescribeActivations",
                    error,
                }),
        ),
        ActivationOp::Plan(options) => {
            ActivationEvent::Planned(activation::plan(cloud, &options).await)
        }
        ActivationOp::Create(plan) => ActivationEvent::Created {
            result: activation::apply(cloud, &plan, audit).await,
            region: cloud.region(),
        },
        ActivationOp::Delete(id) => ActivationEvent::Deleted {
            result: activation::delete(cloud, &id, audit).await,
            id,
        },
    }
}
