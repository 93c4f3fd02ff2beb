//! The sweeper, run on a schedule: no import stays `In Progress` because
//! its splitter died. A split claimed longer ago than the lease and never
//! finished is split again (chunks already sent are counted once, whatever
//! is sent twice); one that stopped its splitter three times ends `Failed`
//! with a reason, so a file that crashes the splitter cannot loop forever.

use crate::deps::Deps;
use crate::error::StoreError;
use crate::imports::lease_expired_before;
use crate::split::{split_import, SplitOutcome};
use serde::Serialize;
use tracing::{error, info, warn};

/// Claims after which a split is given up.
pub const MAX_SPLIT_ATTEMPTS: u32 = 3;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Splits taken up again.
    pub resumed: usize,
    /// Imports ended as `Failed` after too many attempts.
    pub failed: usize,
    /// Splits that failed again; the next sweep tries once more.
    pub errors: usize,
}

pub async fn sweep_stale_splits(deps: &Deps) -> Result<SweepReport, StoreError> {
    let before = lease_expired_before(chrono::Utc::now());
    let mut report = SweepReport::default();
    for claim in deps.claims.stale_split_claims(before).await? {
        let (company_id, import_id) = (&claim.company_id, &claim.import_id);
        if claim.split_attempts >= MAX_SPLIT_ATTEMPTS {
            warn!(%import_id, attempts = claim.split_attempts, "split given up");
            deps.imports
                .fail(
                    company_id,
                    import_id,
                    "split_stopped",
                    &format!(
                        "the file could not be split: processing stopped {} times while reading it. \
                         Open it in a spreadsheet, save it again as CSV (UTF-8) and upload that file",
                        claim.split_attempts
                    ),
                )
                .await?;
            report.failed += 1;
            continue;
        }
        match split_import(deps, company_id, import_id).await {
            Ok(SplitOutcome::AlreadySplit) => {
                deps.claims
                    .drop_stale_claim(company_id, import_id, before)
                    .await?;
            }
            Ok(outcome) => {
                info!(%import_id, ?outcome, "stale split taken up again");
                report.resumed += 1;
            }
            Err(err) => {
                error!(%import_id, %err, "stale split failed again");
                report.errors += 1;
            }
        }
    }
    Ok(report)
}
