-- The app's hot queries: a patient's active schedules, and the dose timeline of a schedule.
CREATE INDEX ix_schedules_patient ON medication_schedules (patient_id, starts_on);
CREATE INDEX ix_schedules_medication ON medication_schedules (medication_id);
CREATE INDEX ix_dose_events_schedule_time ON dose_events (schedule_id, scheduled_at);
CREATE INDEX ix_dose_events_status ON dose_events (status, scheduled_at);
