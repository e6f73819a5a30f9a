-- Why a person's data was erased, for the confirmation email's wording (review 9c, F7): NULL their own
-- request (manage page), 'centre' a coordinator's erasure (dashboard or API), 'inactive' the storage
-- limit for people who left (lotse.intake.inactive) with the day its notice was sent (noticed_on).
-- Deleted with the receipt once the email is sent, as the rest of it.
ALTER TABLE erasure_receipts ADD COLUMN IF NOT EXISTS reason text;
ALTER TABLE erasure_receipts ADD COLUMN IF NOT EXISTS noticed_on date;
