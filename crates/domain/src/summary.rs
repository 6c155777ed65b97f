//! Thread summaries whose every sentence names the messages it came from.
//!
//! [`ExtractiveSummarizer`] is deterministic and needs no model: it splits the messages into
//! sentences and picks, by lexicon and cue words, the patient's concerns, symptoms (with their
//! durations and the ones denied), medications, questions still unanswered and action items.
//! The text it shows is the patients' and clinicians' own words, so a summary never says what
//! nobody wrote. A model can replace it behind [`Summarizer`].

use crate::{Message, MessageDirection, MessageId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use ts_rs::TS;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SummaryKind {
    Concern,
    Symptom,
    Medication,
    Question,
    ActionItem,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct SummarySentence {
    pub kind: SummaryKind,
    pub text: String,
    /// The messages this sentence came from, oldest first; never empty.
    pub sources: Vec<MessageId>,
    /// A source arrived after the reader last read the thread.
    pub new: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, schemars::JsonSchema)]
pub struct Summary {
    pub sentences: Vec<SummarySentence>,
    /// How many messages were read (those since the last encounter).
    pub messages: u32,
}

pub trait Summarizer: Send + Sync {
    /// Summarises `messages` (in the order they were sent). Sentences citing a message sent
    /// after `last_read` are marked new; with no `last_read`, all are.
    fn summarize(&self, messages: &[Message], last_read: Option<DateTime<Utc>>) -> Summary;
}

/// Symptoms as patients write them, with the label the summary uses.
const SYMPTOMS: &[(&str, &str)] = &[
    ("fever", "Fever"),
    ("temperature", "Fever"),
    ("temp of", "Fever"),
    ("cough", "Cough"),
    ("sore throat", "Sore throat"),
    ("throat hurts", "Sore throat"),
    ("runny nose", "Runny nose"),
    ("stuffy", "Congestion"),
    ("congest", "Congestion"),
    ("sneez", "Sneezing"),
    ("rash", "Rash"),
    ("hives", "Rash"),
    ("itch", "Itching"),
    ("vomit", "Vomiting"),
    ("throwing up", "Vomiting"),
    ("threw up", "Vomiting"),
    ("diarrhea", "Diarrhea"),
    ("nausea", "Nausea"),
    ("nauseous", "Nausea"),
    ("headache", "Headache"),
    ("ear pain", "Ear pain"),
    ("ear hurts", "Ear pain"),
    ("pulling at", "Ear pain"),
    ("tummy", "Abdominal pain"),
    ("stomach", "Abdominal pain"),
    ("belly", "Abdominal pain"),
    ("wheez", "Wheezing"),
    ("short of breath", "Shortness of breath"),
    ("trouble breathing", "Shortness of breath"),
    ("chest pain", "Chest pain"),
    ("dizz", "Dizziness"),
    ("tired", "Fatigue"),
    ("fatigue", "Fatigue"),
    ("not eating", "Poor appetite"),
    ("won't eat", "Poor appetite"),
    ("appetite", "Poor appetite"),
    ("not drinking", "Poor fluid intake"),
    ("swell", "Swelling"),
    ("swollen", "Swelling"),
    ("burning when", "Painful urination"),
    ("burns when", "Painful urination"),
    ("pink eye", "Eye redness"),
    ("eye is red", "Eye redness"),
    ("eyes are red", "Eye redness"),
    ("back pain", "Back pain"),
    ("joint pain", "Joint pain"),
    ("bleeding", "Bleeding"),
];

/// Common medications by the names patients use (generic and brand), with the summary's label.
const MEDICATIONS: &[(&str, &str)] = &[
    ("acetaminophen", "Acetaminophen"),
    ("tylenol", "Acetaminophen"),
    ("paracetamol", "Acetaminophen"),
    ("ibuprofen", "Ibuprofen"),
    ("motrin", "Ibuprofen"),
    ("advil", "Ibuprofen"),
    ("naproxen", "Naproxen"),
    ("aleve", "Naproxen"),
    ("amoxicillin", "Amoxicillin"),
    ("amox", "Amoxicillin"),
    ("augmentin", "Amoxicillin-clavulanate"),
    ("azithromycin", "Azithromycin"),
    ("zithromax", "Azithromycin"),
    ("cephalexin", "Cephalexin"),
    ("keflex", "Cephalexin"),
    ("cefdinir", "Cefdinir"),
    ("albuterol", "Albuterol"),
    ("inhaler", "Inhaler"),
    ("prednisone", "Prednisone"),
    ("prednisolone", "Prednisolone"),
    ("cetirizine", "Cetirizine"),
    ("zyrtec", "Cetirizine"),
    ("loratadine", "Loratadine"),
    ("claritin", "Loratadine"),
    ("diphenhydramine", "Diphenhydramine"),
    ("benadryl", "Diphenhydramine"),
    ("ondansetron", "Ondansetron"),
    ("zofran", "Ondansetron"),
    ("omeprazole", "Omeprazole"),
    ("famotidine", "Famotidine"),
    ("fluticasone", "Fluticasone"),
    ("flonase", "Fluticasone"),
    ("montelukast", "Montelukast"),
    ("singulair", "Montelukast"),
    ("oseltamivir", "Oseltamivir"),
    ("tamiflu", "Oseltamivir"),
    ("nitrofurantoin", "Nitrofurantoin"),
    ("bactrim", "Trimethoprim-sulfamethoxazole"),
    ("mupirocin", "Mupirocin"),
    ("hydrocortisone", "Hydrocortisone"),
    ("miralax", "Polyethylene glycol"),
    ("guaifenesin", "Guaifenesin"),
    ("mucinex", "Guaifenesin"),
    ("lisinopril", "Lisinopril"),
    ("amlodipine", "Amlodipine"),
    ("metformin", "Metformin"),
    ("insulin", "Insulin"),
    ("atorvastatin", "Atorvastatin"),
    ("levothyroxine", "Levothyroxine"),
    ("sertraline", "Sertraline"),
];

const CONCERN_CUES: &[&str] = &["worried", "concerned", "scared", "not sure", "wondering", "anxious", "afraid"];
/// Words before a symptom that deny it ("no fever", "hasn't had a rash").
const NEGATIONS: &[&str] = &["no", "not", "without", "denies", "never", "hasn't", "hasnt", "isn't", "none", "nor"];
/// A care team's commitments and instructions.
const OUTBOUND_ACTIONS: &[&str] = &[
    "i will",
    "i'll",
    "we will",
    "we'll",
    "please",
    "make sure",
    "call us",
    "call 911",
    "go to the er",
    "schedule",
    "follow up",
    "send",
    "keep giving",
    "give her",
    "give him",
];
/// What a patient asks to be done.
const INBOUND_REQUESTS: &[&str] =
    &["refill", "appointment", "school note", "work note", "call me", "call back", "prescription", "send a"];
const TIME_UNITS: &[&str] = &["minute", "hour", "day", "night", "week", "month"];
const NUMBER_WORDS: &[&str] =
    &["a", "an", "one", "two", "three", "four", "five", "six", "seven", "few", "couple", "several"];
const SINCE_WORDS: &[&str] = &[
    "yesterday",
    "last night",
    "this morning",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "last week",
    "the weekend",
];

/// Most action items in a summary (the latest).
const MAX_ACTION_ITEMS: usize = 10;

/// Longest sentence quoted, in characters.
const MAX_QUOTE: usize = 200;

pub struct ExtractiveSummarizer {
    /// Lower-case name -> label, for single words (most medication names).
    medications: HashMap<String, String>,
}

impl Default for ExtractiveSummarizer {
    fn default() -> Self {
        ExtractiveSummarizer {
            medications: MEDICATIONS.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(),
        }
    }
}

impl ExtractiveSummarizer {
    /// Also recognises these names (e.g. the organisation's drug catalog), by their first word.
    pub fn with_medications<'a>(mut self, names: impl IntoIterator<Item = &'a str>) -> Self {
        for name in names {
            if let Some(word) = name.split_whitespace().next() {
                let key = word.to_lowercase();
                if key.len() >= 5 && key.chars().all(|c| c.is_ascii_alphabetic() || c == '-') {
                    let label = capitalise(&key);
                    self.medications.entry(key).or_insert(label);
                }
            }
        }
        self
    }
}

struct Sentence<'a> {
    message: usize,
    text: &'a str,
    lower: String,
}

/// Splits a body into sentences at . ! ? and line breaks, keeping the mark.
fn sentences(body: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    let mut out = Vec::new();
    for (i, c) in body.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            let end = i + c.len_utf8();
            // A decimal point ("101.5") does not end a sentence.
            let decimal = c == '.'
                && body[..i].chars().next_back().is_some_and(|p| p.is_ascii_digit())
                && body[end..].chars().next().is_some_and(|n| n.is_ascii_digit());
            if !decimal {
                out.push(&body[start..end]);
                start = end;
            }
        }
    }
    out.push(&body[start..]);
    out.into_iter().map(str::trim).filter(|s| s.chars().any(char::is_alphanumeric))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|f| f.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn quote(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= MAX_QUOTE {
        return s.to_string();
    }
    let cut: String = s.chars().take(MAX_QUOTE - 1).collect();
    format!("{}…", cut.trim_end())
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// Where `needle` starts in `hay` at the start of a word (it may run on: "vomit" finds
/// "vomiting").
fn find_word_start(hay: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let at = from + i;
        if !hay[..at].chars().next_back().is_some_and(is_word_char) {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

/// Whether a symptom at `at` is denied by one of the three words before it.
fn negated(lower: &str, at: usize) -> bool {
    let before = &lower[..at];
    // Up to the clause's start: "no fever, but a cough" denies the fever only.
    let clause = before.rsplit([',', ';', ':']).next().unwrap_or(before);
    clause
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .rev()
        .take(3)
        .any(|w| NEGATIONS.contains(&w) || w.ends_with("n't"))
}

/// The byte range of the clause around `at`: up to the nearest , ; : "and" or "but".
fn clause(lower: &str, at: usize) -> (usize, usize) {
    const BREAKS: [&str; 5] = [",", ";", ":", " and ", " but "];
    let from = BREAKS.iter().filter_map(|b| lower[..at].rfind(b).map(|i| i + b.len())).max().unwrap_or(0);
    let to = BREAKS.iter().filter_map(|b| lower[at..].find(b).map(|i| at + i)).min().unwrap_or(lower.len());
    (from, to)
}

/// The duration phrase in a sentence, as written ("for 3 days", "since yesterday").
fn duration(text: &str, lower: &str) -> Option<String> {
    // Lower-casing changed some byte lengths (rare letters): quote the lower-cased text.
    let text = if text.len() == lower.len() { text } else { lower };
    let words: Vec<(usize, &str)> = lower
        .split(|c: char| !is_word_char(c))
        .scan(0usize, |pos, w| {
            let start = lower[*pos..].find(w).map(|i| *pos + i).unwrap_or(*pos);
            *pos = start + w.len();
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
        .collect();
    let is_unit = |w: &str| TIME_UNITS.iter().any(|u| w.starts_with(u) && w.len() <= u.len() + 1);
    let is_count = |w: &str| w.chars().all(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&w);
    for (i, (start, w)) in words.iter().enumerate() {
        // "for 3 days", "for a couple of days", "3 days", "past two weeks"
        if is_count(w) {
            let unit = words[i + 1..].iter().take(3).position(|(_, u)| is_unit(u));
            if let Some(k) = unit {
                let (ustart, u) = words[i + 1 + k];
                let begin = match i.checked_sub(1).map(|j| words[j]) {
                    Some((s, "for" | "past" | "last" | "about" | "almost" | "over")) => s,
                    _ => *start,
                };
                return text.get(begin..ustart + u.len()).map(str::to_string);
            }
        }
        if *w == "since" {
            let rest = &lower[start + 5..];
            let trimmed = rest.trim_start();
            let offset = start + 5 + (rest.len() - trimmed.len());
            if let Some(s) = SINCE_WORDS.iter().find(|s| trimmed.starts_with(*s)) {
                return text.get(*start..offset + s.len()).map(str::to_string);
            }
        }
    }
    SINCE_WORDS
        .iter()
        .take(3)
        .find_map(|s| find_word_start(lower, s).and_then(|at| text.get(at..at + s.len())).map(|w| format!("since {w}")))
}

impl Summarizer for ExtractiveSummarizer {
    fn summarize(&self, messages: &[Message], last_read: Option<DateTime<Utc>>) -> Summary {
        let all: Vec<Sentence<'_>> = messages
            .iter()
            .enumerate()
            .flat_map(|(m, msg)| {
                sentences(&msg.body).map(move |text| Sentence { message: m, text, lower: text.to_lowercase() })
            })
            .collect();
        let inbound = |s: &&Sentence<'_>| messages[s.message].direction == MessageDirection::Inbound;
        let mut out: Vec<(SummaryKind, String, Vec<usize>)> = Vec::new();

        // Concerns: the patient's opening sentence, and any that says they are worried.
        let mut concerns: Vec<&Sentence<'_>> = Vec::new();
        if let Some(first) = all.iter().find(inbound) {
            concerns.push(first);
        }
        for s in all.iter().filter(inbound) {
            if concerns.len() >= 3 {
                break;
            }
            if CONCERN_CUES.iter().any(|c| s.lower.contains(c)) && !concerns.iter().any(|c| std::ptr::eq(*c, s)) {
                concerns.push(s);
            }
        }
        out.extend(concerns.iter().map(|s| (SummaryKind::Concern, quote(s.text), vec![s.message])));

        // Symptoms: by label, with the first duration given and every message that names it.
        let mut present: BTreeMap<usize, (&str, Option<String>, Vec<usize>)> = BTreeMap::new();
        let mut denied: BTreeMap<usize, (&str, Vec<usize>)> = BTreeMap::new();
        let mut order: HashMap<&str, usize> = HashMap::new();
        for s in all.iter().filter(inbound) {
            for (needle, label) in SYMPTOMS {
                let Some(at) = find_word_start(&s.lower, needle) else { continue };
                let next = order.len();
                let rank = *order.entry(label).or_insert(next);
                if negated(&s.lower, at) {
                    let entry = denied.entry(rank).or_insert((label, vec![]));
                    if !entry.1.contains(&s.message) {
                        entry.1.push(s.message);
                    }
                } else {
                    let entry = present.entry(rank).or_insert((label, None, vec![]));
                    if !entry.2.contains(&s.message) {
                        entry.2.push(s.message);
                    }
                    if entry.1.is_none() {
                        // The duration said of this symptom: in its own clause ("a fever for
                        // 3 days and a cough since yesterday").
                        let (from, to) = clause(&s.lower, at);
                        entry.1 = s.text.get(from..to).and_then(|text| duration(text, &s.lower[from..to]));
                    }
                }
            }
        }
        for (_, (label, dur, sources)) in present {
            let text = match dur {
                Some(d) => format!("{label}, {d}."),
                None => format!("{label}."),
            };
            out.push((SummaryKind::Symptom, text, sources));
        }
        let denied: Vec<_> = denied
            .into_values()
            .filter(|(label, _)| !out.iter().any(|(k, t, _)| *k == SummaryKind::Symptom && t.starts_with(label)))
            .collect();
        for (label, sources) in denied {
            out.push((SummaryKind::Symptom, format!("No {}.", label.to_lowercase()), sources));
        }

        // Medications: by label, quoting the first sentence that names it.
        let mut meds: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
        let mut med_order: Vec<String> = Vec::new();
        for s in &all {
            for word in s.lower.split(|c: char| !c.is_alphanumeric()) {
                let Some(label) = self.medications.get(word) else { continue };
                if !meds.contains_key(label) {
                    med_order.push(label.clone());
                }
                let entry = meds.entry(label.clone()).or_insert_with(|| (quote(s.text), vec![]));
                if !entry.1.contains(&s.message) {
                    entry.1.push(s.message);
                }
            }
        }
        for label in med_order {
            let (first, sources) = meds.remove(&label).unwrap_or_default();
            out.push((SummaryKind::Medication, format!("{label}: \u{201c}{first}\u{201d}"), sources));
        }

        // Questions the patient asked after the care team last wrote.
        let last_outbound = messages.iter().rposition(|m| m.direction == MessageDirection::Outbound);
        for s in all.iter().filter(inbound) {
            if s.text.ends_with('?') && last_outbound.is_none_or(|o| s.message > o) {
                out.push((SummaryKind::Question, quote(s.text), vec![s.message]));
            }
        }

        // Action items: what the care team said it would do or asked for, and patients' requests.
        for s in &all {
            let cues: &[&str] = if messages[s.message].direction == MessageDirection::Outbound {
                OUTBOUND_ACTIONS
            } else {
                INBOUND_REQUESTS
            };
            if cues.iter().any(|c| find_word_start(&s.lower, c).is_some())
                && !out.iter().any(|(k, t, _)| *k == SummaryKind::Question && t == s.text)
            {
                out.push((SummaryKind::ActionItem, quote(s.text), vec![s.message]));
            }
        }

        // The same words written again are one sentence citing every message that said them;
        // of the action items, the latest are kept.
        let mut merged: Vec<(SummaryKind, String, Vec<usize>)> = Vec::with_capacity(out.len());
        let mut seen: HashMap<(SummaryKind, String), usize> = HashMap::new();
        for (kind, text, idx) in out {
            match seen.entry((kind, text.to_lowercase())) {
                std::collections::hash_map::Entry::Occupied(e) => merged[*e.get()].2.extend(idx),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(merged.len());
                    merged.push((kind, text, idx));
                }
            }
        }
        let actions = merged.iter().filter(|(k, _, _)| *k == SummaryKind::ActionItem).count();
        let mut skip = actions.saturating_sub(MAX_ACTION_ITEMS);
        merged.retain(|(k, _, _)| {
            let drop = *k == SummaryKind::ActionItem && skip > 0;
            skip -= usize::from(drop);
            !drop
        });
        let sentences = merged
            .into_iter()
            .map(|(kind, text, mut idx)| {
                idx.sort_unstable();
                idx.dedup();
                let new = idx.iter().any(|&i| last_read.is_none_or(|r| messages[i].sent_at > r));
                SummarySentence { kind, text, sources: idx.into_iter().map(|i| messages[i].id).collect(), new }
            })
            .collect();
        Summary { sentences, messages: u32::try_from(messages.len()).unwrap_or(u32::MAX) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ThreadId;
    use chrono::Duration;
    use uuid::Uuid;

    fn thread(lines: &[(&str, &str)]) -> Vec<Message> {
        lines
            .iter()
            .enumerate()
            .map(|(i, (who, body))| Message {
                id: MessageId(Uuid::from_u128(i as u128 + 1)),
                thread_id: ThreadId(Uuid::from_u128(99)),
                direction: if *who == "patient" { MessageDirection::Inbound } else { MessageDirection::Outbound },
                author_id: None,
                body: (*body).to_string(),
                sent_at: DateTime::UNIX_EPOCH + Duration::minutes(i as i64),
                external_id: None,
                delivery: None,
            })
            .collect()
    }

    fn m(n: u128) -> MessageId {
        MessageId(Uuid::from_u128(n))
    }

    /// (kind, text, sources as 1-based message numbers)
    fn lines(summary: &Summary) -> Vec<(SummaryKind, String, Vec<u128>)> {
        summary
            .sentences
            .iter()
            .map(|s| (s.kind, s.text.clone(), s.sources.iter().map(|id| id.0.as_u128()).collect()))
            .collect()
    }

    #[test]
    fn fever_thread_cites_each_fact_to_its_message() {
        let msgs = thread(&[
            ("patient", "Hi, my daughter has had a fever for 3 days. She is 4."),
            ("patient", "Highest was 102.5 last night. I gave her Tylenol at 8am."),
            ("clinician", "Thanks for writing. Is she drinking fluids? Any rash?"),
            ("patient", "She is drinking ok. No rash. She has a cough since yesterday."),
            ("patient", "I'm worried because her brother had strep. Should we come in?"),
        ]);
        let s = ExtractiveSummarizer::default().summarize(&msgs, None);
        let got = lines(&s);
        assert_eq!(
            got,
            vec![
                (SummaryKind::Concern, "Hi, my daughter has had a fever for 3 days.".into(), vec![1]),
                (SummaryKind::Concern, "I'm worried because her brother had strep.".into(), vec![5]),
                (SummaryKind::Symptom, "Fever, for 3 days.".into(), vec![1]),
                (SummaryKind::Symptom, "Cough, since yesterday.".into(), vec![4]),
                (SummaryKind::Symptom, "No rash.".into(), vec![4]),
                (SummaryKind::Medication, "Acetaminophen: \u{201c}I gave her Tylenol at 8am.\u{201d}".into(), vec![2]),
                (SummaryKind::Question, "Should we come in?".into(), vec![5]),
            ]
        );
        assert!(s.sentences.iter().all(|s| s.new));
        assert_eq!(s.messages, 5);
    }

    #[test]
    fn questions_answered_by_the_care_team_are_not_listed() {
        let msgs = thread(&[
            ("patient", "Can he take ibuprofen with the amoxicillin?"),
            ("clinician", "Yes, that is fine. Please keep giving the amoxicillin for all 10 days."),
            ("patient", "Thank you! He still has ear pain at night, is that normal?"),
        ]);
        let got = lines(&ExtractiveSummarizer::default().summarize(&msgs, None));
        let questions: Vec<_> = got.iter().filter(|l| l.0 == SummaryKind::Question).collect();
        assert_eq!(
            questions,
            vec![&(SummaryKind::Question, "He still has ear pain at night, is that normal?".into(), vec![3])]
        );
        let meds: Vec<_> =
            got.iter().filter(|l| l.0 == SummaryKind::Medication).map(|l| (l.1.as_str(), l.2.clone())).collect();
        assert_eq!(
            meds,
            vec![
                ("Ibuprofen: \u{201c}Can he take ibuprofen with the amoxicillin?\u{201d}", vec![1]),
                ("Amoxicillin: \u{201c}Can he take ibuprofen with the amoxicillin?\u{201d}", vec![1, 2]),
            ]
        );
        let actions: Vec<_> =
            got.iter().filter(|l| l.0 == SummaryKind::ActionItem).map(|l| (l.1.as_str(), l.2.clone())).collect();
        assert_eq!(actions, vec![("Please keep giving the amoxicillin for all 10 days.", vec![2])]);
    }

    #[test]
    fn refill_requests_are_action_items_and_negations_stay_in_their_clause() {
        let msgs = thread(&[
            ("patient", "No fever, but a sore throat for a couple of days."),
            ("patient", "Also I need a refill of my lisinopril."),
        ]);
        let got = lines(&ExtractiveSummarizer::default().summarize(&msgs, None));
        assert!(got.contains(&(SummaryKind::Symptom, "Sore throat, for a couple of days.".into(), vec![1])), "{got:?}");
        assert!(got.contains(&(SummaryKind::Symptom, "No fever.".into(), vec![1])), "{got:?}");
        assert!(
            got.contains(&(SummaryKind::ActionItem, "Also I need a refill of my lisinopril.".into(), vec![2])),
            "{got:?}"
        );
    }

    #[test]
    fn every_sentence_cites_at_least_one_message_of_the_thread() {
        let msgs = thread(&[
            ("patient", "Rash on his arms since Monday, itchy. Gave Benadryl."),
            ("clinician", "I'll send a cream to your pharmacy."),
            ("patient", "Which pharmacy? The one on Main?"),
        ]);
        let s = ExtractiveSummarizer::default().summarize(&msgs, None);
        assert!(!s.sentences.is_empty());
        for sentence in &s.sentences {
            assert!(!sentence.sources.is_empty(), "{sentence:?}");
            assert!(sentence.sources.iter().all(|id| msgs.iter().any(|m| m.id == *id)));
        }
        let rash =
            s.sentences.iter().find(|l| l.kind == SummaryKind::Symptom && l.text.starts_with("Rash")).expect("allowed");
        assert_eq!(rash.text, "Rash, since Monday.");
        assert_eq!(rash.sources, vec![m(1)]);
    }

    #[test]
    fn sentences_citing_messages_after_the_last_read_are_new() {
        let msgs = thread(&[("patient", "Cough for two weeks."), ("patient", "Now vomiting too.")]);
        let read = msgs[0].sent_at;
        let s = ExtractiveSummarizer::default().summarize(&msgs, Some(read));
        let new: Vec<_> = s.sentences.iter().map(|l| (l.text.as_str(), l.new)).collect();
        assert_eq!(new, vec![("Cough for two weeks.", false), ("Cough, for two weeks.", false), ("Vomiting.", true)]);
    }

    #[test]
    fn names_from_the_drug_catalog_are_recognised() {
        let msgs = thread(&[("patient", "Is cefuroxime ok for her?")]);
        let plain = ExtractiveSummarizer::default().summarize(&msgs, None);
        assert!(!plain.sentences.iter().any(|s| s.kind == SummaryKind::Medication));
        let s =
            ExtractiveSummarizer::default().with_medications(["cefuroxime 250 MG Oral Tablet"]).summarize(&msgs, None);
        assert!(s.sentences.iter().any(|s| s.kind == SummaryKind::Medication && s.text.starts_with("Cefuroxime")));
    }

    #[test]
    fn each_symptom_keeps_the_duration_of_its_own_clause() {
        let msgs = thread(&[("patient", "She has a fever for 3 days and a cough since yesterday, no rash.")]);
        let got = lines(&ExtractiveSummarizer::default().summarize(&msgs, None));
        let symptoms: Vec<&str> = got.iter().filter(|l| l.0 == SummaryKind::Symptom).map(|l| l.1.as_str()).collect();
        assert_eq!(symptoms, vec!["Fever, for 3 days.", "Cough, since yesterday.", "No rash."]);
    }

    #[test]
    fn unusual_letters_do_not_break_quoting() {
        let msgs = thread(&[("patient", "İİ fever for 2 days. Tylenol given? İ")]);
        let s = ExtractiveSummarizer::default().summarize(&msgs, None);
        assert!(s.sentences.iter().any(|l| l.kind == SummaryKind::Symptom && l.text.starts_with("Fever")));
    }

    #[test]
    fn a_question_asked_twice_is_one_sentence_citing_both() {
        let msgs = thread(&[
            ("patient", "Should we come in?"),
            ("patient", "Rash since Monday."),
            ("patient", "should we come in?"),
        ]);
        let got = lines(&ExtractiveSummarizer::default().summarize(&msgs, None));
        let questions: Vec<_> = got.iter().filter(|l| l.0 == SummaryKind::Question).collect();
        assert_eq!(questions, vec![&(SummaryKind::Question, "Should we come in?".to_string(), vec![1, 3])]);
    }

    #[test]
    fn an_empty_thread_has_an_empty_summary() {
        let s = ExtractiveSummarizer::default().summarize(&[], None);
        assert_eq!((s.sentences.len(), s.messages), (0, 0));
    }
}
