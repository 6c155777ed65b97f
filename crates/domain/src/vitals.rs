//! Vital signs: units, the bounds of what is physically possible (outside them a value is refused
//! as a typing error), and age-aware normal ranges (outside them a value is charted and flagged).
//!
//! Pediatric ranges follow the commonly taught bands (PALS-style heart and breathing rates by age,
//! systolic pressure by age); they are screening flags for a busy clinician, not a diagnosis.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub enum TemperatureUnit {
    #[serde(rename = "C")]
    Celsius,
    #[serde(rename = "F")]
    Fahrenheit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeightUnit {
    Kg,
    Lb,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LengthUnit {
    Cm,
    In,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Temperature {
    pub value: f64,
    pub unit: TemperatureUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Weight {
    pub value: f64,
    pub unit: WeightUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Height {
    pub value: f64,
    pub unit: LengthUnit,
}

/// The vitals page, as entered (units kept as the clinician chose them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Vitals {
    pub temperature: Option<Temperature>,
    /// Beats per minute.
    pub heart_rate: Option<f64>,
    /// Breaths per minute.
    pub respiratory_rate: Option<f64>,
    /// mmHg.
    pub systolic: Option<f64>,
    /// mmHg.
    pub diastolic: Option<f64>,
    /// Percent.
    pub spo2: Option<f64>,
    pub weight: Option<Weight>,
    pub height: Option<Height>,
    /// 0 to 10.
    pub pain: Option<f64>,
    /// Patient- or parent-reported values (async and phone visits), said so in the note.
    pub reported: bool,
}

/// One measurement the vitals page can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VitalKind {
    Temperature,
    HeartRate,
    RespiratoryRate,
    Systolic,
    Diastolic,
    Spo2,
    Weight,
    Height,
    Pain,
}

impl VitalKind {
    pub fn label(&self) -> &'static str {
        match self {
            VitalKind::Temperature => "Temperature",
            VitalKind::HeartRate => "Heart rate",
            VitalKind::RespiratoryRate => "Respiratory rate",
            VitalKind::Systolic => "Systolic pressure",
            VitalKind::Diastolic => "Diastolic pressure",
            VitalKind::Spo2 => "SpO2",
            VitalKind::Weight => "Weight",
            VitalKind::Height => "Height",
            VitalKind::Pain => "Pain score",
        }
    }

    /// The LOINC code an observation of this kind is stored under.
    pub fn loinc(&self) -> &'static str {
        match self {
            VitalKind::Temperature => "8310-5",
            VitalKind::HeartRate => "8867-4",
            VitalKind::RespiratoryRate => "9279-1",
            VitalKind::Systolic => "8480-6",
            VitalKind::Diastolic => "8462-4",
            VitalKind::Spo2 => "59408-5",
            VitalKind::Weight => "29463-7",
            VitalKind::Height => "8302-2",
            VitalKind::Pain => "72514-3",
        }
    }

    /// The unit values of this kind are compared (and stored as observations) in.
    pub fn canonical_unit(&self) -> &'static str {
        match self {
            VitalKind::Temperature => "Cel",
            VitalKind::HeartRate => "/min",
            VitalKind::RespiratoryRate => "/min",
            VitalKind::Systolic | VitalKind::Diastolic => "mm[Hg]",
            VitalKind::Spo2 => "%",
            VitalKind::Weight => "kg",
            VitalKind::Height => "cm",
            VitalKind::Pain => "{score}",
        }
    }

    /// What no living patient can have: outside it the value is a typing error.
    fn possible(&self) -> (f64, f64) {
        match self {
            VitalKind::Temperature => (25.0, 45.0),
            VitalKind::HeartRate => (20.0, 300.0),
            VitalKind::RespiratoryRate => (4.0, 120.0),
            VitalKind::Systolic => (40.0, 300.0),
            VitalKind::Diastolic => (15.0, 200.0),
            VitalKind::Spo2 => (50.0, 100.0),
            VitalKind::Weight => (0.3, 400.0),
            VitalKind::Height => (20.0, 250.0),
            VitalKind::Pain => (0.0, 10.0),
        }
    }
}

/// A value in its canonical unit (°C, kg, cm; the others have one unit).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Reading {
    pub kind: VitalKind,
    pub value: f64,
}

impl Vitals {
    /// Every entered value, converted to its canonical unit, in page order.
    pub fn readings(&self) -> Vec<Reading> {
        let temp = self.temperature.map(|t| match t.unit {
            TemperatureUnit::Celsius => t.value,
            TemperatureUnit::Fahrenheit => (t.value - 32.0) * 5.0 / 9.0,
        });
        let weight = self.weight.map(|w| match w.unit {
            WeightUnit::Kg => w.value,
            WeightUnit::Lb => w.value * 0.453_592_37,
        });
        let height = self.height.map(|h| match h.unit {
            LengthUnit::Cm => h.value,
            LengthUnit::In => h.value * 2.54,
        });
        [
            (VitalKind::Temperature, temp),
            (VitalKind::HeartRate, self.heart_rate),
            (VitalKind::RespiratoryRate, self.respiratory_rate),
            (VitalKind::Systolic, self.systolic),
            (VitalKind::Diastolic, self.diastolic),
            (VitalKind::Spo2, self.spo2),
            (VitalKind::Weight, weight),
            (VitalKind::Height, height),
            (VitalKind::Pain, self.pain),
        ]
        .into_iter()
        .filter_map(|(kind, v)| v.map(|value| Reading { kind, value }))
        .collect()
    }

    /// Refuses what cannot be a measurement: not a number, negative, or beyond what is
    /// physically possible. Each message names the value and the bounds.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        for r in self.readings() {
            let (lo, hi) = r.kind.possible();
            if !r.value.is_finite() || r.value < lo || r.value > hi {
                let unit = r.kind.canonical_unit().trim_matches(|c| c == '{' || c == '}');
                problems.push(format!(
                    "{} {} is not possible (expected {lo} to {hi} {unit})",
                    r.kind.label(),
                    display_number(r.value)
                ));
            }
        }
        if let (Some(s), Some(d)) = (self.systolic, self.diastolic) {
            if d >= s {
                problems.push(format!("Diastolic {} must be below systolic {}", display_number(d), display_number(s)));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Values outside the normal range for a patient of this age on the day of the visit.
    pub fn flags(&self, birth_date: NaiveDate, on: NaiveDate) -> Vec<VitalFlag> {
        let band = AgeBand::of(birth_date, on);
        self.readings()
            .into_iter()
            .filter_map(|r| {
                let (lo, hi) = band.normal(r.kind)?;
                let direction = if r.value < lo {
                    FlagDirection::Low
                } else if r.value > hi {
                    FlagDirection::High
                } else {
                    return None;
                };
                Some(VitalFlag {
                    kind: r.kind,
                    direction,
                    message: format!(
                        "{} {} is {} for {} (normal {}–{})",
                        r.kind.label(),
                        display_number(round1(r.value)),
                        if direction == FlagDirection::Low { "low" } else { "high" },
                        band.label(),
                        display_number(lo),
                        display_number(hi)
                    ),
                })
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.readings().is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagDirection {
    Low,
    High,
}

/// An entered value outside the normal range for the patient's age.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct VitalFlag {
    pub kind: VitalKind,
    pub direction: FlagDirection,
    pub message: String,
}

/// Age bands with their own normal ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    /// Under 28 days.
    Neonate,
    /// 28 days to 1 year.
    Infant,
    /// 1 to 2 years.
    Toddler,
    /// 3 to 5 years.
    Preschool,
    /// 6 to 11 years.
    SchoolAge,
    /// 12 to 17 years.
    Adolescent,
    Adult,
}

impl AgeBand {
    pub fn of(birth_date: NaiveDate, on: NaiveDate) -> AgeBand {
        let days = (on - birth_date).num_days();
        let years = crate::patient::age_on(birth_date, on);
        match (days, years) {
            (d, _) if d < 28 => AgeBand::Neonate,
            (_, 0) => AgeBand::Infant,
            (_, 1..=2) => AgeBand::Toddler,
            (_, 3..=5) => AgeBand::Preschool,
            (_, 6..=11) => AgeBand::SchoolAge,
            (_, 12..=17) => AgeBand::Adolescent,
            _ => AgeBand::Adult,
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            AgeBand::Neonate => "a newborn",
            AgeBand::Infant => "an infant",
            AgeBand::Toddler => "a toddler",
            AgeBand::Preschool => "a preschool child",
            AgeBand::SchoolAge => "a school-age child",
            AgeBand::Adolescent => "an adolescent",
            AgeBand::Adult => "an adult",
        }
    }

    /// The normal range (inclusive) of `kind` in this band, in the canonical unit; None where
    /// no flag is useful (weight and height depend on growth charts, not a range).
    pub fn normal(&self, kind: VitalKind) -> Option<(f64, f64)> {
        use AgeBand::*;
        Some(match kind {
            VitalKind::Temperature => (36.0, 37.9),
            VitalKind::Spo2 => (95.0, 100.0),
            VitalKind::Pain => (0.0, 3.0),
            VitalKind::HeartRate => match self {
                Neonate => (100.0, 205.0),
                Infant => (100.0, 180.0),
                Toddler => (98.0, 140.0),
                Preschool => (80.0, 120.0),
                SchoolAge => (75.0, 118.0),
                Adolescent => (60.0, 100.0),
                Adult => (60.0, 100.0),
            },
            VitalKind::RespiratoryRate => match self {
                Neonate => (30.0, 60.0),
                Infant => (30.0, 53.0),
                Toddler => (22.0, 37.0),
                Preschool => (20.0, 28.0),
                SchoolAge => (18.0, 25.0),
                Adolescent => (12.0, 20.0),
                Adult => (12.0, 20.0),
            },
            VitalKind::Systolic => match self {
                Neonate => (60.0, 84.0),
                Infant => (72.0, 104.0),
                Toddler => (86.0, 106.0),
                Preschool => (89.0, 112.0),
                SchoolAge => (97.0, 120.0),
                Adolescent => (110.0, 131.0),
                Adult => (90.0, 139.0),
            },
            VitalKind::Diastolic => match self {
                Neonate => (31.0, 53.0),
                Infant => (37.0, 56.0),
                Toddler => (42.0, 63.0),
                Preschool => (46.0, 72.0),
                SchoolAge => (57.0, 80.0),
                Adolescent => (64.0, 83.0),
                Adult => (60.0, 89.0),
            },
            VitalKind::Weight | VitalKind::Height => return None,
        })
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A number as a clinician writes it: no trailing ".0".
pub fn display_number(v: f64) -> String {
    let r = round1(v);
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn impossible_values_are_refused_with_the_bounds() {
        let v = Vitals { heart_rate: Some(-5.0), ..Default::default() };
        let err = v.validate().unwrap_err();
        assert!(err.contains("Heart rate -5 is not possible"), "{err}");
        let v = Vitals {
            temperature: Some(Temperature { value: 3.0, unit: TemperatureUnit::Celsius }),
            ..Default::default()
        };
        assert!(v.validate().unwrap_err().contains("Temperature 3"));
        let v = Vitals { spo2: Some(f64::NAN), ..Default::default() };
        assert!(v.validate().is_err());
        let v = Vitals { systolic: Some(80.0), diastolic: Some(90.0), ..Default::default() };
        assert!(v.validate().unwrap_err().contains("below systolic"));
        let v = Vitals {
            temperature: Some(Temperature { value: 101.3, unit: TemperatureUnit::Fahrenheit }),
            weight: Some(Weight { value: 44.0, unit: WeightUnit::Lb }),
            ..Default::default()
        };
        assert_eq!(v.validate(), Ok(()));
    }

    #[test]
    fn fahrenheit_is_converted_before_comparing() {
        let v = Vitals {
            temperature: Some(Temperature { value: 101.3, unit: TemperatureUnit::Fahrenheit }),
            ..Default::default()
        };
        let flags = v.flags(d("1990-01-01"), d("2026-11-23"));
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].direction, FlagDirection::High);
        assert!(flags[0].message.starts_with("Temperature 38.5 is high"), "{}", flags[0].message);
    }

    #[test]
    fn the_same_heart_rate_is_normal_for_an_infant_and_high_for_an_adult() {
        let v = Vitals { heart_rate: Some(130.0), respiratory_rate: Some(40.0), ..Default::default() };
        let infant = v.flags(d("2026-05-01"), d("2026-11-23"));
        assert!(infant.is_empty(), "{infant:?}");
        let adult = v.flags(d("1980-05-01"), d("2026-11-23"));
        let kinds: Vec<_> = adult.iter().map(|f| f.kind).collect();
        assert_eq!(kinds, vec![VitalKind::HeartRate, VitalKind::RespiratoryRate]);
        let school = Vitals { heart_rate: Some(60.0), ..Default::default() }.flags(d("2018-01-01"), d("2026-11-23"));
        assert_eq!(school[0].direction, FlagDirection::Low);
    }

    #[test]
    fn age_bands_have_sharp_edges() {
        let on = d("2026-11-23");
        assert_eq!(AgeBand::of(d("2026-11-01"), on), AgeBand::Neonate);
        assert_eq!(AgeBand::of(d("2026-10-01"), on), AgeBand::Infant);
        assert_eq!(AgeBand::of(d("2025-11-23"), on), AgeBand::Toddler);
        assert_eq!(AgeBand::of(d("2023-11-24"), on), AgeBand::Toddler);
        assert_eq!(AgeBand::of(d("2023-11-23"), on), AgeBand::Preschool);
        assert_eq!(AgeBand::of(d("2014-11-23"), on), AgeBand::Adolescent);
        assert_eq!(AgeBand::of(d("2008-11-23"), on), AgeBand::Adult);
    }
}
