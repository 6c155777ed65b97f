//! The pictures' data, from the cache: a patient's vital-sign trends and the load of this
//! user's queues over the last days. The rules are rounds-domain's (`trends`).

use crate::{not_found, parse_id, ClientError, Result, Workspace};
use chrono::FixedOffset;
use rounds_domain::sync::AccessKind;
use rounds_domain::trends::{self, QueueLoad, TrendChartKind, VitalTrends, LOAD_DAYS};
use rounds_domain::{PatientId, Role};

/// The widest offset from UTC any place keeps (UTC+14, UTC-12), in minutes.
const MAX_UTC_OFFSET_MINUTES: i32 = 14 * 60;

impl Workspace {
    /// Temperature, heart rate, blood pressure and weight from the patient's signed notes, each
    /// reading with the normal range for the patient's age that day.
    pub fn vital_trends(&self, patient_id: &str) -> Result<VitalTrends> {
        let id: PatientId = parse_id(patient_id, "patient")?;
        self.require_session()?;
        let today = self.now().date_naive();
        let kinds: Vec<_> = TrendChartKind::ALL.iter().flat_map(|c| c.kinds().iter().copied()).collect();
        let store = self.store()?;
        let tx = store.read();
        let patient = tx.patient(id).map_err(|e| not_found(e, "this patient is not on this device"))?;
        let observations = tx.vital_observations(id, &kinds)?;
        drop(store);
        self.record_read(id, AccessKind::Chart)?;
        Ok(trends::vital_trends(&observations, patient.birth_date, today))
    }

    /// Work waiting and overdue in each of this user's role queues at the end of each of the
    /// last days (midnight at `utc_offset_minutes`, the screen's local time) and now.
    pub fn queue_load(&self, utc_offset_minutes: i32) -> Result<Vec<QueueLoad>> {
        let offset = (utc_offset_minutes.abs() <= MAX_UTC_OFFSET_MINUTES)
            .then(|| FixedOffset::east_opt(utc_offset_minutes * 60))
            .flatten()
            .ok_or_else(|| {
                ClientError::invalid(format!(
                    "the offset from UTC must be between -{MAX_UTC_OFFSET_MINUTES} and {MAX_UTC_OFFSET_MINUTES} minutes"
                ))
            })?;
        let me = self.require_session()?;
        let now = self.now();
        let moments = trends::load_moments(now, offset, LOAD_DAYS);
        let store = self.store()?;
        let tx = store.read();
        let who = tx.practitioner(me)?;
        let queues: Vec<Role> = who.roles.iter().copied().filter(|r| *r != Role::Admin).collect();
        let since = moments.first().copied().unwrap_or(now);
        let tasks = tx.tasks_touched_since(&queues, since)?;
        Ok(trends::queue_load(&tasks, &queues, &moments))
    }
}
