-- The matcher's own state: the feature values behind each suggestion (what the model learns
-- from), and the learned models, so a restart keeps what coordinators' decisions taught it.
ALTER TABLE matches ADD COLUMN features jsonb;

CREATE TABLE matcher_models (
    kind         text NOT NULL,
    version      integer NOT NULL,
    trained_at   timestamptz NOT NULL DEFAULT now(),
    decisions    integer NOT NULL,
    feature_names jsonb NOT NULL,
    coefficients jsonb NOT NULL,
    intercept    double precision NOT NULL,
    metrics      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (kind, version)
);
