-- The reference scheduler's claim on a row, and what became of the send (invariants 9 and 13).
-- Not a production table: it is what lmh's reference scheduler needs to send each envio at
-- most once across ticks, restarts, crashes and concurrent schedulers. The primary key on
-- envio_id is the whole guarantee: a second claim of the same row cannot be inserted.
CREATE TABLE lmh_envio_intentos (
  envio_id int NOT NULL,
  programacion_id int NOT NULL,
  worker varchar(64) NOT NULL,
  claimed_at datetime NOT NULL,
  -- en_curso: claimed, send in flight (or the process died); confirmado: sent and recorded;
  -- fallido: the provider refused this recipient; desconocido: the send may have gone out
  -- but lmh cannot tell: a person must resolve it, the scheduler never re-sends it.
  resultado enum('en_curso','confirmado','fallido','desconocido') NOT NULL DEFAULT 'en_curso',
  message_id varchar(255) DEFAULT NULL,
  detalle text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  actualizado_en datetime DEFAULT NULL,
  PRIMARY KEY (envio_id),
  KEY idx_intentos_programacion (programacion_id),
  CONSTRAINT fk_intentos_envio FOREIGN KEY (envio_id)
    REFERENCES ll_envios_whatsapp (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;
