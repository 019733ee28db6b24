-- The LeadMaster tables the sending flow touches (docs/system.md §4), as production has them:
-- latin1 tables, utf8mb4 only on the columns that carry message text or a person's name.
-- Written to run unchanged on MariaDB 10.11 and MySQL 8 (no display widths, no
-- engine-specific defaults). Parents are created before children so every FK resolves.

CREATE TABLE ll_campanias_whatsapp (
  id int NOT NULL AUTO_INCREMENT,
  nombre varchar(255) NOT NULL,
  mensaje text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  fecha_creacion datetime DEFAULT CURRENT_TIMESTAMP,
  estado enum('pendiente','en_progreso','finalizado') DEFAULT 'pendiente',
  cliente_id int DEFAULT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;

CREATE TABLE ll_programaciones (
  id int NOT NULL AUTO_INCREMENT,
  campania_id int NOT NULL,
  cliente_id int NOT NULL,
  -- comma list of sun,mon,tue,wed,thu,fri,sat
  dias_semana varchar(64) NOT NULL,
  hora_inicio time NOT NULL,
  hora_fin time NOT NULL,
  cupo_diario int NOT NULL DEFAULT 50,
  fecha_inicio date NOT NULL,
  fecha_fin date DEFAULT NULL,
  estado enum('pendiente','aprobada','rechazada','pausada') NOT NULL DEFAULT 'pendiente',
  comentario_cliente text DEFAULT NULL,
  comentario_admin text DEFAULT NULL,
  creado_por varchar(120) DEFAULT NULL,
  aprobado_por varchar(120) DEFAULT NULL,
  sesion_cliente varchar(120) DEFAULT NULL,
  aprobado_en datetime DEFAULT NULL,
  rechazo_motivo text DEFAULT NULL,
  creado_en timestamp NULL DEFAULT CURRENT_TIMESTAMP,
  actualizado_en timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  -- claim columns: which scheduler process holds the programación, and since when
  locked_at datetime DEFAULT NULL,
  locked_by varchar(64) DEFAULT NULL,
  PRIMARY KEY (id),
  KEY idx_programaciones_campania (campania_id),
  KEY idx_programaciones_cliente (cliente_id),
  KEY idx_programaciones_estado (estado),
  KEY idx_locked_at (locked_at, estado),
  CONSTRAINT fk_programaciones_campania FOREIGN KEY (campania_id)
    REFERENCES ll_campanias_whatsapp (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;

CREATE TABLE ll_programacion_envios_diarios (
  id int NOT NULL AUTO_INCREMENT,
  programacion_id int NOT NULL,
  fecha date NOT NULL,
  enviados int NOT NULL DEFAULT 0,
  actualizado_en timestamp NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uniq_programacion_fecha (programacion_id, fecha),
  CONSTRAINT fk_prog_envios_programacion FOREIGN KEY (programacion_id)
    REFERENCES ll_programaciones (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;

CREATE TABLE ll_envios_whatsapp (
  id int NOT NULL AUTO_INCREMENT,
  campania_id int NOT NULL,
  telefono_wapp varchar(255) DEFAULT NULL,
  nombre_destino varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  mensaje_final text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  estado enum('pendiente','enviado','error') DEFAULT 'pendiente',
  fecha_envio datetime DEFAULT NULL,
  lugar_id int DEFAULT NULL,
  -- the provider's id for the send; written with estado='enviado' (invariant 8)
  message_id varchar(255) DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY idx_unico_envio (campania_id, telefono_wapp),
  KEY idx_envios_lugar_camp_estado (lugar_id, campania_id, estado),
  KEY idx_envios_camp_estado (campania_id, estado),
  CONSTRAINT fk_envios_campania FOREIGN KEY (campania_id)
    REFERENCES ll_campanias_whatsapp (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;

-- One row per change of ll_envios_whatsapp.estado (invariant 11). estado_anterior is NULL
-- for the row that records the envio's creation.
CREATE TABLE ll_envios_whatsapp_historial (
  id int NOT NULL AUTO_INCREMENT,
  envio_id int NOT NULL,
  estado_anterior enum('pendiente','enviado','error') DEFAULT NULL,
  estado_nuevo enum('pendiente','enviado','error') NOT NULL,
  origen varchar(50) NOT NULL,
  detalle text CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  created_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_envio_id (envio_id),
  CONSTRAINT fk_envio_historial FOREIGN KEY (envio_id)
    REFERENCES ll_envios_whatsapp (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=latin1 COLLATE=latin1_swedish_ci;
