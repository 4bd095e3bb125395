"""Every callback_id, action_id and block_id the app uses, so builders, handlers and tests agree."""

# /leadfeedback modal
FEEDBACK_MODAL = "leadfeedback_modal"
FEEDBACK_LEAD_BLOCK = "fb_lead"
FEEDBACK_LEAD_ACTION = "fb_lead_select"
FEEDBACK_RATING_BLOCK = "fb_rating"
FEEDBACK_RATING_ACTION = "fb_rating_choice"
FEEDBACK_STATUS_BLOCK = "fb_status"
FEEDBACK_STATUS_ACTION = "fb_status_choice"
FEEDBACK_REASON_BLOCK = "fb_reason"
FEEDBACK_REASON_ACTION = "fb_reason_choice"
FEEDBACK_CAMPAIGN_BLOCK = "fb_campaign"
FEEDBACK_CAMPAIGN_ACTION = "fb_campaign_choice"
FEEDBACK_NOTE_BLOCK = "fb_note"
FEEDBACK_NOTE_ACTION = "fb_note_text"

# /leadfeedback messages
FEEDBACK_UNDO = "fb_undo"
FEEDBACK_EDIT = "fb_edit"
FEEDBACK_OPEN_MODAL = "fb_open_modal"
# Candidate buttons share one block, so each gets this prefix plus its position.
FEEDBACK_PICK_LEAD_PREFIX = "fb_pick_lead:"

# Stale-lead nudges (DMs): one section and one actions block per lead, ids end in the lead id.
NUDGE_LEAD_BLOCK_PREFIX = "nudge_lead:"
NUDGE_ACTIONS_BLOCK_PREFIX = "nudge_actions:"
# Rating buttons: the prefix plus the rating; the value is the lead id.
NUDGE_RATE_PREFIX = "nudge_rate:"
NUDGE_SNOOZE = "nudge_snooze"
