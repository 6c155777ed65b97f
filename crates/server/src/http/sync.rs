//! Sync endpoints (docs/sync.md): push a device's commands, pull the change log, and a server-sent
//! event stream that pokes devices when the log moves.

use super::extract::CurrentUser;
use super::extract::{ApiJson, ApiQuery};
use crate::error::ApiError;
use crate::storage::{Incoming, PushRefused};
use crate::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::Json;
use rounds_domain::sync::{read_command, IncomingPush, Outcome, PullResponse, PushResponse, MAX_PUSH_COMMANDS};
use rounds_domain::ErrorCode;
use serde::Deserialize;
use std::convert::Infallible;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

/// A push carries at most MAX_PUSH_COMMANDS commands; this bounds its body.
pub const MAX_PUSH_BYTES: usize = 2 * 1024 * 1024;
/// Largest pull page.
pub const MAX_PULL: u32 = 1000;

pub async fn push(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiJson(req): ApiJson<IncomingPush>,
) -> Result<Json<PushResponse>, ApiError> {
    if req.commands.len() > MAX_PUSH_COMMANDS {
        return Err(ApiError::invalid(format!("at most {MAX_PUSH_COMMANDS} commands per push")));
    }
    let in_order = req.commands.windows(2).all(|w| w[1].client_seq == w[0].client_seq + 1);
    if !in_order || req.commands.first().is_some_and(|c| c.client_seq < 1) {
        return Err(ApiError::invalid("commands must carry consecutive client_seq numbers starting at 1 or more"));
    }
    let now = state.clock.now();
    let commands: Vec<Incoming> = req
        .commands
        .into_iter()
        .map(|raw| {
            let (client_seq, mutation_id) = (raw.client_seq, raw.mutation_id);
            match read_command(raw) {
                Ok(command) => Incoming::Ready(command),
                Err(outcome) => Incoming::Unreadable { client_seq, mutation_id, outcome },
            }
        })
        .collect();
    match state.storage.push(&user, req.device_id, &commands, now).await? {
        Ok(response) => {
            if response.results.iter().any(|r| r.outcome == Outcome::Applied) {
                let head = state.storage.head(user.organization_id).await?;
                // Nobody listening is fine: the devices pull on their own timer too.
                let _ = state.pokes.send((user.organization_id, head));
            }
            if commands.iter().any(|c| matches!(c, Incoming::Ready(c) if matches!(c.mutation, rounds_domain::sync::Mutation::PostMessage { .. }))) {
                state.sms_wake.notify_one();
            }
            Ok(Json(response))
        }
        Err(PushRefused::DeviceOfAnother) => {
            Err(ApiError::new(ErrorCode::Forbidden, "this device is registered to another user"))
        }
        Err(PushRefused::Gap { last_seq }) => Err(ApiError::new(
            ErrorCode::SyncGap,
            format!("the server has applied this device's commands up to {last_seq}; send the next one"),
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullQuery {
    cursor: i64,
    limit: Option<u32>,
}

pub async fn pull(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ApiQuery(q): ApiQuery<PullQuery>,
) -> Result<Json<PullResponse>, ApiError> {
    let limit = q.limit.unwrap_or(500);
    if q.cursor < 0 || limit == 0 || limit > MAX_PULL {
        return Err(ApiError::invalid(format!("cursor must be 0 or more and limit between 1 and {MAX_PULL}")));
    }
    let page = state.storage.pull(&user, q.cursor, limit, state.clock.now()).await?;
    if !page.changes.is_empty() {
        // No PHI leaves without its audit row: if the row cannot be written, nothing is sent.
        let event = crate::audit::AuditEvent::new(user.organization_id, state.clock.now(), user.id, "sync.pull")
            .detail(format!("{} records, positions {}..{}", page.changes.len(), q.cursor + 1, page.cursor));
        state.storage.audit(&event).await?;
    }
    Ok(Json(page))
}

/// `text/event-stream` of `{"head": N}`: the current head at once, then each new one.
pub async fn events(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let org = user.organization_id;
    let receiver = state.pokes.subscribe();
    let head = state.storage.head(org).await?;
    let first = tokio_stream::once(head);
    let later = BroadcastStream::new(receiver).filter_map(move |poke| match poke {
        Ok((o, head)) if o == org => Some(head),
        _ => None,
    });
    let stream = first.chain(later).map(|head| Ok(Event::default().data(format!("{{\"head\":{head}}}"))));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
