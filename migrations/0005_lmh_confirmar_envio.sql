-- The reference scheduler's send transaction as one call (README "How the reference scheduler
-- sends"): a confirmed send costs one round trip and one durable commit, where the same
-- statements sent one by one cost eight round trips. Not a production routine: it runs only in
-- lmh's scratch databases, created with the strict sql_mode the scheduler's sessions use.
--
-- In one transaction, unless the id was already given to another row (p_check_repeat) or the row
-- is no longer 'pendiente', in which case nothing is written:
--   the row becomes 'enviado' with fecha_envio and message_id; its historial row; today's
--   counter (p_count); its claim 'confirmado' (p_claimed: made before the /send, else written
--   now); and the claim of p_next_envio_id, the row the batch sends next, so that row is
--   durably claimed before its /send without a commit of its own.
-- Answers one row: resultado ('sent' | 'row_changed' | 'id_repeated') and next_claimed (0 | 1).
-- Any error rolls everything back and reaches the caller.
CREATE PROCEDURE lmh_confirmar_envio(
  IN p_envio_id int,
  IN p_programacion_id int,
  IN p_worker varchar(64) CHARACTER SET latin1,
  IN p_message_id varchar(255) CHARACTER SET latin1,
  IN p_origen varchar(50) CHARACTER SET latin1,
  IN p_detalle text CHARACTER SET utf8mb4,
  IN p_local_now datetime,
  IN p_utc_now datetime,
  IN p_next_envio_id int,
  IN p_check_repeat boolean,
  IN p_count boolean,
  IN p_claimed boolean
)
MODIFIES SQL DATA
BEGIN
  DECLARE v_next_claimed int DEFAULT 0;
  DECLARE v_repeated int DEFAULT 0;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;

  -- The level the locking below was worked out for, whatever the session's.
  SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
  START TRANSACTION;
  -- A plain SELECT ... INTO is a consistent read. The same subquery in an IF would be a
  -- locking read: its gap lock on the message_id index makes two lanes' UPDATEs deadlock.
  IF p_check_repeat THEN
    SELECT COUNT(*) INTO v_repeated FROM ll_envios_whatsapp WHERE message_id = p_message_id;
  END IF;
  IF v_repeated > 0 THEN
    ROLLBACK;
    SELECT 'id_repeated' AS resultado, 0 AS next_claimed;
  ELSE
    UPDATE ll_envios_whatsapp SET estado = 'enviado', fecha_envio = p_local_now, message_id = p_message_id
      WHERE id = p_envio_id AND estado = 'pendiente';
    IF ROW_COUNT() <> 1 THEN
      ROLLBACK;
      SELECT 'row_changed' AS resultado, 0 AS next_claimed;
    ELSE
      INSERT INTO ll_envios_whatsapp_historial (envio_id, estado_anterior, estado_nuevo, origen, detalle, created_at)
        VALUES (p_envio_id, 'pendiente', 'enviado', p_origen, p_detalle, p_local_now);
      IF p_count THEN
        INSERT INTO ll_programacion_envios_diarios (programacion_id, fecha, enviados)
          VALUES (p_programacion_id, DATE(p_local_now), 1)
          ON DUPLICATE KEY UPDATE enviados = enviados + 1;
      END IF;
      -- The claim exists (the row was claimed before its /send): an update locks that row
      -- alone, where INSERT ... ON DUPLICATE KEY UPDATE would also lock the gap before it,
      -- where a neighbouring lane inserts its next claim. Without a claim (a historical rule
      -- that sends unclaimed rows) a plain insert, which locks no gap either.
      IF p_claimed THEN
        UPDATE lmh_envio_intentos SET resultado = 'confirmado', message_id = p_message_id,
            actualizado_en = p_utc_now
          WHERE envio_id = p_envio_id;
      ELSE
        INSERT INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at, resultado, message_id, actualizado_en)
          VALUES (p_envio_id, p_programacion_id, p_worker, p_utc_now, 'confirmado', p_message_id, p_utc_now);
      END IF;
      IF p_next_envio_id IS NOT NULL THEN
        INSERT IGNORE INTO lmh_envio_intentos (envio_id, programacion_id, worker, claimed_at)
          SELECT id, p_programacion_id, p_worker, p_utc_now FROM ll_envios_whatsapp
          WHERE id = p_next_envio_id AND estado = 'pendiente';
        SET v_next_claimed = ROW_COUNT();
      END IF;
      COMMIT;
      SELECT 'sent' AS resultado, v_next_claimed AS next_claimed;
    END IF;
  END IF;
END
