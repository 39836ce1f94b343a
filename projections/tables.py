"""The read models: SQLAlchemy tables written only by projections (Alembic migrates them)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from timebank.infrastructure.types import UtcDateTime

metadata = MetaData()

UUID_LEN = 36

# Each projection's position in the notification log, written in the same transaction as its rows.
projection_positions = Table(
    "projection_positions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

offices = Table(
    "offices",
    metadata,
    Column("office_id", String(UUID_LEN), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("parent_id", String(UUID_LEN), nullable=True),
    Column("bank_id", String(UUID_LEN), nullable=False),
    # "/<bank>/<branch>/<office>/": a subtree is a prefix match, served by the index.
    Column("path", String(200), nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("points_per_hour", Integer, nullable=False),
    Index("ix_offices_path", "path"),
    Index("ix_offices_parent", "parent_id"),
)

volunteers = Table(
    "volunteers",
    metadata,
    Column("volunteer_id", String(UUID_LEN), primary_key=True),
    Column("passbook_no", String(12), nullable=False, unique=True),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("bank_id", String(UUID_LEN), nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
    Index("ix_volunteers_office", "office_id"),
)

passbooks = Table(
    "passbooks",
    metadata,
    Column("passbook_id", String(UUID_LEN), primary_key=True),
    Column("passbook_no", String(12), nullable=False, unique=True),
    Column("volunteer_id", String(UUID_LEN), nullable=False, unique=True),
    Column("balance", BigInteger, nullable=False),
    Column("total_minutes", BigInteger, nullable=False),
)

passbook_entries = Table(
    "passbook_entries",
    metadata,
    Column("passbook_id", String(UUID_LEN), primary_key=True),
    # The passbook aggregate's version: deterministic, so a rebuild gives the same rows.
    Column("version", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("balance_after", BigInteger, nullable=False),
    Column("ref", String(64), nullable=False),
)

service_records = Table(
    "service_records",
    metadata,
    Column("record_id", String(UUID_LEN), primary_key=True),
    Column("volunteer_id", String(UUID_LEN), nullable=False),
    Column("activity_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("category", String(50), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True),
    Column("minutes", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("flags", String(200), nullable=False, server_default=""),
    Column("points", BigInteger, nullable=False),
    Column("source", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("entered_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("reason", Text, nullable=True),
    Column("corrections", Integer, nullable=False),
    # What makes an entry complete (志愿服务记录办法): who was in charge and who recorded
    # it (staff accounts), the beneficiary, and the latest evaluations (history in
    # service_evaluations).
    Column("person_in_charge_id", String(UUID_LEN), nullable=True),
    Column("entered_by", String(UUID_LEN), nullable=True),
    Column("approved_by", String(UUID_LEN), nullable=True),
    Column("recorder_id", String(UUID_LEN), nullable=True),
    Column("beneficiary_kind", String(10), nullable=True),
    Column("beneficiary_label", String(200), nullable=True),
    Column("beneficiary_name_sealed", Text, nullable=True),  # a person's name, sealed
    Column("beneficiary_volunteer_id", String(UUID_LEN), nullable=True),
    Column("organiser_rating", Integer, nullable=True),
    Column("beneficiary_confirmed", Boolean, nullable=True),
    Column("beneficiary_rating", Integer, nullable=True),
    Index("ix_service_records_office_status", "office_id", "status"),
    Index("ix_service_records_volunteer", "volunteer_id"),
    Index("ix_service_records_entered", "entered_at"),
)

# Rollups: per office and Shanghai calendar day, so a date range and a subtree are one grouped sum.
rollup_members = Table(
    "rollup_members",
    metadata,
    Column("volunteer_id", String(UUID_LEN), primary_key=True),
    Column("passbook_id", String(UUID_LEN), nullable=False, unique=True),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("balance", BigInteger, nullable=False),
)

office_daily_totals = Table(
    "office_daily_totals",
    metadata,
    Column("office_id", String(UUID_LEN), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("volunteers_net", Integer, nullable=False),
    Column("approved_minutes", BigInteger, nullable=False),
    Column("points_earned", BigInteger, nullable=False),
    Column("points_redeemed", BigInteger, nullable=False),
    Column("points_net", BigInteger, nullable=False),
)

# Service hours by the Shanghai day the service was done (the rollups projection): the day of
# each service record, and per office and service day the minutes approved and points earned.
service_days = Table(
    "service_days",
    metadata,
    Column("record_id", String(UUID_LEN), primary_key=True),
    Column("day", Date, nullable=False),
)

office_service_days = Table(
    "office_service_days",
    metadata,
    Column("office_id", String(UUID_LEN), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("approved_minutes", BigInteger, nullable=False),
    Column("points_earned", BigInteger, nullable=False),
)

kiosks = Table(
    "kiosks",
    metadata,
    Column("kiosk_id", String(UUID_LEN), primary_key=True),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("name", String(100), nullable=False),
    Column("revoked", Boolean, nullable=False),
    Column("registered_at", UtcDateTime(), nullable=False),
    Index("ix_kiosks_office", "office_id"),
)

catalog_items = Table(
    "catalog_items",
    metadata,
    Column("item_id", String(UUID_LEN), primary_key=True),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("sku", String(40), nullable=False),
    Column("name", String(100), nullable=False),
    Column("points", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("sponsor", String(200), nullable=True),
    UniqueConstraint("office_id", "sku", name="uq_catalog_items_office_sku"),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("redemption_id", String(UUID_LEN), primary_key=True),
    Column("kiosk_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("passbook_no", String(12), nullable=False),
    Column("lines", Text, nullable=False),  # JSON, keys sorted: a rebuild writes the same text
    Column("points_spent", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("made_at", UtcDateTime(), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=True),
    Column("offline_sequence", BigInteger, nullable=True),
    Column("cancelled_at", UtcDateTime(), nullable=True),
    Column("cancel_reason", Text, nullable=True),
    Index("ix_redemptions_passbook", "passbook_no", "made_at"),
    Index("ix_redemptions_kiosk", "kiosk_id", "made_at"),
)

kiosk_daily_sales = Table(
    "kiosk_daily_sales",
    metadata,
    Column("kiosk_id", String(UUID_LEN), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("redemptions", Integer, nullable=False),
    Column("points_spent", BigInteger, nullable=False),
    Column("cancellations", Integer, nullable=False),
    Column("points_returned", BigInteger, nullable=False),
)

activities = Table(
    "activities",
    metadata,
    Column("activity_id", String(UUID_LEN), primary_key=True),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("title", String(200), nullable=False),
    Column("category", String(50), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("location", String(200), nullable=False),
    Column("capacity", Integer, nullable=True),
    Column("approval_policy", String(30), nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("checked_in", Integer, nullable=False),
    Column("content", Text, nullable=True),
    Column("person_in_charge_id", String(UUID_LEN), nullable=True),
    Column("beneficiary", String(200), nullable=True),
    Column("minors", String(20), nullable=True),
    Column("required_training", String(100), nullable=True),
    Column("requires_insurance", Boolean, nullable=True),
    Column("insurance_ref", String(100), nullable=True),
    Index("ix_activities_office_starts", "office_id", "starts_at"),
    Index("ix_activities_ends", "ends_at"),
)

funds = Table(
    "funds",
    metadata,
    Column("fund_id", String(UUID_LEN), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("host_fund_id", String(UUID_LEN), nullable=True),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("bank_id", String(UUID_LEN), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Index("ix_funds_office", "office_id"),
)

# Every posting of every fund: the journal the statements are sums of.
fund_journal = Table(
    "fund_journal",
    metadata,
    Column("fund_id", String(UUID_LEN), primary_key=True),
    Column("version", Integer, primary_key=True),  # the fund aggregate's version: one entry
    Column("line_no", Integer, primary_key=True),
    Column("booked_at", UtcDateTime(), nullable=False),
    Column("booked_on", Date, nullable=False),  # Shanghai calendar date, for "as of" reports
    Column("entry_kind", String(30), nullable=False),
    Column("ref", String(UUID_LEN), nullable=False),
    Column("account", String(60), nullable=False),
    Column("fund_class", String(120), nullable=False),
    Column("debit_fen", BigInteger, nullable=False),
    Column("credit_fen", BigInteger, nullable=False),
    Index("ix_fund_journal_fund_day", "fund_id", "booked_on"),
)

donations = Table(
    "donations",
    metadata,
    Column("donation_id", String(UUID_LEN), primary_key=True),
    Column("fund_id", String(UUID_LEN), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("donor_type", String(20), nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("restricted_purpose", String(100), nullable=True),
    Column("receipt_no", String(20), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("voided_at", UtcDateTime(), nullable=True),
    Column("void_reason", Text, nullable=True),
    Column("in_kind", String(200), nullable=True),  # goods given, when not money
    Column("recorded_by", String(100), nullable=True),  # the actor's id: 经办人 on the receipt
    Column("e_receipt_no", String(64), nullable=True),  # the finance authority's e-receipt
    UniqueConstraint("fund_id", "receipt_no", name="uq_donations_fund_receipt"),
)

grants = Table(
    "grants",
    metadata,
    Column("grant_id", String(UUID_LEN), primary_key=True),
    Column("fund_id", String(UUID_LEN), nullable=False),
    Column("project", String(200), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("purpose", String(100), nullable=True),
    Column("status", String(20), nullable=False),
    Column("disbursed_fen", BigInteger, nullable=False),
    Column("proposed_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("votes_for", Integer, nullable=True),
    Column("votes_against", Integer, nullable=True),
    Column("votes_abstain", Integer, nullable=True),
    # When it ended (closed or cancelled) and what it left unpaid: the disclosure reminders.
    Column("ended_at", UtcDateTime(), nullable=True),
    Column("unpaid_at_end_fen", BigInteger, nullable=True),
    Index("ix_grants_fund", "fund_id"),
)

# Each tranche paid of a grant (a grant's journal entries name the disbursement, not the grant).
grant_payments = Table(
    "grant_payments",
    metadata,
    Column("disbursement_id", String(UUID_LEN), primary_key=True),
    Column("grant_id", String(UUID_LEN), nullable=False),
    Column("fund_id", String(UUID_LEN), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("booked_on", Date, nullable=False),
    Index("ix_grant_payments_grant", "grant_id"),
)

# 记账凭证 numbers (projections/vouchers.py): the legal entity each fund books for, the last
# number of each entity and month, and each journal entry's voucher.
voucher_funds = Table(
    "voucher_funds",
    metadata,
    Column("fund_id", String(UUID_LEN), primary_key=True),
    Column("entity_fund_id", String(UUID_LEN), nullable=False),
)

voucher_counters = Table(
    "voucher_counters",
    metadata,
    Column("counter_key", String(UUID_LEN + 10), primary_key=True),  # entity:YYYY-MM
    Column("last_number", Integer, nullable=False),
)

fund_vouchers = Table(
    "fund_vouchers",
    metadata,
    Column("voucher_key", String(UUID_LEN + 12), primary_key=True),  # fund:version
    Column("fund_id", String(UUID_LEN), nullable=False),
    Column("version", Integer, nullable=False),
    Column("entity_fund_id", String(UUID_LEN), nullable=False),
    Column("period", String(7), nullable=False),
    Column("number", Integer, nullable=False),
    Column("voucher_no", String(16), nullable=False),
    Column("booked_on", Date, nullable=False),
    UniqueConstraint("entity_fund_id", "period", "number", name="uq_fund_vouchers_number"),
    Index("ix_fund_vouchers_entry", "fund_id", "version", unique=True),
)

# The audit trail: one row per stored event, chained by hash in log order.
audit_events = Table(
    "audit_events",
    metadata,
    Column("position", BigInteger, primary_key=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("aggregate_id", String(UUID_LEN), nullable=False),
    Column("aggregate_version", Integer, nullable=False),
    Column("office_id", String(UUID_LEN), nullable=True),
    Column("actor_kind", String(20), nullable=True),
    Column("actor_id", String(UUID_LEN), nullable=True),
    Column("actor_role", String(30), nullable=True),
    Column("request_id", String(64), nullable=True),
    Column("reason", Text, nullable=True),
    Column("event_hash", String(64), nullable=False),
    Column("chain_hash", String(64), nullable=False),
    Index("ix_audit_events_aggregate", "aggregate_id"),
    Index("ix_audit_events_at", "at"),
)

# The city-wide rollup (bank partitions only): per partition and Shanghai day, in the directory.
city_daily_totals = Table(
    "city_daily_totals",
    metadata,
    Column("partition", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("volunteers_net", Integer, nullable=False),
    Column("approved_minutes", BigInteger, nullable=False),
    Column("points_earned", BigInteger, nullable=False),
    Column("points_redeemed", BigInteger, nullable=False),
    Column("points_net", BigInteger, nullable=False),
)

# -- volunteers' records (志愿服务记录): evaluations, and what else the rules keep ----------
# Every evaluation of a service, in the order made: the organiser's ratings and the
# beneficiary's confirmation. The latest of each is also on the service record's row.
service_evaluations = Table(
    "service_evaluations",
    metadata,
    Column("record_id", String(UUID_LEN), primary_key=True),
    Column("version", Integer, primary_key=True),  # the record aggregate's version
    Column("volunteer_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("kind", String(20), nullable=False),  # organiser | beneficiary
    Column("rating", Integer, nullable=True),
    Column("confirmed", Boolean, nullable=True),  # beneficiary: did the service take place
    Column("on_behalf", Boolean, nullable=False),
    Column("comment", Text, nullable=False),
    Column("by_kind", String(20), nullable=True),
    Column("by_id", String(UUID_LEN), nullable=True),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_service_evaluations_volunteer", "volunteer_id"),
    Index("ix_service_evaluations_office", "office_id"),
)

# Training attended (培训记录): hours kept apart from service hours.
trainings = Table(
    "trainings",
    metadata,
    Column("training_id", String(UUID_LEN), primary_key=True),
    Column("volunteer_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),  # the volunteer's, when recorded
    Column("name", String(100), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("provider", String(100), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(UUID_LEN), nullable=True),
    Index("ix_trainings_volunteer", "volunteer_id"),
    Index("ix_trainings_office", "office_id"),
)

# Awards and commendations (表彰奖励记录).
awards = Table(
    "awards",
    metadata,
    Column("award_id", String(UUID_LEN), primary_key=True),
    Column("volunteer_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("title", String(200), nullable=False),
    Column("awarded_by", String(200), nullable=False),
    Column("awarded_on", Date, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("recorded_by", String(UUID_LEN), nullable=True),
    Index("ix_awards_volunteer", "volunteer_id"),
    Index("ix_awards_office", "office_id"),
)

# Complaints about a service (投诉记录) and how they were decided.
complaints = Table(
    "complaints",
    metadata,
    Column("complaint_id", String(UUID_LEN), primary_key=True),
    Column("service_record_id", String(UUID_LEN), nullable=False),
    Column("volunteer_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),  # the office that recorded the service
    Column("complainant_kind", String(20), nullable=False),
    Column("summary", Text, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
    Column("investigation_note", Text, nullable=True),
    Column("outcome", String(20), nullable=True),
    Column("finding", Text, nullable=True),
    Column("resolved_at", UtcDateTime(), nullable=True),
    Column("resolved_by", String(UUID_LEN), nullable=True),
    Index("ix_complaints_office_status", "office_id", "status"),
    Index("ix_complaints_volunteer", "volunteer_id"),
)

# Star levels (星级志愿者): each volunteer's approved service hours and level, under the
# rules of their bank as they stood when the hours were approved.
bank_record_rules = Table(
    "bank_record_rules",
    metadata,
    Column("bank_id", String(UUID_LEN), primary_key=True),
    Column("star_thresholds_hours", String(100), nullable=False),  # "100,300,600,1000,1500"
    Column("correction_days", Integer, nullable=False),
)

star_levels = Table(
    "star_levels",
    metadata,
    Column("volunteer_id", String(UUID_LEN), primary_key=True),
    Column("passbook_id", String(UUID_LEN), nullable=False, unique=True),
    Column("bank_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),  # the volunteer's, now
    Column("service_minutes", BigInteger, nullable=False),
    Column("level", Integer, nullable=False),
    # The threshold (minutes) each level held was reached at: "6000,18000".
    Column("reached_at_minutes", String(120), nullable=False),
    Column("level_since", UtcDateTime(), nullable=True),
    Index("ix_star_levels_office_level", "office_id", "level"),
)

# When each level was reached (and lost again, if a correction took the hours back).
star_milestones = Table(
    "star_milestones",
    metadata,
    Column("volunteer_id", String(UUID_LEN), primary_key=True),
    Column("level", Integer, primary_key=True),
    Column("reached_at", UtcDateTime(), nullable=False),
    Column("threshold_hours", Integer, nullable=False),
    Column("lost_at", UtcDateTime(), nullable=True),
)

# Corrections asked by volunteers (更正申请): the recording office's queue and its deadlines.
correction_requests = Table(
    "correction_requests",
    metadata,
    Column("request_id", String(UUID_LEN), primary_key=True),
    Column("volunteer_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),  # the recording office
    Column("kind", String(10), nullable=False),  # wrong | missing
    Column("service_record_id", String(UUID_LEN), nullable=True),
    Column("activity_id", String(UUID_LEN), nullable=True),
    Column("claimed_hours", String(10), nullable=True),
    Column("claimed_started_at", UtcDateTime(), nullable=True),
    Column("claimed_ended_at", UtcDateTime(), nullable=True),
    Column("reason", Text, nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(10), nullable=False),  # pending | accepted | refused
    Column("outcome", String(20), nullable=True),  # corrected | late_entry
    Column("result_record_id", String(UUID_LEN), nullable=True),
    Column("result_hours", String(10), nullable=True),
    Column("answer", Text, nullable=True),  # the refusal's reason, or the acceptance's note
    Column("answered_at", UtcDateTime(), nullable=True),
    Column("answered_by", String(UUID_LEN), nullable=True),
    Index("ix_correction_requests_office_status", "office_id", "status", "due_on"),
    Index("ix_correction_requests_volunteer", "volunteer_id"),
)

# The register of certificates issued (证明出具登记): every one, valid or revoked.
certificate_register = Table(
    "certificate_register",
    metadata,
    Column("certificate_id", String(UUID_LEN), primary_key=True),
    Column("serial", String(40), nullable=False, unique=True),
    Column("volunteer_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=True),  # the issuer (version 1: unknown)
    Column("issuer", String(300), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("period_from", Date, nullable=False),
    Column("period_to", Date, nullable=False),
    Column("total_hours", String(12), nullable=False),
    Column("total_services", Integer, nullable=False),
    Column("issued_by_kind", String(20), nullable=True),
    Column("issued_by", String(UUID_LEN), nullable=True),
    Column("status", String(10), nullable=False),  # valid | revoked
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("revoked_by", String(UUID_LEN), nullable=True),
    Column("revocation_reason", Text, nullable=True),
    Index("ix_certificate_register_office_issued", "office_id", "issued_at"),
    Index("ix_certificate_register_volunteer", "volunteer_id"),
)

# Time accounts (时间账户): hours in minutes, beside the passbooks' points.
time_accounts = Table(
    "time_accounts",
    metadata,
    Column("account_id", String(UUID_LEN), primary_key=True),
    Column("owner", String(10), nullable=False),  # personal | group
    Column("passbook_no", String(20), nullable=False, unique=True),
    Column("volunteer_id", String(UUID_LEN), nullable=True),
    Column("bank_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("name", String(100), nullable=False),
    Column("balance_minutes", BigInteger, nullable=False),
    Column("reserved_minutes", BigInteger, nullable=False),
    Column("stored_minutes", BigInteger, nullable=False),
    Column("over_cap_minutes", BigInteger, nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Index("ix_time_accounts_volunteer", "volunteer_id"),
    Index("ix_time_accounts_office", "office_id"),
)

time_entries = Table(
    "time_entries",
    metadata,
    Column("account_id", String(UUID_LEN), primary_key=True),
    Column("version", Integer, primary_key=True),  # the account aggregate's version
    Column("at", UtcDateTime(), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("minutes", BigInteger, nullable=False),  # the change of the available balance
    Column("reserved_minutes", BigInteger, nullable=False),  # the change of what is held
    Column("balance_after", BigInteger, nullable=False),
    Column("ref", String(64), nullable=False),
    Column("counterparty", String(120), nullable=False),
)

hours_pools = Table(
    "hours_pools",
    metadata,
    Column("pool_id", String(UUID_LEN), primary_key=True),
    Column("bank_id", String(UUID_LEN), nullable=False, unique=True),
    Column("balance_minutes", BigInteger, nullable=False),
    Column("funded_minutes", BigInteger, nullable=False),
    Column("donated_minutes", BigInteger, nullable=False),
    Column("over_cap_minutes", BigInteger, nullable=False),
    Column("granted_minutes", BigInteger, nullable=False),
    Column("paid_minutes", BigInteger, nullable=False),
)

# 通存通兑: the sending bank's transfers (also the driver's list of pending work) and each
# bank's books with every other bank, per Shanghai day of the credit.
interbank_transfers = Table(
    "interbank_transfers",
    metadata,
    Column("transfer_id", String(UUID_LEN), primary_key=True),
    Column("from_bank_id", String(UUID_LEN), nullable=False),
    Column("to_bank_id", String(UUID_LEN), nullable=False),
    Column("from_passbook_no", String(20), nullable=False),
    Column("to_passbook_no", String(20), nullable=False),
    Column("minutes", BigInteger, nullable=False),
    Column("status", String(10), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=True),
    Column("reason", String(30), nullable=True),
    # transfer, or care withdrawn in the receiving bank (its hold stays pending meanwhile)
    Column("purpose", String(10), nullable=False, server_default="transfer"),
    Column("returned_minutes", BigInteger, nullable=False, server_default="0"),
    Index("ix_interbank_transfers_status", "status", "requested_at"),
    Index("ix_interbank_transfers_from", "from_passbook_no", "requested_at"),
)

interbank_ledger = Table(
    "interbank_ledger",
    metadata,
    Column("bank_id", String(UUID_LEN), primary_key=True),
    Column("counterparty_bank_id", String(UUID_LEN), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("sent_minutes", BigInteger, nullable=False),
    Column("received_minutes", BigInteger, nullable=False),
    Column("sent_count", Integer, nullable=False),
    Column("received_count", Integer, nullable=False),
)

# Service requests (需求发布 → 接单 → 确认): what lists show (nothing personal: the place and
# notes stay sealed in the event log), by office and status, and by each party.
service_requests = Table(
    "service_requests",
    metadata,
    Column("request_id", String(UUID_LEN), primary_key=True),
    Column("bank_id", String(UUID_LEN), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=False),
    Column("beneficiary_id", String(UUID_LEN), nullable=False),
    Column("poster_id", String(UUID_LEN), nullable=True),  # a volunteer who posted it
    Column("posted_by", String(10), nullable=False),
    Column("volunteer_id", String(UUID_LEN), nullable=True),
    Column("dispatched", Boolean, nullable=False),
    Column("category", String(30), nullable=False),
    Column("payer", String(15), nullable=False),
    # Care paid from a time account in another bank of the city: that bank (else null).
    Column("paid_from_bank_id", String(UUID_LEN), nullable=True),
    Column("status", String(15), nullable=False),
    Column("starts_at", UtcDateTime(), nullable=False),
    Column("ends_at", UtcDateTime(), nullable=False),
    Column("served_minutes", Integer, nullable=False),
    Column("paid_minutes", Integer, nullable=False),
    Column("rating", Integer, nullable=True),
    Column("posted_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index("ix_service_requests_office", "office_id", "status", "starts_at"),
    Index("ix_service_requests_beneficiary", "beneficiary_id", "posted_at"),
    Index("ix_service_requests_volunteer", "volunteer_id", "starts_at"),
    Index("ix_service_requests_poster", "poster_id", "posted_at"),
)

# Staff accounts as their administrators' list shows them (no password hashes, no sessions).
staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("user_id", String(UUID_LEN), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("role", String(20), nullable=False),
    Column("office_id", String(UUID_LEN), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("must_change_password", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("changed_at", UtcDateTime(), nullable=False),
    Index("ix_staff_accounts_office", "office_id"),
)
