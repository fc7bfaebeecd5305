"""booking holds: seats reserved while the payment gateway is called

Revision ID: 0008_booking_holds
Revises: 0007_finance
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_booking_holds"
down_revision = "0007_finance"
branch_labels = None
depends_on = None

# One call places a hold: lock the traveler, answer an idempotency key already used, check the seat limit,
# reserve the seats with the conditional UPDATE (inside a VIP early-access window only for VIPs) and insert
# the hold. It is a function (not one statement with CTEs) because the reads after the traveler lock must
# see what the previous holder committed: in a VOLATILE function every statement takes a fresh snapshot,
# inside one statement they would not.
HOLD_SEATS = """
CREATE FUNCTION astro_hold_seats(
    p_user_id text, p_launch_id text, p_hold_id text, p_seats int, p_key text, p_fingerprint text,
    p_passengers jsonb, p_now timestamptz, p_expires_at timestamptz, p_bookable text[],
    p_seat_limit int, p_vip_seat_limit int, p_vip_min_launches int)
RETURNS TABLE (o_outcome text, o_traveler_id text, o_found_id text, o_found_fingerprint text,
               o_held bigint, o_vip boolean, o_price numeric, o_launch_at timestamptz, o_agency_id text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_traveler text; v_found text; v_fingerprint text; v_launches bigint; v_held bigint; v_vip boolean;
    v_price numeric; v_at timestamptz; v_agency text;
BEGIN
    SELECT t.id INTO v_traveler FROM travelers t WHERE t.user_id = p_user_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'no_traveler', NULL, NULL, NULL, NULL::bigint, NULL::boolean, NULL::numeric,
            NULL::timestamptz, NULL;
        RETURN;
    END IF;
    IF p_key IS NOT NULL THEN
        SELECT b.id, b.request_fingerprint INTO v_found, v_fingerprint
          FROM bookings b WHERE b.traveler_id = v_traveler AND b.idempotency_key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT 'booked', v_traveler, v_found, v_fingerprint, NULL::bigint, NULL::boolean,
                NULL::numeric, NULL::timestamptz, NULL;
            RETURN;
        END IF;
        SELECT h.id, h.request_fingerprint INTO v_found, v_fingerprint
          FROM seat_holds h WHERE h.traveler_id = v_traveler AND h.idempotency_key = p_key;
        IF FOUND THEN
            RETURN QUERY SELECT 'pending', v_traveler, v_found, v_fingerprint, NULL::bigint, NULL::boolean,
                NULL::numeric, NULL::timestamptz, NULL;
            RETURN;
        END IF;
    END IF;
    SELECT count(DISTINCT b.launch_id), coalesce(sum(b.seats) FILTER (WHERE b.launch_id = p_launch_id), 0)
      INTO v_launches, v_held
      FROM bookings b WHERE b.traveler_id = v_traveler AND b.status = 'confirmed';
    v_held := v_held + (SELECT coalesce(sum(h.seats), 0) FROM seat_holds h
                         WHERE h.traveler_id = v_traveler AND h.launch_id = p_launch_id);
    v_vip := v_launches >= p_vip_min_launches;
    IF v_held + p_seats > (CASE WHEN v_vip THEN p_vip_seat_limit ELSE p_seat_limit END) THEN
        RETURN QUERY SELECT 'limit', v_traveler, NULL, NULL, v_held, v_vip, NULL::numeric, NULL::timestamptz, NULL;
        RETURN;
    END IF;
    UPDATE launches l SET seats_sold = l.seats_sold + p_seats
     WHERE l.id = p_launch_id AND l.seats_sold + p_seats <= l.capacity
       AND l.status = ANY (p_bookable) AND l.launch_at > p_now
       AND (v_vip OR l.public_at IS NULL OR l.public_at <= p_now)
    RETURNING l.price_per_seat, l.launch_at, l.agency_id INTO v_price, v_at, v_agency;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unavailable', v_traveler, NULL, NULL, v_held, v_vip, NULL::numeric,
            NULL::timestamptz, NULL;
        RETURN;
    END IF;
    INSERT INTO seat_holds (id, launch_id, traveler_id, seats, price_per_seat, amount, idempotency_key,
                            request_fingerprint, passengers, state, expires_at, created_at)
    VALUES (p_hold_id, p_launch_id, v_traveler, p_seats, v_price, round(v_price * p_seats, 2), p_key,
            p_fingerprint, p_passengers, 'held', p_expires_at, p_now);
    RETURN QUERY SELECT 'held', v_traveler, p_hold_id, p_fingerprint, v_held, v_vip, v_price, v_at, v_agency;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "seat_holds",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("launch_id", sa.String(length=36), nullable=False),
        sa.Column("traveler_id", sa.String(length=36), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("price_per_seat", sa.Numeric(12, 2), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("passengers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("charge_id", sa.String(length=100), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats >= 1", name="seat_hold_seats_positive"),
        sa.CheckConstraint("state IN ('held', 'charged', 'refunding')", name="seat_hold_state_known"),
        sa.CheckConstraint("(state = 'held') = (charge_id IS NULL)", name="seat_hold_charge_recorded"),
        sa.ForeignKeyConstraint(["launch_id"], ["launches.id"]),
        sa.ForeignKeyConstraint(["traveler_id"], ["travelers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("traveler_id", "idempotency_key", name="seat_hold_idempotency_per_traveler"),
    )
    op.create_index("seat_holds_traveler_launch", "seat_holds", ["traveler_id", "launch_id"])
    op.create_index("seat_holds_expiry", "seat_holds", ["expires_at"])
    op.execute(HOLD_SEATS)


def downgrade() -> None:
    op.execute("DROP FUNCTION astro_hold_seats")
    op.drop_table("seat_holds")
