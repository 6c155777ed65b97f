//! Pictures over time, computed here so every screen draws the same numbers: a patient's vital
//! signs with the normal range for their age at each reading, and the load of each role queue
//! over the last days.
//!
//! Pure: the callers read the cache and pass the clock.

use crate::vitals::{AgeBand, FlagDirection, VitalKind};
use crate::{Role, Task, TaskAction, TaskStatus};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Newest readings of each vital sign a trend shows.
pub const MAX_TREND_POINTS: usize = 50;

/// One recorded value, in its kind's canonical unit (°C, kg), from a signed note.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VitalObservation {
    pub kind: VitalKind,
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// The pictures of the vitals page and the patient banner, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrendChartKind {
    Temperature,
    HeartRate,
    BloodPressure,
    Weight,
}

impl TrendChartKind {
    pub const ALL: [TrendChartKind; 4] =
        [TrendChartKind::Temperature, TrendChartKind::HeartRate, TrendChartKind::BloodPressure, TrendChartKind::Weight];

    pub fn title(&self) -> &'static str {
        match self {
            TrendChartKind::Temperature => "Temperature",
            TrendChartKind::HeartRate => "Heart rate",
            TrendChartKind::BloodPressure => "Blood pressure",
            TrendChartKind::Weight => "Weight",
        }
    }

    /// The measurements drawn together (blood pressure: systolic over diastolic).
    pub fn kinds(&self) -> &'static [VitalKind] {
        match self {
            TrendChartKind::Temperature => &[VitalKind::Temperature],
            TrendChartKind::HeartRate => &[VitalKind::HeartRate],
            TrendChartKind::BloodPressure => &[VitalKind::Systolic, VitalKind::Diastolic],
            TrendChartKind::Weight => &[VitalKind::Weight],
        }
    }
}

/// The unit a clinician reads beside a canonical value.
pub fn display_unit(kind: VitalKind) -> &'static str {
    match kind {
        VitalKind::Temperature => "°C",
        VitalKind::HeartRate | VitalKind::RespiratoryRate => "/min",
        VitalKind::Systolic | VitalKind::Diastolic => "mmHg",
        VitalKind::Spo2 => "%",
        VitalKind::Weight => "kg",
        VitalKind::Height => "cm",
        VitalKind::Pain => "",
    }
}

/// Inclusive, in the canonical unit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct NormalRange {
    pub low: f64,
    pub high: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct TrendPoint {
    pub at: DateTime<Utc>,
    pub value: f64,
    /// The normal range for the patient's age on that day; None where a range says nothing
    /// (weight).
    pub normal: Option<NormalRange>,
    /// Outside that range.
    pub flag: Option<FlagDirection>,
}

/// How the latest reading compares with the one before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    Rising,
    Falling,
    Steady,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct TrendSeries {
    pub kind: VitalKind,
    pub label: String,
    /// Oldest first, at most [`MAX_TREND_POINTS`].
    pub points: Vec<TrendPoint>,
    /// None with fewer than two readings.
    pub direction: Option<TrendDirection>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct TrendChart {
    pub chart: TrendChartKind,
    pub title: String,
    pub unit: String,
    /// Every series of the chart, each possibly empty.
    pub series: Vec<TrendSeries>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct VitalTrends {
    /// The patient's age band today (the text alternative names it).
    pub band: AgeBand,
    pub band_label: String,
    /// Temperature, heart rate, blood pressure, weight; always all four.
    pub charts: Vec<TrendChart>,
}

/// A change smaller than this between two readings is "steady": the noise of measuring.
fn steady_within(kind: VitalKind, previous: f64) -> f64 {
    match kind {
        VitalKind::Temperature => 0.3,
        VitalKind::HeartRate | VitalKind::Systolic | VitalKind::Diastolic => 5.0,
        // 2 %: half a kilogram is nothing for an adult and a lot for a newborn.
        VitalKind::Weight => previous.abs() * 0.02,
        _ => 0.0,
    }
}

/// The trends of a patient born on `birth_date`, from their recorded vitals (any order).
/// Each point carries the normal range of the age band the patient was in that day, so a
/// child's band steps as they grow.
pub fn vital_trends(observations: &[VitalObservation], birth_date: NaiveDate, today: NaiveDate) -> VitalTrends {
    let band = AgeBand::of(birth_date, today);
    let charts = TrendChartKind::ALL
        .iter()
        .map(|chart| TrendChart {
            chart: *chart,
            title: chart.title().into(),
            unit: display_unit(chart.kinds()[0]).into(),
            series: chart.kinds().iter().map(|kind| series(*kind, observations, birth_date)).collect(),
        })
        .collect();
    VitalTrends { band, band_label: band.label().into(), charts }
}

fn series(kind: VitalKind, observations: &[VitalObservation], birth_date: NaiveDate) -> TrendSeries {
    let mut mine: Vec<&VitalObservation> =
        observations.iter().filter(|o| o.kind == kind && o.value.is_finite()).collect();
    mine.sort_by_key(|o| o.at);
    let skip = mine.len().saturating_sub(MAX_TREND_POINTS);
    let points: Vec<TrendPoint> = mine[skip..]
        .iter()
        .map(|o| {
            let normal =
                AgeBand::of(birth_date, o.at.date_naive()).normal(kind).map(|(low, high)| NormalRange { low, high });
            let flag = normal.and_then(|n| {
                if o.value < n.low {
                    Some(FlagDirection::Low)
                } else if o.value > n.high {
                    Some(FlagDirection::High)
                } else {
                    None
                }
            });
            TrendPoint { at: o.at, value: o.value, normal, flag }
        })
        .collect();
    let direction = match points.as_slice() {
        [.., before, last] => {
            let change = last.value - before.value;
            Some(if change.abs() <= steady_within(kind, before.value) {
                TrendDirection::Steady
            } else if change > 0.0 {
                TrendDirection::Rising
            } else {
                TrendDirection::Falling
            })
        }
        _ => None,
    };
    TrendSeries { kind, label: kind.label().into(), points, direction }
}

/// Days a queue's load covers.
pub const LOAD_DAYS: u32 = 7;

/// One moment of a queue: work waiting (open, nobody has taken it) and, of that, overdue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct LoadPoint {
    pub at: DateTime<Utc>,
    #[ts(type = "number")]
    pub waiting: i64,
    #[ts(type = "number")]
    pub overdue: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct QueueLoad {
    pub queue: Role,
    /// One point per moment asked for, in that order.
    pub points: Vec<LoadPoint>,
}

/// The moments a load is read at: the end of each of the `days - 1` days before today (local
/// midnight at `offset`), then `now`. The last point is what the queue screen counts now.
pub fn load_moments(now: DateTime<Utc>, offset: FixedOffset, days: u32) -> Vec<DateTime<Utc>> {
    let today = now.with_timezone(&offset).date_naive();
    let mut out: Vec<DateTime<Utc>> = (1..days)
        .rev()
        .filter_map(|back| {
            let day_after = today - Duration::days(i64::from(back) - 1);
            let midnight = day_after.and_hms_opt(0, 0, 0)?;
            offset.from_local_datetime(&midnight).single().map(|t| t.with_timezone(&Utc))
        })
        .collect();
    out.push(now);
    out
}

/// When the task started waiting and when it stopped (taken: claimed, handed to someone,
/// completed or cancelled), from its history. None: it never waited as far as the device knows.
///
/// Started: its `created` event, or else the time in its UUIDv7 id (when it was minted).
/// A task no longer waiting with no taking in its history was taken on this device and the
/// server's copy (which records the event) has not come back yet: it stopped waiting `now`.
/// (The same holds, less exactly, for a history that has lost the taking: more than
/// [`crate::task::MAX_TASK_HISTORY`] events since.)
pub fn waiting_span(task: &Task, now: DateTime<Utc>) -> Option<(DateTime<Utc>, Option<DateTime<Utc>>)> {
    let created =
        task.history.iter().find(|e| e.action == TaskAction::Created).map(|e| e.at).or_else(|| minted_at(task))?;
    let taken = task
        .history
        .iter()
        .filter(|e| {
            matches!(
                e.action,
                TaskAction::Claimed | TaskAction::HandedOff | TaskAction::Completed | TaskAction::Cancelled
            )
        })
        .map(|e| e.at)
        .min();
    let waiting_now = task.status == TaskStatus::Ready && task.owner_id.is_none();
    match (waiting_now, taken) {
        (true, _) => Some((created, None)),
        (false, Some(at)) => Some((created, Some(at))),
        (false, None) => Some((created, Some(now.max(created)))),
    }
}

fn minted_at(task: &Task) -> Option<DateTime<Utc>> {
    let (secs, nanos) = task.id.as_uuid().get_timestamp()?.to_unix();
    DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
}

/// Work waiting and overdue per queue at each moment. A task waits from its creation up to (not
/// including) the moment it was taken; it is overdue while waiting past its due time (a task
/// due exactly at a moment is not yet overdue then, as on the queue screen). Tasks are counted
/// in the queue they are in now with their due time now: an escalation (a new queue and a fresh
/// due time) is kept in the history only as text, so it is not replayed. The last moment is now.
pub fn queue_load(tasks: &[Task], queues: &[Role], moments: &[DateTime<Utc>]) -> Vec<QueueLoad> {
    // Without moments there is nothing to count; `now` then only has to be some time.
    let now = moments.last().copied().unwrap_or_default();
    let mut out: Vec<QueueLoad> = queues
        .iter()
        .map(|q| QueueLoad {
            queue: *q,
            points: moments.iter().map(|at| LoadPoint { at: *at, waiting: 0, overdue: 0 }).collect(),
        })
        .collect();
    for task in tasks {
        let Some(load) = out.iter_mut().find(|l| l.queue == task.queue) else { continue };
        let Some((from, until)) = waiting_span(task, now) else { continue };
        for point in &mut load.points {
            if from <= point.at && until.is_none_or(|u| point.at < u) {
                point.waiting += 1;
                if task.due_at < point.at {
                    point.overdue += 1;
                }
            }
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn obs(kind: VitalKind, at: &str, value: f64) -> VitalObservation {
        VitalObservation { kind, at: t(at), value }
    }

    #[test]
    fn every_chart_is_there_with_its_series_even_without_readings() {
        let trends = vital_trends(&[], "1990-01-01".parse().unwrap(), "2026-12-01".parse().unwrap());
        let shape: Vec<(TrendChartKind, Vec<VitalKind>)> =
            trends.charts.iter().map(|c| (c.chart, c.series.iter().map(|s| s.kind).collect())).collect();
        assert_eq!(
            shape,
            vec![
                (TrendChartKind::Temperature, vec![VitalKind::Temperature]),
                (TrendChartKind::HeartRate, vec![VitalKind::HeartRate]),
                (TrendChartKind::BloodPressure, vec![VitalKind::Systolic, VitalKind::Diastolic]),
                (TrendChartKind::Weight, vec![VitalKind::Weight]),
            ]
        );
        assert!(trends.charts.iter().all(|c| c.series.iter().all(|s| s.points.is_empty() && s.direction.is_none())));
        assert_eq!(trends.band, AgeBand::Adult);
    }

    #[test]
    fn points_are_ordered_flagged_and_carry_the_range_of_the_age_they_were_taken_at() {
        // Born 2023-06-01: a toddler until 2026-06-01, then a preschool child.
        let birth = "2023-06-01".parse().unwrap();
        let trends = vital_trends(
            &[
                obs(VitalKind::HeartRate, "2026-11-20T10:00:00Z", 130.0),
                obs(VitalKind::HeartRate, "2026-03-01T10:00:00Z", 130.0),
                obs(VitalKind::Systolic, "2026-11-20T10:00:00Z", 100.0),
            ],
            birth,
            "2026-12-01".parse().unwrap(),
        );
        let hr = &trends.charts[1].series[0];
        assert_eq!(
            hr.points.iter().map(|p| p.at).collect::<Vec<_>>(),
            vec![t("2026-03-01T10:00:00Z"), t("2026-11-20T10:00:00Z")]
        );
        assert_eq!(hr.points[0].normal, Some(NormalRange { low: 98.0, high: 140.0 }));
        assert_eq!(hr.points[0].flag, None);
        assert_eq!(hr.points[1].normal, Some(NormalRange { low: 80.0, high: 120.0 }));
        assert_eq!(hr.points[1].flag, Some(FlagDirection::High));
        assert_eq!(hr.direction, Some(TrendDirection::Steady));
        assert_eq!(trends.band, AgeBand::Preschool);
        assert_eq!(trends.charts[2].unit, "mmHg");
        assert_eq!(trends.charts[2].series[0].points.len(), 1);
        assert!(trends.charts[2].series[1].points.is_empty());
    }

    #[test]
    fn direction_ignores_measuring_noise_and_weight_has_no_range() {
        let birth = "2000-01-01".parse().unwrap();
        let today = "2026-12-01".parse().unwrap();
        let temp = |a: f64, b: f64| {
            vital_trends(
                &[
                    obs(VitalKind::Temperature, "2026-11-01T00:00:00Z", a),
                    obs(VitalKind::Temperature, "2026-11-02T00:00:00Z", b),
                ],
                birth,
                today,
            )
            .charts[0]
                .series[0]
                .direction
        };
        assert_eq!(temp(37.0, 37.3), Some(TrendDirection::Steady));
        assert_eq!(temp(37.0, 38.4), Some(TrendDirection::Rising));
        assert_eq!(temp(38.4, 37.0), Some(TrendDirection::Falling));
        let weight = vital_trends(
            &[obs(VitalKind::Weight, "2026-11-01T00:00:00Z", 3.2), obs(VitalKind::Weight, "2026-11-08T00:00:00Z", 3.5)],
            birth,
            today,
        );
        let w = &weight.charts[3].series[0];
        assert!(w.points.iter().all(|p| p.normal.is_none() && p.flag.is_none()));
        assert_eq!(w.direction, Some(TrendDirection::Rising), "0.3 kg is 9 % of a newborn");
    }

    #[test]
    fn a_long_record_keeps_the_newest_points() {
        let many: Vec<VitalObservation> = (0..(MAX_TREND_POINTS as i64 + 10))
            .map(|i| VitalObservation {
                kind: VitalKind::HeartRate,
                at: t("2026-01-01T00:00:00Z") + Duration::days(i),
                value: 70.0,
            })
            .collect();
        let trends = vital_trends(&many, "1990-01-01".parse().unwrap(), "2026-12-01".parse().unwrap());
        let points = &trends.charts[1].series[0].points;
        assert_eq!(points.len(), MAX_TREND_POINTS);
        assert_eq!(points[0].at, t("2026-01-11T00:00:00Z"));
    }

    fn task(queue: Role, due: &str, created: &str) -> Task {
        let mut task = Task {
            id: TaskId::new_v7(1),
            kind: TaskKind::Outreach,
            patient_id: PatientId::new_v7(1),
            queue,
            license_state: "TX".parse().unwrap(),
            priority: TaskPriority::Routine,
            status: TaskStatus::Ready,
            owner_id: None,
            description: "x".into(),
            due_at: t(due),
            version: 1,
            focus: None,
            history: vec![],
        };
        task.record(t(created), None, TaskAction::Created, "to the nurse queue");
        task
    }

    fn taken(mut task: Task, action: TaskAction, at: &str) -> Task {
        task.status = match action {
            TaskAction::Completed => TaskStatus::Completed,
            TaskAction::Cancelled => TaskStatus::Cancelled,
            _ => TaskStatus::InProgress,
        };
        if action != TaskAction::Cancelled {
            task.owner_id = Some(PractitionerId::new_v7(2));
        }
        task.record(t(at), None, action, "");
        task
    }

    fn counts(load: &QueueLoad) -> Vec<(i64, i64)> {
        load.points.iter().map(|p| (p.waiting, p.overdue)).collect()
    }

    #[test]
    fn moments_are_local_midnights_then_now() {
        let now = t("2026-12-03T14:30:00Z");
        let utc = load_moments(now, FixedOffset::east_opt(0).unwrap(), 3);
        assert_eq!(utc, vec![t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z"), now]);
        // New York (UTC-5): midnight there is 05:00 UTC; at 02:00 UTC it is still the 2nd there.
        let ny = load_moments(t("2026-12-03T02:00:00Z"), FixedOffset::west_opt(5 * 3600).unwrap(), 3);
        assert_eq!(ny, vec![t("2026-12-01T05:00:00Z"), t("2026-12-02T05:00:00Z"), t("2026-12-03T02:00:00Z")]);
        assert_eq!(load_moments(now, FixedOffset::east_opt(0).unwrap(), LOAD_DAYS).len(), 7);
    }

    #[test]
    fn a_task_completed_exactly_at_a_days_end_is_not_waiting_then() {
        let moments = [t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z")];
        let done = taken(
            task(Role::NursePractitioner, "2026-12-05T00:00:00Z", "2026-12-01T09:00:00Z"),
            TaskAction::Completed,
            "2026-12-03T00:00:00Z",
        );
        let load = queue_load(&[done], &[Role::NursePractitioner], &moments);
        assert_eq!(counts(&load[0]), vec![(1, 0), (0, 0)]);
        // Created exactly at a day's end: waiting from that moment.
        let fresh = task(Role::NursePractitioner, "2026-12-05T00:00:00Z", "2026-12-02T00:00:00Z");
        assert_eq!(counts(&queue_load(&[fresh], &[Role::NursePractitioner], &moments)[0]), vec![(1, 0), (1, 0)]);
    }

    #[test]
    fn overdue_starts_after_the_due_time_crossing_midnight() {
        let moments = [t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z"), t("2026-12-04T00:00:00Z")];
        let late_evening = task(Role::NursePractitioner, "2026-12-01T23:00:00Z", "2026-12-01T08:00:00Z");
        let after_midnight = task(Role::NursePractitioner, "2026-12-02T01:00:00Z", "2026-12-01T08:00:00Z");
        let due_at_midnight = task(Role::NursePractitioner, "2026-12-03T00:00:00Z", "2026-12-01T08:00:00Z");
        let load = queue_load(&[late_evening, after_midnight, due_at_midnight], &[Role::NursePractitioner], &moments);
        assert_eq!(counts(&load[0]), vec![(3, 1), (3, 2), (3, 3)]);
    }

    #[test]
    fn claimed_cancelled_and_other_queues_count_only_while_waiting_in_their_queue() {
        let moments = [t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z")];
        let claimed = taken(
            task(Role::Physician, "2026-12-01T12:00:00Z", "2026-12-01T08:00:00Z"),
            TaskAction::Claimed,
            "2026-12-02T10:00:00Z",
        );
        let claimed_then_done = taken(claimed.clone(), TaskAction::Completed, "2026-12-02T12:00:00Z");
        let cancelled = taken(
            task(Role::Physician, "2026-12-09T00:00:00Z", "2026-12-01T08:00:00Z"),
            TaskAction::Cancelled,
            "2026-12-02T23:59:59Z",
        );
        let other = task(Role::NursePractitioner, "2026-12-09T00:00:00Z", "2026-12-01T08:00:00Z");
        let load = queue_load(
            &[claimed, claimed_then_done, cancelled, other],
            &[Role::Physician, Role::CareCoordinator],
            &moments,
        );
        assert_eq!(load.iter().map(|l| l.queue).collect::<Vec<_>>(), vec![Role::Physician, Role::CareCoordinator]);
        assert_eq!(counts(&load[0]), vec![(3, 2), (0, 0)]);
        assert_eq!(counts(&load[1]), vec![(0, 0), (0, 0)]);
    }

    #[test]
    fn without_a_created_event_the_id_says_when_the_task_was_minted() {
        let mut seeded = task(Role::NursePractitioner, "2026-12-09T00:00:00Z", "2026-12-01T00:00:00Z");
        seeded.history.clear();
        seeded.id = TaskId::new_v7(t("2026-12-02T12:00:00Z").timestamp_millis() as u64);
        let now = t("2026-12-03T09:00:00Z");
        assert_eq!(waiting_span(&seeded, now), Some((t("2026-12-02T12:00:00Z"), None)));
        let moments = [t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z")];
        assert_eq!(
            counts(&queue_load(&[seeded.clone()], &[Role::NursePractitioner], &moments)[0]),
            vec![(0, 0), (1, 0)]
        );
    }

    #[test]
    fn a_task_taken_here_and_not_yet_synced_stopped_waiting_now() {
        // Claimed on this device: owner and status changed, the event comes with the server's copy.
        let mut claimed = task(Role::NursePractitioner, "2026-12-09T00:00:00Z", "2026-12-01T08:00:00Z");
        claimed.status = TaskStatus::InProgress;
        claimed.owner_id = Some(PractitionerId::new_v7(2));
        let now = t("2026-12-03T09:00:00Z");
        assert_eq!(waiting_span(&claimed, now), Some((t("2026-12-01T08:00:00Z"), Some(now))));
        let moments = [t("2026-12-02T00:00:00Z"), t("2026-12-03T00:00:00Z"), now];
        assert_eq!(
            counts(&queue_load(&[claimed], &[Role::NursePractitioner], &moments)[0]),
            vec![(1, 0), (1, 0), (0, 0)]
        );
        assert!(queue_load(&[], &[Role::NursePractitioner], &[])[0].points.is_empty());
    }
}
