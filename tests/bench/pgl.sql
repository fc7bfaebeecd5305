-- Functions the PostGraphile peer exposes, so that it answers the same questions as the service with
-- the same WHERE clauses: the bookable catalogue and an agency's own launches (from its JWT's `sub`).
CREATE SCHEMA IF NOT EXISTS pgl;

CREATE OR REPLACE FUNCTION pgl.bookable_launches() RETURNS SETOF public.launches LANGUAGE sql STABLE AS $$
  SELECT * FROM public.launches
  WHERE status IN ('scheduled', 'confirmed', 'delayed') AND launch_at > now()
  ORDER BY launch_at, id
$$;

-- The filtered catalogue (tests/bench/scenarios.py FILTERED): the service's conditions, sorted by price.
CREATE OR REPLACE FUNCTION pgl.filtered_launches(destination text, price_min numeric, price_max numeric, min_seats integer)
RETURNS SETOF public.launches LANGUAGE sql STABLE AS $$
  SELECT * FROM public.launches AS l
  WHERE l.status IN ('scheduled', 'confirmed', 'delayed') AND l.launch_at > now()
    AND (l.public_at IS NULL OR l.public_at <= now())
    AND l.destination = filtered_launches.destination
    AND l.price_per_seat >= price_min AND l.price_per_seat <= price_max
    AND l.capacity - l.seats_sold >= min_seats
  ORDER BY l.price_per_seat, l.id
$$;

CREATE OR REPLACE FUNCTION pgl.my_launches() RETURNS SETOF public.launches LANGUAGE sql STABLE AS $$
  SELECT l.* FROM public.launches AS l
  JOIN public.agencies AS a ON a.id = l.agency_id
  WHERE a.user_id = current_setting('jwt.claims.sub', true)
  ORDER BY l.launch_at, l.id
$$;

CREATE OR REPLACE FUNCTION pgl.launches_seats_available(l public.launches) RETURNS integer
LANGUAGE sql STABLE AS $$ SELECT l.capacity - l.seats_sold $$;

CREATE OR REPLACE FUNCTION pgl.launches_occupancy_percent(l public.launches) RETURNS numeric
LANGUAGE sql STABLE AS $$ SELECT round(100.0 * l.seats_sold / l.capacity, 1) $$;

CREATE OR REPLACE FUNCTION pgl.launches_viable(l public.launches) RETURNS boolean
LANGUAGE sql STABLE AS $$ SELECT l.seats_sold >= l.minimum_passengers $$;
