-- lmh's own index for the repeated-message-id check (one lookup per confirmed send). Without it
-- that lookup scans the whole of ll_envios_whatsapp. Production may not have this index: the
-- check stays correct there, only slower. Not unique, so the schema's unique keys (what doctor
-- compares) are unchanged.
CREATE INDEX idx_lmh_message_id ON ll_envios_whatsapp (message_id);
