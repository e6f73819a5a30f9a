-- Device cookies (lotse.intake.devices) carry this number beside the password hash's digest; a
-- deactivation adds one, so reactivating an account without a password reset does not make the
-- browsers it was deactivated over trusted again (the old password works again, the cookies do not).
ALTER TABLE coordinators ADD COLUMN IF NOT EXISTS device_generation integer NOT NULL DEFAULT 0;
