//! Lab step 7: inventory, which only a State Manager association collects.

use super::lab::{LabAction, LabStep, StepState};
use crate::domain::associations::inventory_association;
use crate::domain::snapshot::{Snapshot, Source};
use crate::i18n::{Lang, t, tf};

/// The step once the lab's agents are online: Next while no inventory association targets
/// them, waiting until the association has run, done when their inventory is there.
pub(super) fn step(s: &Snapshot, online: &[String], all_online: bool, lang: Lang) -> LabStep {
    let tags = |id: &str| {
        s.instances
            .instances
            .iter()
            .find(|i| i.id == id)
            .map_or(&[][..], |i| i.tags.as_slice())
    };
    let without: Vec<String> = online
        .iter()
        .filter(|id| inventory_association(&s.state_associations, id, tags(id)).is_none())
        .cloned()
        .collect();
    let collected = online
        .iter()
        .filter(|i| s.inventory.iter().any(|x| &x.instance_id == *i))
        .count();
    let known = s.has_data(Source::Associations);
    let state = if !all_online {
        StepState::Blocked(t(lang, "lab.blocked.step5"))
    } else if !known {
        StepState::Waiting(t(lang, "lab.step7.reading"))
    } else if !without.is_empty() {
        StepState::Next
    } else if collected < online.len() {
        StepState::Waiting(t(lang, "lab.step7.waiting"))
    } else {
        StepState::Done
    };
    LabStep {
        number: 7,
        state,
        facts: tf(
            lang,
            "lab.step7.facts",
            &[
                ("associated", &(online.len() - without.len()).to_string()),
                ("collected", &collected.to_string()),
                ("total", &online.len().to_string()),
            ],
        ),
        action: (!without.is_empty()).then_some(LabAction::SetupInventory {
            instance_ids: without,
        }),
    }
}
