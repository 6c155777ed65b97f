fn main() {
    // Every app command is listed here; the capability file then allows each one explicitly
    // (`allow-<command>`), so a command nobody allowed cannot be called from the WebView.
    let commands = &[
        "session",
        "sign_in",
        "sign_out",
        "search_patients",
        "get_patient",
        "edit_patient",
        "search_icd10",
        "complaints",
        "sync_status",
        "sync_now",
        "rejected_changes",
        "dismiss_rejected",
        "patient_chart",
        "start_encounter",
        "get_encounter",
        "save_section",
        "sign_encounter",
        "add_addendum",
        "cosign_encounter",
        "hand_off_encounter",
        "settle_section_conflict",
        "search_labs",
        "search_drugs",
        "task_queue",
        "claim_task",
        "complete_task",
        "cancel_task",
        "hand_off_task",
        "who_can_take",
        "directory",
        "coverage",
        "update_practitioner",
        "routing_rules",
        "update_routing_rules",
        "inbox",
        "open_thread",
        "thread_messages",
        "message_position",
        "thread_summary",
        "post_message",
        "thread_action",
        "log_thread_time",
        "convert_thread_to_evisit",
    ];
    let attributes = tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}
