//! What the pictures read: a patient's recorded vitals (from signed notes) and the tasks that
//! may have waited in a queue in the last days.

use crate::records::{task_from_row, time};
use crate::{Result, Tx};
use chrono::{DateTime, Duration, Utc};
use rounds_domain::trends::{VitalObservation, MAX_TREND_POINTS};
use rounds_domain::vitals::VitalKind;
use rounds_domain::{PatientId, Role, Task};

impl Tx<'_> {
    /// The newest [`MAX_TREND_POINTS`] readings of each kind, in canonical units, oldest first.
    pub fn vital_observations(&self, patient: PatientId, kinds: &[VitalKind]) -> Result<Vec<VitalObservation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT value, effective_at FROM observations WHERE patient_id = ?1 AND loinc = ?2
             ORDER BY effective_at DESC LIMIT ?3",
        )?;
        let mut out = Vec::new();
        for kind in kinds {
            let rows = stmt.query_map((patient.to_string(), kind.loinc(), MAX_TREND_POINTS as i64), |r| {
                Ok((r.get::<_, f64>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut mine = rows
                .map(|row| {
                    let (value, at) = row?;
                    Ok(VitalObservation { kind: *kind, at: time(&at)?, value })
                })
                .collect::<Result<Vec<_>>>()?;
            mine.reverse();
            out.extend(mine);
        }
        Ok(out)
    }

    /// Tasks of these queues that are waiting now or changed since `since`: the only ones that
    /// can have waited after it (a task stops waiting with an event in its history).
    pub fn tasks_touched_since(&self, queues: &[Role], since: DateTime<Utc>) -> Result<Vec<Task>> {
        // Times in the history are RFC 3339 text, compared as text: a day's margin makes the
        // sub-second differences of that comparison irrelevant (the caller decides exactly).
        let since = (since - Duration::days(1)).to_rfc3339();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, patient_id, queue, license_state, priority, status, owner_id, description, due_at, version,
                    focus, history
             FROM tasks
             WHERE queue = ?1
               AND ((status = 'ready' AND owner_id IS NULL) OR json_extract(history, '$[#-1].at') >= ?2)",
        )?;
        let mut out = Vec::new();
        for queue in queues {
            let rows = stmt.query_map((queue.as_str(), &since), |r| Ok(task_from_row(r)))?;
            for row in rows {
                out.push(row??);
            }
        }
        Ok(out)
    }
}
