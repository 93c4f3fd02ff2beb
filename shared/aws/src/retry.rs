//! The one retry loop of the stores: what DynamoDB asks to be sent again
//! (unprocessed items, a transaction that lost a race, a conditional write
//! that read an older version) is retried here with jittered exponential
//! backoff, so that workers racing on one item spread out instead of
//! colliding again in step. The SDK's own retries cover throttling of a
//! single request; this covers what it hands back as done or failed.

use crate::error::StoreError;
use std::future::Future;
use std::time::Duration;

/// Attempts before giving up; the message then returns to its queue.
pub(crate) const ATTEMPTS: u32 = 10;
const BASE: Duration = Duration::from_millis(20);
const CAP: Duration = Duration::from_secs(2);

/// What one attempt came to: done, or to be tried again from `S`.
pub(crate) enum Attempt<S, T> {
    Done(T),
    Again(S),
}

/// Runs `attempt` from `state` until it is done, sleeping a random time up
/// to an exponentially growing bound between attempts ("full jitter").
pub(crate) async fn until_done<S, T, F, Fut>(
    what: &'static str,
    mut state: S,
    mut attempt: F,
) -> Result<T, StoreError>
where
    F: FnMut(S) -> Fut,
    Fut: Future<Output = Result<Attempt<S, T>, StoreError>>,
{
    for n in 0..ATTEMPTS {
        match attempt(state).await? {
            Attempt::Done(done) => return Ok(done),
            Attempt::Again(left) => state = left,
        }
        if n + 1 < ATTEMPTS {
            tokio::time::sleep(backoff(n)).await;
        }
    }
    Err(StoreError::Incomplete(format!(
        "{what}: still not done after {ATTEMPTS} attempts"
    )))
}

/// A random wait in `[0, min(CAP, BASE * 2^n)]`.
fn backoff(n: u32) -> Duration {
    let bound = BASE.saturating_mul(1 << n.min(16)).min(CAP);
    bound.mul_f64(fastrand::f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_stays_under_its_growing_bound() {
        for n in 0..20 {
            let bound = BASE.saturating_mul(1 << n.min(16)).min(CAP);
            for _ in 0..50 {
                assert!(backoff(n) <= bound);
            }
        }
        assert!(backoff(30) <= CAP);
    }

    #[tokio::test]
    async fn an_attempt_is_repeated_with_its_state_until_done() {
        let tries = until_done("counting", 0u32, |n| async move {
            Ok(if n < 3 {
                Attempt::Again(n + 1)
            } else {
                Attempt::Done(n)
            })
        })
        .await
        .unwrap();
        assert_eq!(tries, 3);
    }

    #[tokio::test]
    async fn it_gives_up_with_a_reason_after_its_attempts() {
        let mut calls = 0;
        let err = until_done("never", (), |()| {
            calls += 1;
            async { Ok::<Attempt<(), ()>, _>(Attempt::Again(())) }
        })
        .await
        .unwrap_err();
        assert_eq!(calls, ATTEMPTS);
        assert!(err.to_string().contains("never"), "{err}");
    }
}
