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
# Answers to a question asked before recording (did you mean…?): this prefix plus the position.
FEEDBACK_ANSWER_PREFIX = "fb_answer:"
FEEDBACK_ANSWER_EDIT = "fb_answer_edit"

# /campaign-preview modal
CAMPAIGN_MODAL = "campaign_modal"
CAMPAIGN_NAME_BLOCK = "cp_name"
CAMPAIGN_NAME_ACTION = "cp_name_text"
CAMPAIGN_LAUNCH_BLOCK = "cp_launch"
CAMPAIGN_LAUNCH_ACTION = "cp_launch_date"
CAMPAIGN_CHANNEL_BLOCK = "cp_channel"
CAMPAIGN_CHANNEL_ACTION = "cp_channel_select"
CAMPAIGN_AUDIENCE_BLOCK = "cp_audience"
CAMPAIGN_AUDIENCE_ACTION = "cp_audience_text"
CAMPAIGN_MESSAGE_BLOCK = "cp_message"
CAMPAIGN_MESSAGE_ACTION = "cp_message_text"
CAMPAIGN_CTA_BLOCK = "cp_cta"
CAMPAIGN_CTA_ACTION = "cp_cta_text"
CAMPAIGN_LINKS_BLOCK = "cp_links"
CAMPAIGN_LINKS_ACTION = "cp_links_text"
CAMPAIGN_EXPECTED_BLOCK = "cp_expected"
CAMPAIGN_EXPECTED_ACTION = "cp_expected_number"

# The preview message in the channel
CAMPAIGN_COUNTS_BLOCK = "cp_counts"
CAMPAIGN_ACTIONS_BLOCK = "cp_actions"
CAMPAIGN_READY = "cp_ready"
CAMPAIGN_QUESTION = "cp_question"
CAMPAIGN_CONCERN = "cp_concern"

# The question/concern comment modal
CAMPAIGN_COMMENT_MODAL = "campaign_comment_modal"
CAMPAIGN_COMMENT_BLOCK = "cp_comment"
CAMPAIGN_COMMENT_ACTION = "cp_comment_text"

# The marketer's "post it now" button (DM after a failed post, and the list)
CAMPAIGN_POST = "cp_post_preview"

# App Home
HOME_OPEN_SETTINGS = "home_open_settings"
# Rating buttons on the Home's lead list: this prefix plus the rating; the value is the lead id.
HOME_RATE_PREFIX = "home_rate:"
HOME_FEEDBACK_DETAILS = "home_feedback_details"

# Settings modal (admins only)
SETTINGS_MODAL = "settings_modal"
SETTINGS_REFUSED_MODAL = "settings_refused_modal"
SETTINGS_DIGEST_CHANNELS_BLOCK = "set_digest_channels"
SETTINGS_DIGEST_CHANNELS_ACTION = "set_digest_channels_pick"
SETTINGS_DIGEST_DAY_BLOCK = "set_digest_day"
SETTINGS_DIGEST_DAY_ACTION = "set_digest_day_pick"
SETTINGS_DIGEST_TIME_BLOCK = "set_digest_time"
SETTINGS_DIGEST_TIME_ACTION = "set_digest_time_pick"
SETTINGS_NUDGE_DAYS_BLOCK = "set_nudge_days"
SETTINGS_NUDGE_DAYS_ACTION = "set_nudge_days_pick"
SETTINGS_NUDGE_TIME_BLOCK = "set_nudge_time"
SETTINGS_NUDGE_TIME_ACTION = "set_nudge_time_pick"
SETTINGS_STALE_DAYS_BLOCK = "set_stale_days"
SETTINGS_STALE_DAYS_ACTION = "set_stale_days_value"
SETTINGS_TIMEZONE_BLOCK = "set_timezone"
SETTINGS_TIMEZONE_ACTION = "set_timezone_value"
SETTINGS_ADMINS_BLOCK = "set_admins"
SETTINGS_ADMINS_ACTION = "set_admins_pick"
SETTINGS_ROUTING_BLOCK = "set_routing"
SETTINGS_ROUTING_ACTION = "set_routing_pick"
# Shared goals' targets: this prefix plus the goal's name, for the block and its input alike.
SETTINGS_GOAL_BLOCK_PREFIX = "set_goal:"
SETTINGS_GOAL_ACTION_PREFIX = "set_goal_value:"

# Stale-lead nudges (DMs): one section and one actions block per lead, ids end in the lead id.
NUDGE_LEAD_BLOCK_PREFIX = "nudge_lead:"
NUDGE_ACTIONS_BLOCK_PREFIX = "nudge_actions:"
# Rating buttons: the prefix plus the rating; the value is the lead id.
NUDGE_RATE_PREFIX = "nudge_rate:"
NUDGE_SNOOZE = "nudge_snooze"

# Routing: the rep's DM (its rating buttons are the nudge's), claim cards, the App Home.
ROUTING_CONTACTED = "routing_contacted"
ROUTING_NOT_MINE = "routing_not_mine"
ROUTING_CLAIM = "routing_claim"
ROUTING_CLAIM_NEXT = "routing_claim_next"
ROUTING_CARD_BLOCK_PREFIX = "routing_card:"
HOME_AWAY = "home_away"
