//! The IAM actions behind each [`Cloud`](crate::cloud::Cloud) method, as the AWS adapter
//! calls them: what a `deny:` fault refuses, and what `assets/iam/` must grant.

/// The IAM actions behind each [`Cloud`] method, as the AWS adapter calls them (the first
/// is the one a throttle or 5xx is reported against). A denied action fails the method.
pub const METHOD_ACTIONS: &[(&str, &[&str])] = &[
    ("identity", &["sts:GetCallerIdentity"]),
    ("describe_regions", &["ec2:DescribeRegions"]),
    ("describe_vpcs", &["ec2:DescribeVpcs"]),
    ("describe_vpc_attribute", &["ec2:DescribeVpcAttribute"]),
    ("describe_subnets", &["ec2:DescribeSubnets"]),
    ("describe_route_tables", &["ec2:DescribeRouteTables"]),
    ("describe_security_groups", &["ec2:DescribeSecurityGroups"]),
    ("describe_vpc_endpoints", &["ec2:DescribeVpcEndpoints"]),
    ("describe_network_acls", &["ec2:DescribeNetworkAcls"]),
    ("describe_nat_gateways", &["ec2:DescribeNatGateways"]),
    (
        "describe_vpc_endpoint_services",
        &["ec2:DescribeVpcEndpointServices"],
    ),
    ("describe_instances", &["ec2:DescribeInstances"]),
    (
        "describe_iam_instance_profile_associations",
        &["ec2:DescribeIamInstanceProfileAssociations"],
    ),
    (
        "list_roles",
        &["iam:ListRoles", "iam:ListAttachedRolePolicies"],
    ),
    ("list_instance_profiles", &["iam:ListInstanceProfiles"]),
    ("simulate_role", &["iam:SimulatePrincipalPolicy"]),
    // ListAttachedRolePolicies again only for a role list_roles did not read them for.
    (
        "role_policies",
        &[
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
            "iam:GetPolicy",
            "iam:GetPolicyVersion",
            "iam:ListAttachedRolePolicies",
        ],
    ),
    // The adapter reads DescribeInstanceProperties and falls back to
    // DescribeInstanceInformation only where the former does not exist.
    (
        "describe_managed_nodes",
        &["ssm:DescribeInstanceProperties"],
    ),
    ("default_host_management", &["ssm:GetServiceSetting"]),
    (
        "describe_instance_patch_states",
        &["ssm:DescribeInstancePatchStates"],
    ),
    (
        "describe_instance_patches",
        &["ssm:DescribeInstancePatches"],
    ),
    ("describe_patch_baselines", &["ssm:DescribePatchBaselines"]),
    ("get_patch_baseline", &["ssm:GetPatchBaseline"]),
    ("get_inventory", &["ssm:GetInventory"]),
    ("list_inventory_entries", &["ssm:ListInventoryEntries"]),
    ("list_commands", &["ssm:ListCommands"]),
    ("list_command_invocations", &["ssm:ListCommandInvocations"]),
    ("get_command_invocation", &["ssm:GetCommandInvocation"]),
    (
        "describe_maintenance_windows",
        &["ssm:DescribeMaintenanceWindows"],
    ),
    (
        "describe_maintenance_window_targets",
        &["ssm:DescribeMaintenanceWindowTargets"],
    ),
    (
        "describe_maintenance_window_tasks",
        &["ssm:DescribeMaintenanceWindowTasks"],
    ),
    (
        "describe_maintenance_window_executions",
        &["ssm:DescribeMaintenanceWindowExecutions"],
    ),
    ("list_associations", &["ssm:ListAssociations"]),
    ("describe_association", &["ssm:DescribeAssociation"]),
    (
        "describe_instance_associations_status",
        &["ssm:DescribeInstanceAssociationsStatus"],
    ),
    // Tag-on-create needs ec2:CreateTags.
    (
        "create_vpc_endpoint",
        &["ec2:CreateVpcEndpoint", "ec2:CreateTags"],
    ),
    ("modify_vpc_attribute", &["ec2:ModifyVpcAttribute"]),
    (
        "create_security_group",
        &["ec2:CreateSecurityGroup", "ec2:CreateTags"],
    ),
    (
        "authorize_https_ingress",
        &["ec2:AuthorizeSecurityGroupIngress"],
    ),
    (
        "authorize_https_egress",
        &["ec2:AuthorizeSecurityGroupEgress"],
    ),
    ("modify_vpc_endpoint", &["ec2:ModifyVpcEndpoint"]),
    (
        "enable_instance_metadata",
        &["ec2:ModifyInstanceMetadataOptions"],
    ),
    ("create_network_acl_entry", &["ec2:CreateNetworkAclEntry"]),
    // Attaching a profile passes its role to EC2.
    (
        "associate_iam_instance_profile",
        &["ec2:AssociateIamInstanceProfile", "iam:PassRole"],
    ),
    (
        "replace_iam_instance_profile_association",
        &["ec2:ReplaceIamInstanceProfileAssociation", "iam:PassRole"],
    ),
    ("create_role", &["iam:CreateRole"]),
    ("attach_role_policy", &["iam:AttachRolePolicy"]),
    ("create_instance_profile", &["iam:CreateInstanceProfile"]),
    (
        "add_role_to_instance_profile",
        &["iam:AddRoleToInstanceProfile"],
    ),
    ("send_command", &["ssm:SendCommand"]),
    ("create_association", &["ssm:CreateAssociation"]),
    // A dry run: the probe, and the simulator for IAM writes.
    ("dry_run_trust", &["ec2:DescribeVpcs"]),
    (
        "simulate_caller",
        &["iam:SimulatePrincipalPolicy", "iam:GetRole"],
    ),
    ("cancel_command", &["ssm:CancelCommand"]),
    ("start_session", &["ssm:StartSession"]),
    ("list_documents", &["ssm:ListDocuments"]),
    (
        "describe_document",
        &["ssm:DescribeDocument", "ssm:GetDocument"],
    ),
    ("read_full_output", &["s3:ListBucket", "s3:GetObject"]),
    ("terminate_session", &["ssm:TerminateSession"]),
    // The activation's role is passed to Systems Manager.
    (
        "create_activation",
        &["ssm:CreateActivation", "iam:PassRole"],
    ),
    ("describe_activations", &["ssm:DescribeActivations"]),
    ("delete_activation", &["ssm:DeleteActivation"]),
];

/// The IAM actions of a [`Cloud`] method (empty for a name not in [`METHOD_ACTIONS`]).
pub fn actions_of(method: &str) -> &'static [&'static str] {
    METHOD_ACTIONS
        .iter()
        .find(|(m, _)| *m == method)
        .map_or(&[], |(_, a)| a)
}
