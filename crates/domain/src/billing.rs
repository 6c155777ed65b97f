//! Billing suggestion: the visit's level of medical decision making (two of three elements:
//! problems, data, risk) or, for an asynchronous visit, the clinician's time over seven days;
//! the code itself comes from the organisation's service menu. No CPT content ships with Rounds:
//! the menu (codes and the organisation's own descriptions) is organisation data.

use crate::charting::Draft;
use crate::EncounterMode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    Straightforward,
    Low,
    Moderate,
    High,
}

impl Complexity {
    fn parse(s: &str) -> Option<Complexity> {
        Some(match s {
            "straightforward" => Complexity::Straightforward,
            "low" => Complexity::Low,
            "moderate" => Complexity::Moderate,
            "high" => Complexity::High,
            _ => return None,
        })
    }
}

/// What a service-menu line bills for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ServiceRule {
    /// A visit (in person, video or phone) at a level of decision making.
    Visit { complexity: Complexity, new_patient: bool },
    /// An online digital evaluation: cumulative minutes over seven days.
    EVisit { min_minutes: u32, max_minutes: Option<u32> },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct ServiceMenuEntry {
    pub code: String,
    /// The organisation's own words.
    pub description: String,
    pub rule: ServiceRule,
}

/// Reads a service menu from CSV: `code,description,rule` with a header line; a rule is
/// `visit:<new|established>:<complexity>` or `evisit:<min>-<max>` / `evisit:<min>+`.
/// Every bad line is reported with its number; nothing is returned unless all are good.
pub fn parse_service_menu(csv: &str) -> Result<Vec<ServiceMenuEntry>, String> {
    let mut lines = csv.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, h)) if h.trim() == "code,description,rule" => {}
        _ => return Err("the first line must be the header: code,description,rule".into()),
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [code, description, rule] = fields[..] else {
            errors.push(format!("line {n}: expected 3 fields (no commas inside fields)"));
            continue;
        };
        if code.is_empty() || code.len() > 10 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            errors.push(format!("line {n}: '{code}' is not a billing code"));
            continue;
        }
        if description.is_empty() {
            errors.push(format!("line {n}: a description is needed"));
            continue;
        }
        match parse_rule(rule) {
            Some(rule) => {
                if out.iter().any(|e: &ServiceMenuEntry| e.code == code) {
                    errors.push(format!("line {n}: code {code} appears twice"));
                    continue;
                }
                out.push(ServiceMenuEntry { code: code.into(), description: description.into(), rule })
            }
            None => errors.push(format!(
                "line {n}: '{rule}' is not a rule (visit:new|established:<level> or evisit:<min>-<max>)"
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors.join("; "))
    }
}

fn parse_rule(s: &str) -> Option<ServiceRule> {
    let parts: Vec<&str> = s.split(':').collect();
    match parts[..] {
        ["visit", who, level] => Some(ServiceRule::Visit {
            complexity: Complexity::parse(level)?,
            new_patient: match who {
                "new" => true,
                "established" => false,
                _ => return None,
            },
        }),
        ["evisit", range] => {
            if let Some(min) = range.strip_suffix('+') {
                return Some(ServiceRule::EVisit { min_minutes: min.parse().ok()?, max_minutes: None });
            }
            let (a, b) = range.split_once('-')?;
            let (min, max): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
            (min <= max).then_some(ServiceRule::EVisit { min_minutes: min, max_minutes: Some(max) })
        }
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct BillingSuggestion {
    /// The level of decision making (visits), None for e-visits.
    pub complexity: Option<Complexity>,
    /// The matching line of the service menu, when there is one.
    pub code: Option<String>,
    pub description: Option<String>,
    /// Why, in a clinician's words (one line per element).
    pub rationale: Vec<String>,
}

/// The service menu's e-visit line for `minutes` over seven days, if any.
fn evisit_line(minutes: u32, menu: &[ServiceMenuEntry]) -> Option<&ServiceMenuEntry> {
    menu.iter().find(|e| match e.rule {
        ServiceRule::EVisit { min_minutes, max_minutes } => {
            minutes >= min_minutes && max_minutes.is_none_or(|max| minutes <= max)
        }
        _ => false,
    })
}

/// The e-visit code `minutes` over seven days suggest (99421 for 5-10 with the standard menu).
pub fn evisit_code(minutes: u32, menu: &[ServiceMenuEntry]) -> Option<String> {
    evisit_line(minutes, menu).map(|l| l.code.clone())
}

/// Suggests what to bill for this visit. `async_minutes` is the clinician's time on the
/// patient's threads over the last seven days (e-visits).
pub fn suggest(
    draft: &Draft,
    new_patient: bool,
    async_minutes: Option<u32>,
    menu: &[ServiceMenuEntry],
) -> BillingSuggestion {
    if draft.context.mode == EncounterMode::Async {
        let Some(minutes) = async_minutes else {
            return BillingSuggestion {
                complexity: None,
                code: None,
                description: None,
                rationale: vec!["E-visit: time on the thread is not known yet".into()],
            };
        };
        let line = evisit_line(minutes, menu);
        return BillingSuggestion {
            complexity: None,
            code: line.map(|l| l.code.clone()),
            description: line.map(|l| l.description.clone()),
            rationale: vec![if line.is_some() {
                format!("E-visit: {minutes} minutes over 7 days")
            } else {
                format!("E-visit: {minutes} minutes over 7 days is below the menu's shortest e-visit")
            }],
        };
    }
    let dx = draft.assessment.diagnoses.len();
    let problems = match dx {
        0 => Complexity::Straightforward,
        1 => Complexity::Low,
        _ => Complexity::Moderate,
    };
    let tests = draft.plan.labs.len();
    let data = match tests {
        0 | 1 => Complexity::Straightforward,
        2 => Complexity::Low,
        _ => Complexity::Moderate,
    };
    let rx = draft.plan.medications.len();
    let risk = if rx > 0 {
        Complexity::Moderate
    } else if !draft.plan.instructions.trim().is_empty() {
        Complexity::Low
    } else {
        Complexity::Straightforward
    };
    // Two of three elements: the middle one.
    let mut all = [problems, data, risk];
    all.sort();
    let level = all[1];
    let line = menu.iter().find(|e| e.rule == ServiceRule::Visit { complexity: level, new_patient });
    BillingSuggestion {
        complexity: Some(level),
        code: line.map(|l| l.code.clone()),
        description: line.map(|l| l.description.clone()),
        rationale: vec![
            format!("Problems: {dx} diagnosis{} ({problems:?})", if dx == 1 { "" } else { "es" }),
            format!("Data: {tests} test{} ordered ({data:?})", if tests == 1 { "" } else { "s" }),
            format!("Risk: {} ({risk:?})", if rx > 0 { "prescription drug management" } else { "no prescription" }),
        ],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::charting::*;

    const MENU: &str = "code,description,rule\n\
        99212,Established visit straightforward,visit:established:straightforward\n\
        99213,Established visit low,visit:established:low\n\
        99214,Established visit moderate,visit:established:moderate\n\
        99421,E-visit 5-10 min,evisit:5-10\n\
        99422,E-visit 11-20 min,evisit:11-20\n\
        99423,E-visit 21+ min,evisit:21+\n";

    fn draft() -> Draft {
        let mut d = Draft::new(EncounterMode::Video, "TX".parse().unwrap(), "adult_primary");
        d.assessment.diagnoses.push(Diagnosis { code: "J02.0".into(), description: "Strep".into(), billable: true });
        d
    }

    #[test]
    fn the_level_is_two_of_three_elements() {
        let menu = parse_service_menu(MENU).unwrap();
        let mut d = draft();
        d.plan.labs.push(LabOrder { loinc: "78012-2".into(), name: "Rapid strep".into() });
        assert_eq!(suggest(&d, false, None, &menu).complexity, Some(Complexity::Straightforward));
        d.plan.instructions = "Fluids".into();
        let s = suggest(&d, false, None, &menu);
        assert_eq!((s.complexity, s.code.as_deref()), (Some(Complexity::Low), Some("99213")));
        d.plan.medications.push(MedicationOrder { rxcui: "308182".into(), name: "Amoxicillin".into(), sig: "".into() });
        d.assessment.diagnoses.push(Diagnosis { code: "R50.9".into(), description: "Fever".into(), billable: true });
        assert_eq!(suggest(&d, false, None, &menu).code.as_deref(), Some("99214"));
        assert_eq!(suggest(&d, true, None, &menu).code, None, "no new-patient line in this menu");
    }

    #[test]
    fn e_visits_bill_by_minutes() {
        let menu = parse_service_menu(MENU).unwrap();
        let mut d = draft();
        d.context.mode = EncounterMode::Async;
        let code = |m| suggest(&d, false, m, &menu).code;
        assert_eq!(code(None), None);
        assert_eq!(code(Some(4)), None);
        assert_eq!(code(Some(5)).as_deref(), Some("99421"));
        assert_eq!(code(Some(11)).as_deref(), Some("99422"));
        assert_eq!(code(Some(95)).as_deref(), Some("99423"));
    }

    #[test]
    fn a_bad_menu_is_refused_line_by_line() {
        let err =
            parse_service_menu("code,description,rule\nX 1,a,visit:new:low\n99213,b,visit:old:low\n,c,evisit:1-2\n")
                .unwrap_err();
        assert!(err.contains("line 2") && err.contains("line 3") && err.contains("line 4"), "{err}");
        assert!(parse_service_menu("nope").is_err());
        assert!(parse_service_menu("code,description,rule\n1,a,evisit:9-3\n").is_err());
    }
}
