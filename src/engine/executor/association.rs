//! CreateAssociation, applied: skipped when an association with the same document and
//! targets exists, read back after (ListAssociations) before it counts as done.

use super::calls::Applied;
use crate::cloud::{Cloud, CloudError};
use crate::domain::model::{AssociationTarget, CreateAssociationRequest, StateAssociation};
use crate::domain::plan::Call;

fn same(a: &StateAssociation, document: &str, targets: &[AssociationTarget]) -> bool {
    a.document == document && a.targets == targets
}

pub(super) async fn create<C: Cloud>(cloud: &C, call: &Call) -> Result<Applied, CloudError> {
    let Call::CreateAssociation {
        name,
        document,
        targets,
        schedule,
        parameters,
    } = call
    else {
        return Err(CloudError::Other("not an association call".into()));
    };
    let existing = cloud.list_associations().await?;
    if let Some(a) = existing.iter().find(|a| same(a, document, targets)) {
        return Ok(Applied::Skipped(format!("{document} exists as {}", a.id)));
    }
    let request = CreateAssociationRequest {
        name: name.clone(),
        document: document.clone(),
        targets: targets.clone(),
        schedule: schedule.clone(),
        parameters: parameters.clone(),
    };
    let created = match cloud.create_association(&request).await {
        Ok(a) => a,
        Err(CloudError::AlreadyExists(detail)) => {
            let now = cloud.list_associations().await?;
            return match now.iter().find(|a| same(a, document, targets)) {
                Some(a) => Ok(Applied::Raced(format!("{document} exists as {}", a.id))),
                None => Err(CloudError::AlreadyExists(detail)),
            };
        }
        Err(e) => return Err(e),
    };
    let after = cloud.list_associations().await?;
    if after.iter().any(|a| a.id == created.id) {
        Ok(Applied::Done(format!("{} {document}", created.id)))
    } else {
        Ok(Applied::Unconfirmed(format!(
            "accepted, but {} is not listed",
            created.id
        )))
    }
}
