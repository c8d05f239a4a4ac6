-- Undoes V2: indexes only, no data is touched.
DROP INDEX ix_dose_events_status;
DROP INDEX ix_dose_events_schedule_time;
DROP INDEX ix_schedules_medication;
DROP INDEX ix_schedules_patient;
