//! What finished commands leave behind on the simulated nodes: patch states after scans
//! and installs, the latest agent after an update.

use jiff::Timestamp;

use super::world::World;

impl World {
    /// Patch scans and installs change the node's patch state once they finish; an agent
    /// update leaves the node on the latest agent.
    pub(super) fn apply_command_effects(&mut self, now: Timestamp) {
        let done = self.timing.command_done;
        let mut updates = Vec::new();
        let mut agents = Vec::new();
        for c in &mut self.commands {
            if c.applied || c.cancelled_at.is_some() || c.sent + done > now {
                continue;
            }
            c.applied = true;
            if c.document == "AWS-UpdateSSMAgent" {
                let ok = c.invocations.iter().filter(|i| i.exit_code == 0);
                agents.extend(ok.map(|i| i.instance_id.clone()));
            }
            if c.document != "AWS-RunPatchBaseline" {
                continue;
            }
            let has = |key: &str, value: &str| {
                c.parameters
                    .iter()
                    .any(|(k, v)| k == key && v.iter().any(|x| x == value))
            };
            let install = has("Operation", "Install");
            let no_reboot = has("RebootOption", "NoReboot");
            for inv in c.invocations.iter().filter(|i| i.exit_code == 0) {
                updates.push((inv.instance_id.clone(), install, no_reboot, c.sent + done));
            }
        }
        for (id, install, no_reboot, at) in updates {
            let Some(inst) = self.hosts().find(|i| i.instance.id == id) else {
                continue;
            };
            let mut state = super::patching::patch_state(inst, &self.region, install, at);
            if no_reboot {
                state.reboot_option = Some("NoReboot".into());
            }
            if install && no_reboot {
                // Installed, waiting for the reboot that was not allowed.
                state.installed_pending_reboot = 1 + (state.installed % 3);
            }
            self.patch_states.insert(id, state);
        }
        for i in self.hosts_mut() {
            if agents.contains(&i.instance.id) {
                i.agent_version = Some(super::scenario::LATEST_AGENT.to_string());
            }
        }
    }
}
