-- Functions the PostGraphile peer exposes, so that it answers the same questions as the service with
-- the same WHERE clauses: the bookable catalogue and an agency's own launches (from its JWT's `sub`).
CREATE SCHEMA IF NOT EXISTS pgl;

CREATE OR REPLACE FUNCTION pgl.bookable_launches() RETURNS SETOF public.launches LANGUAGE sql STABLE AS $$
  SELECT * FROM public.launches
  WHERE status IN ('scheduled', 'confirmed', 'delayed') AND launch_at > now()
  ORDER BY launch_at, id
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
