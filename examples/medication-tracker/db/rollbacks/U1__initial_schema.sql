-- Undoes V1: drops every table, children first. All patient data is lost, so undoing V1 only makes
-- sense for a database this release created; anything else must be restored from the backup.
DROP TABLE dose_events;
DROP TABLE medication_schedules;
DROP TABLE medications;
DROP TABLE patients;
