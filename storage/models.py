"""The tables. Every row carries the Slack team it belongs to; no query crosses teams."""

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime
from storage.vocabulary import LeadStatus

NOTE_MAX = 2000
# The digest's covering indexes (migration 0013): the columns each of its scans reads.
HANDED_OFF_COVER = (
    "team_id",
    "handed_off_at",
    "id",
    "campaign_id",
    "history",
    "status",
    "first_touch_at",
    "first_feedback_at",
    "owner",
)
FEEDBACK_WEEK_COVER = ("team_id", "created_at", "lead_id", "id", "rating", "reason", "author")
FEEDBACK_LEAD_COVER = ("lead_id", "created_at", "id", "rating", "reason")


class Team(SQLModel, table=True):
    """A Slack workspace that uses leadloop."""

    __tablename__ = "teams"

    team_id: str = Field(primary_key=True, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # When Slack's member directory (users.list) was last read into slack_people.
    people_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When Slack said the app was uninstalled (or its bot token revoked): no more jobs or
    # requests; the data stays until `leadloop purge` removes it.
    uninstalled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TeamSettingsRow(SQLModel, table=True):
    """A team's overrides of the workspace defaults; a NULL column means "use the default"."""

    __tablename__ = "team_settings"

    team_id: str = Field(foreign_key="teams.team_id", primary_key=True, max_length=32)
    digest_channels: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    digest_day: str | None = Field(default=None, max_length=3)
    digest_time: str | None = Field(default=None, max_length=5)
    nudge_days: str | None = Field(default=None, max_length=32)
    nudge_time: str | None = Field(default=None, max_length=5)
    stale_after_days: int | None = None
    timezone: str | None = Field(default=None, max_length=64)
    admin_users: list[str] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # The shared goals' targets by goal name; a null value switches that goal off.
    goal_targets: dict[str, float | None] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    # How new leads without an owner reach a rep: off, claim or round-robin.
    routing: str | None = Field(default=None, max_length=16)
    updated_by: str = Field(max_length=32)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Campaign(SQLModel, table=True):
    """A marketing campaign, shown to sales before it launches."""

    __tablename__ = "campaigns"
    __table_args__ = (
        UniqueConstraint("team_id", "slug", name="uq_campaigns_team_slug"),
        Index("ix_campaigns_team_launch", "team_id", "launch_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    name: str = Field(max_length=150)
    slug: str = Field(max_length=80)
    launch_date: date
    audience: str = Field(default="", sa_type=Text)
    key_message: str = Field(default="", sa_type=Text)
    cta: str = Field(default="", sa_type=Text)
    asset_urls: list[str] = Field(default_factory=list, sa_type=JSON)
    expected_leads: int | None = None
    owner: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Lead(SQLModel, table=True):
    """A person or account that marketing handed to sales."""

    __tablename__ = "leads"
    __table_args__ = (
        UniqueConstraint("team_id", "external_id", name="uq_leads_team_external_id"),
        UniqueConstraint("team_id", "email", name="uq_leads_team_email"),
        # The leads handed over in a week with what the digest counts of them (campaign,
        # first touch, owner), so its lead figures read the index alone.
        Index("ix_leads_team_handed_off_cover", *HANDED_OFF_COVER),
        Index("ix_leads_team_status_touch", "team_id", "status", "last_touch_at"),
        # Every column of the stale condition, so stale counts per owner read only the index.
        Index(
            "ix_leads_team_owner_stale",
            "team_id",
            "owner",
            "status",
            "last_touch_at",
            "snoozed_until",
            "history",
        ),
        Index(
            "ix_leads_team_first_feedback_cover", "team_id", "first_feedback_at", "handed_off_at"
        ),
        Index("ix_leads_campaign", "campaign_id"),
        # The SLA pass and the App Home read the routed leads still waiting for a first touch.
        Index("ix_leads_team_waiting", "team_id", "first_touch_at", "assigned_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    external_id: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=254)
    name: str = Field(default="", max_length=200)
    company: str = Field(default="", max_length=200)
    campaign_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("campaigns.id", ondelete="SET NULL"), nullable=True),
    )
    owner: str | None = Field(default=None, max_length=32)
    handed_off_at: datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default=LeadStatus.NEW, max_length=16)
    last_touch_at: datetime = Field(sa_type=UTCDateTime)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # When the lead got its first feedback (kept by record and undo), so the time-to-first-
    # feedback goal reads one indexed column instead of searching every lead's history.
    first_feedback_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Imported history: handed over before the import and already past the stale window, so
    # counted in its weeks' figures but never stale, never nudged and not in `mine`.
    history: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # Routing: when the current owner was handed the lead (the SLA runs from here), how many
    # times routing handed it over (each hand-over's events and DM are keyed on it), and the
    # hand-over whose DM went out.
    assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    routing_round: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    notified_round: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # When the owner first acted on the lead: the end of speed to lead.
    first_touch_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Feedback(SQLModel, table=True):
    """One immutable verdict from sales on a lead. Corrections are new records."""

    __tablename__ = "feedback"
    __table_args__ = (
        # A week's feedback with every column the digest counts: one index-only range scan.
        Index("ix_feedback_team_created_cover", *FEEDBACK_WEEK_COVER),
        # A lead's feedback newest last, with its rating and reason: its latest rating before a
        # moment is one probe, its reasons a short range, neither visiting the table.
        Index("ix_feedback_lead_created_cover", *FEEDBACK_LEAD_COVER),
        Index("ix_feedback_team_author_created", "team_id", "author", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    lead_id: int = Field(
        sa_column=Column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), nullable=False)
    )
    author: str = Field(max_length=32)
    rating: str = Field(max_length=16)
    status: str | None = Field(default=None, max_length=16)
    reason: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # The lead's status before this record changed it, so that Undo can put it back.
    previous_status: str | None = Field(default=None, max_length=16)


class CampaignReaction(SQLModel, table=True):
    """A salesperson's current reaction to a campaign preview: one per user per campaign."""

    __tablename__ = "campaign_reactions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "user_id", name="uq_campaign_reactions_campaign_user"),
        Index("ix_campaign_reactions_team_campaign", "team_id", "campaign_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class CampaignReactionEvent(SQLModel, table=True):
    """Every reaction ever given, kept when a newer one replaces it."""

    __tablename__ = "campaign_reaction_history"
    __table_args__ = (
        Index("ix_campaign_reaction_history_campaign_created", "campaign_id", "created_at"),
        Index("ix_campaign_reaction_history_team_created", "team_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    campaign_id: int = Field(
        sa_column=Column(Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(sa_type=UTCDateTime)


class WebhookOutbox(SQLModel, table=True):
    """One event waiting for (or done with) delivery to the CRM's webhook.

    Written in the same transaction as what it reports, so an event exists exactly when its
    cause was committed; the body is stored as sent, so the signature covers the same bytes
    on every retry.
    """

    __tablename__ = "webhook_outbox"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_webhook_outbox_event_id"),
        Index("ix_webhook_outbox_due", "delivered_at", "next_attempt_at"),
        Index("ix_webhook_outbox_feedback", "feedback_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    event_id: str = Field(max_length=40)
    event_type: str = Field(max_length=32)
    # No foreign key: the event outlives an undone feedback record.
    feedback_id: int | None = None
    body: str = Field(sa_type=Text)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime)


class JobClaim(SQLModel, table=True):
    """One scheduled post for one team and period; the unique key makes it happen once.

    post_key is the intent's own key, sent in the message's metadata, by which a post Slack
    took without confirming it is found again.
    """

    __tablename__ = "job_claims"
    __table_args__ = (
        UniqueConstraint("team_id", "job", "period", name="uq_job_claims_team_job_period"),
        Index("uq_job_claims_post_key", "post_key", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    job: str = Field(max_length=64)
    period: str = Field(max_length=64)
    state: str = Field(max_length=16)
    attempts: int = 0
    lease_until: datetime = Field(sa_type=UTCDateTime)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, max_length=500)
    claimed_at: datetime = Field(sa_type=UTCDateTime)
    posted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    post_key: str | None = Field(default=None, max_length=32)


class JobStatus(SQLModel, table=True):
    """The latest success and failure of a team's scheduled job, for /readyz and the App Home."""

    __tablename__ = "job_status"

    team_id: str = Field(foreign_key="teams.team_id", primary_key=True, max_length=32)
    job: str = Field(primary_key=True, max_length=32)
    last_success_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_failure_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)


class LeadNudge(SQLModel, table=True):
    """How often a stale lead was nudged without an answer, and whether that escalated it."""

    __tablename__ = "lead_nudges"
    __table_args__ = (Index("ix_lead_nudges_team_escalated", "team_id", "escalated_at"),)

    lead_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True, nullable=False
        )
    )
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    nudge_count: int = 0
    last_nudged_at: datetime = Field(sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SlackPerson(SQLModel, table=True):
    """A workspace member as Slack last described them: to find reps by email or name, and to
    show names and emails beside Slack ids in exports."""

    __tablename__ = "slack_people"
    __table_args__ = (Index("ix_slack_people_team_email", "team_id", "email"),)

    team_id: str = Field(foreign_key="teams.team_id", primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    real_name: str = Field(default="", max_length=255)
    display_name: str = Field(default="", max_length=255)
    # Neither deleted nor a bot: someone who may own leads.
    active: bool = True
    fetched_at: datetime = Field(sa_type=UTCDateTime)


class WorkspaceInstallation(SQLModel, table=True):
    """A workspace installed with "Add to Slack": its bot and tokens, encrypted at rest.

    The token columns hold Fernet ciphertext (storage.token_cipher), never a token.
    """

    __tablename__ = "installations"

    team_id: str = Field(foreign_key="teams.team_id", primary_key=True, max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    app_id: str | None = Field(default=None, max_length=32)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str = Field(default="", sa_type=Text)
    bot_token: str = Field(sa_type=Text)
    bot_refresh_token: str | None = Field(default=None, sa_type=Text)
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    installer_user_id: str | None = Field(default=None, max_length=32)
    installed_at: datetime = Field(sa_type=UTCDateTime)


class OAuthState(SQLModel, table=True):
    """A state handed to a browser at /slack/install, good for one redirect before it expires."""

    __tablename__ = "oauth_states"

    state: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(sa_type=UTCDateTime)


class LeadEvent(SQLModel, table=True):
    """One routing step on a lead (claimed, reminded, reassigned, …), once per hand-over: the
    unique key is what makes each step happen once across replicas and restarts."""

    __tablename__ = "lead_events"
    __table_args__ = (
        UniqueConstraint("lead_id", "kind", "round", name="uq_lead_events_lead_kind_round"),
        Index("ix_lead_events_team_created", "team_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    lead_id: int = Field(
        sa_column=Column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=16)
    round: int
    user_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)


class RoutingRep(SQLModel, table=True):
    """A rep of the round-robin pool: whose turn it is (lowest turn first) and whether away."""

    __tablename__ = "routing_reps"

    team_id: str = Field(foreign_key="teams.team_id", primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    turn: int = 0
    last_assigned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the rep was last sent a DM of new leads: more within a minute wait to be batched.
    notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    away: bool = False


class RoutingCard(SQLModel, table=True):
    """A claim card in the routing channel: one lead's, or the queue card (lead_id NULL)."""

    __tablename__ = "routing_cards"
    __table_args__ = (Index("ix_routing_cards_team_lead", "team_id", "lead_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(foreign_key="teams.team_id", max_length=32)
    lead_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("leads.id", ondelete="CASCADE"), nullable=True),
    )
    channel_id: str = Field(max_length=32)
    message_ts: str = Field(max_length=32)
    created_at: datetime = Field(sa_type=UTCDateTime)
