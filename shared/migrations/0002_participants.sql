-- Participants of all four kinds (owned by intake). Kind-specific scalar fields live in
-- `profile`, validated by the intake validation layer; courses and positions have their own
-- rows because a match points at them and their seats/openings are counted.
CREATE TABLE participants (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('newcomer', 'mentor', 'employer', 'language_provider')),
    status           text NOT NULL DEFAULT 'pending_verification'
                     CHECK (status IN ('pending_verification', 'verified', 'paused', 'withdrawn', 'erased')),
    name             text,
    email            text,
    preferred_locale text NOT NULL,
    district         text NOT NULL,
    languages        jsonb NOT NULL DEFAULT '[]',
    profile          jsonb NOT NULL DEFAULT '{}',
    about            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    verified_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    erased_at        timestamptz
);
-- One live registration per address and kind; erased rows keep no address.
CREATE UNIQUE INDEX participants_email_kind ON participants (lower(email), kind) WHERE email IS NOT NULL;
CREATE INDEX participants_kind_status ON participants (kind, status);

CREATE TABLE consents (
    id             bigserial PRIMARY KEY,
    participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    purpose        text NOT NULL CHECK (purpose IN ('data_processing', 'share_contact')),
    given          boolean NOT NULL,
    text_version   text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consents_participant ON consents (participant_id, purpose, recorded_at DESC);

CREATE TABLE courses (
    id             uuid PRIMARY KEY,
    provider_id    uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    title          text NOT NULL,
    level          text NOT NULL,
    schedule       text NOT NULL,
    format         text NOT NULL,
    district       text NOT NULL,
    seats          integer NOT NULL CHECK (seats >= 1),
    starts_on      date NOT NULL,
    childcare      boolean NOT NULL DEFAULT false
);
CREATE INDEX courses_provider ON courses (provider_id);

CREATE TABLE positions (
    id               uuid PRIMARY KEY,
    employer_id      uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    title            text NOT NULL,
    occupation_field text NOT NULL,
    openings         integer NOT NULL CHECK (openings >= 1),
    min_german_level text NOT NULL
);
CREATE INDEX positions_employer ON positions (employer_id);
