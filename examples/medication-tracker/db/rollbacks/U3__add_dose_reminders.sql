-- Undoes V3: drops the reminders table and the opt-in column. Reminder rows are lost (they are
-- derived from dose events and are re-created by the app).
DROP INDEX ix_dose_reminders_due;
DROP TABLE dose_reminders;
ALTER TABLE patients DROP COLUMN reminder_opt_in;
