//! Findings → ordered remediation steps, each with the exact calls it will make, or the
//! change to make by hand. Pure: the same snapshot always gives the same plan; nothing
//! here calls AWS, and nothing here is worded (`present::plans` words it).

mod fix;
mod iam;
mod inventory;
mod network;

use serde::Serialize;

use super::findings::Finding;
use super::model::{AssociationTarget, EndpointType, VpcDnsAttribute};

pub use fix::{PlanScope, blockers_in_scope, plan_fix};
pub use iam::{plan_attach, plan_role, plan_role_policy};
pub use inventory::{ASSOCIATION_MAX_IDS, inventory_step, plan_inventory, uncollected};
pub use network::{endpoint_subnets, plan_endpoints};

/// Name of the security group ssmdeck creates for endpoints.
pub const ENDPOINT_GROUP_NAME: &str = "ssmdeck-endpoints";

/// A security group an endpoint uses: one that exists, or the one an earlier call creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupRef {
    Existing(String),
    Created { vpc_id: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action")]
pub enum Call {
    ModifyVpcAttribute {
        vpc_id: String,
        attribute: VpcDnsAttribute,
    },
    CreateSecurityGroup {
        vpc_id: String,
        name: String,
        description: String,
    },
    AuthorizeSecurityGroupIngress {
        group: GroupRef,
        cidr: String,
    },
    CreateVpcEndpoint {
        vpc_id: String,
        service_name: String,
        kind: EndpointType,
        subnet_ids: Vec<String>,
        group: Option<GroupRef>,
        route_table_ids: Vec<String>,
        private_dns: bool,
        client_token: String,
    },
    ModifyVpcEndpoint {
        endpoint_id: String,
        service_name: String,
        private_dns: Option<bool>,
        add_subnet_ids: Vec<String>,
    },
    AuthorizeSecurityGroupEgress {
        group_id: String,
        cidr: String,
    },
    ModifyInstanceMetadataOptions {
        instance_id: String,
    },
    CreateNetworkAclEntry {
        acl_id: String,
        rule_number: i32,
        egress: bool,
        cidr: String,
        from_port: i32,
        to_port: i32,
    },
    CreateRole {
        name: String,
        trusted_service: String,
    },
    AttachRolePolicy {
        role: String,
        policy_arn: String,
    },
    CreateInstanceProfile {
        name: String,
    },
    AddRoleToInstanceProfile {
        profile: String,
        role: String,
    },
    AssociateIamInstanceProfile {
        instance_id: String,
        profile: String,
    },
    ReplaceIamInstanceProfileAssociation {
        association_id: String,
        instance_id: String,
        profile: String,
        replaces: String,
    },
    /// SSM has no `DryRun`: a dry run only describes it.
    CreateAssociation {
        name: String,
        document: String,
        targets: Vec<AssociationTarget>,
        schedule: String,
        parameters: Vec<(String, Vec<String>)>,
    },
}

impl Call {
    /// The IAM action the call needs.
    pub fn action(&self) -> &'static str {
        match self {
            Call::ModifyVpcAttribute { .. } => "ec2:ModifyVpcAttribute",
            Call::CreateSecurityGroup { .. } => "ec2:CreateSecurityGroup",
            Call::AuthorizeSecurityGroupIngress { .. } => "ec2:AuthorizeSecurityGroupIngress",
            Call::CreateVpcEndpoint { .. } => "ec2:CreateVpcEndpoint",
            Call::ModifyVpcEndpoint { .. } => "ec2:ModifyVpcEndpoint",
            Call::AuthorizeSecurityGroupEgress { .. } => "ec2:AuthorizeSecurityGroupEgress",
            Call::ModifyInstanceMetadataOptions { .. } => "ec2:ModifyInstanceMetadataOptions",
            Call::CreateNetworkAclEntry { .. } => "ec2:CreateNetworkAclEntry",
            Call::CreateRole { .. } => "iam:CreateRole",
            Call::AttachRolePolicy { .. } => "iam:AttachRolePolicy",
            Call::CreateInstanceProfile { .. } => "iam:CreateInstanceProfile",
            Call::AddRoleToInstanceProfile { .. } => "iam:AddRoleToInstanceProfile",
            Call::AssociateIamInstanceProfile { .. } => "ec2:AssociateIamInstanceProfile",
            Call::ReplaceIamInstanceProfileAssociation { .. } => {
                "ec2:ReplaceIamInstanceProfileAssociation"
            }
            Call::CreateAssociation { .. } => "ssm:CreateAssociation",
        }
    }

    pub fn is_ec2(&self) -> bool {
        self.action().starts_with("ec2:")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    VpcDns,
    EndpointGroup,
    Endpoints,
    PrivateDns,
    /// Subnets for the AZs the endpoints miss (offered, not selected).
    EndpointZones,
    OptionalEndpoints,
    Egress,
    Metadata,
    /// Allow entries in network ACLs (offered, not selected: ACLs are often deliberate).
    NetworkAcl,
    Role,
    RolePolicy,
    Attach,
    /// An inventory association for the nodes whose inventory is not collected.
    Inventory,
    /// What no API call here can change safely: said precisely, done by hand.
    Manual,
}

impl StepKind {
    /// Offered unselected: the operator chooses it (`o` in the dialog, `fix --offered`).
    pub fn offered(self) -> bool {
        matches!(
            self,
            StepKind::OptionalEndpoints | StepKind::EndpointZones | StepKind::NetworkAcl
        )
    }
}

/// What a step does, as data for its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "title", rename_all = "snake_case")]
pub enum StepTitle {
    VpcDns {
        vpc: String,
    },
    EndpointGroup {
        cidr: String,
    },
    ExistingEndpointGroups,
    Endpoints {
        vpc: String,
        services: Vec<String>,
    },
    PrivateDns {
        vpc: String,
        services: Vec<String>,
    },
    EndpointZones {
        vpc: String,
        azs: Vec<String>,
    },
    OptionalEndpoints,
    Egress,
    Metadata,
    NetworkAcl,
    CreateRole {
        role: String,
    },
    AddCoreToDeprecated {
        role: String,
    },
    CompleteRole {
        role: String,
    },
    AttachCore {
        roles: Vec<String>,
    },
    Attach {
        profile: String,
        count: usize,
        replaces: usize,
    },
    /// `every`: one association for every managed node (`InstanceIds=*`).
    Inventory {
        nodes: usize,
        every: bool,
    },
    Manual,
}

/// Why a step cannot do everything, or what to do by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Note {
    NoSubnetForEndpoints {
        vpc_id: String,
    },
    RoleNotTrustingEc2 {
        role: String,
    },
    ProfileHoldsOtherRole {
        profile: String,
        roles: Vec<String>,
    },
    NoSuchInstance {
        instance_id: String,
    },
    CannotTakeProfile {
        instance_id: String,
        state: String,
    },
    ProfileWithoutAssociation {
        instance_id: String,
        profile: String,
    },
    /// A change by hand for `finding` (its fix has no safe API call), and every resource
    /// it was found on.
    Manual {
        finding: Finding,
        subjects: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub title: StepTitle,
    /// Unselected steps are offered but not run unless the user selects them.
    pub selected: bool,
    pub calls: Vec<Call>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// What the plan is for, so the interface can name it in its language.
    pub subject: Subject,
    /// With several accounts or regions: where it will run (`eu-west-1 prod`).
    pub place: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    Endpoints {
        vpc_id: String,
    },
    Role {
        name: String,
    },
    /// The Core policy for a role instances use.
    RolePolicy {
        role: String,
    },
    Attach {
        profile: String,
    },
    /// Inventory collection for the nodes that lack it.
    Inventory,
    /// Everything `fix` would do.
    #[default]
    Fix,
}

impl Plan {
    /// True when no selected step has a call to make.
    pub fn is_empty(&self) -> bool {
        self.selected_calls().next().is_none()
    }

    pub fn selected_calls(&self) -> impl Iterator<Item = &Call> {
        self.steps
            .iter()
            .filter(|s| s.selected)
            .flat_map(|s| s.calls.iter())
    }

    /// What is left to do by hand once the selected steps ran: the manual changes, and the
    /// steps offered but not selected that a blocker needs (network ACL entries).
    pub fn manual_steps_remain(&self) -> bool {
        self.steps.iter().any(|s| {
            s.notes.iter().any(|n| matches!(n, Note::Manual { .. }))
                || (!s.selected && s.kind == StepKind::NetworkAcl)
        })
    }

    fn push(&mut self, step: Step) {
        if !step.calls.is_empty() || !step.notes.is_empty() {
            self.steps.push(step);
        }
    }
}

/// Idempotency token for an endpoint: racing runs on the same day share it.
pub fn client_token(vpc_id: &str, short: &str, day: &str) -> String {
    format!("ssmdeck-{vpc_id}-{short}-{day}")
}
