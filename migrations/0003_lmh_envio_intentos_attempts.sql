-- Bounded attempts per row (the reference scheduler's rule, README "Attempts"): every POST /send
-- of a row counts in `intentos`, with its time and reason appended to `detalle`. A failure that
-- proves nothing went out releases the claim as `reintentar` (a later tick may claim it again);
-- the attempt that reaches the limit marks the row `error`. A failure that may follow a real
-- delivery is `desconocido` and is never retried.
ALTER TABLE lmh_envio_intentos
  ADD COLUMN intentos int NOT NULL DEFAULT 1 AFTER claimed_at,
  MODIFY resultado enum('en_curso','confirmado','fallido','desconocido','reintentar') NOT NULL DEFAULT 'en_curso';
