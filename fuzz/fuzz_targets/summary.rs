//! The thread summariser over any text patients and clinicians could write: no panic, and every
//! sentence cites at least one message of the thread, each once.
#![no_main]

use chrono::{DateTime, Duration};
use libfuzzer_sys::fuzz_target;
use rounds_domain::summary::{ExtractiveSummarizer, Summarizer};
use rounds_domain::{Message, MessageDirection, MessageId, ThreadId};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // One message per line; a line starting with '>' is the care team's.
    let messages: Vec<Message> = text
        .split('\n')
        .enumerate()
        .map(|(i, line)| Message {
            id: MessageId(uuid::Uuid::from_u128(i as u128 + 1)),
            thread_id: ThreadId(uuid::Uuid::from_u128(0)),
            direction: if line.starts_with('>') { MessageDirection::Outbound } else { MessageDirection::Inbound },
            author_id: None,
            body: line.to_string(),
            sent_at: DateTime::UNIX_EPOCH + Duration::minutes(i as i64),
            external_id: None,
            delivery: None,
        })
        .collect();
    let summary = ExtractiveSummarizer::default().summarize(&messages, Some(DateTime::UNIX_EPOCH));
    for sentence in &summary.sentences {
        assert!(!sentence.sources.is_empty(), "{sentence:?}");
        let mut seen = std::collections::HashSet::new();
        for id in &sentence.sources {
            assert!(messages.iter().any(|m| m.id == *id), "{sentence:?}");
            assert!(seen.insert(*id), "cited twice: {sentence:?}");
        }
    }
});
