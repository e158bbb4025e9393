-- Initial schema of the gateway database (Apache Derby, embedded).
--
-- Conventions:
--   * Flyway owns the schema; Hibernate only validates it (hibernate.hbm2ddl.auto=validate).
--   * Every mutable table has ROW_VERSION, Hibernate's optimistic-lock version: a transaction that read a row and
--     writes it after a concurrent transaction changed it fails instead of losing that change.
--   * Maps and sets that are only ever read and written whole (device-config, sm-config, capabilities, secret key
--     names) are JSON documents in a VARCHAR column; nothing queries inside them.
--   * Instants are TIMESTAMP columns holding UTC (hibernate.jdbc.time_zone=UTC).
--   * Identifier-like columns that are indexed stay short enough for Derby's 4 KB index pages.

-- The drivers the gateway has seen, one row per SR type.
CREATE TABLE DRIVER (
    SR_TYPE              VARCHAR(200)   NOT NULL,
    VENDOR               VARCHAR(1000)  NOT NULL,
    DRIVER_VERSION       VARCHAR(200)   NOT NULL,
    REQUIRED_SPI_VERSION VARCHAR(200)   NOT NULL,
    CAPABILITIES         VARCHAR(32672) NOT NULL, -- JSON array of capability names
    FIRST_SEEN           TIMESTAMP      NOT NULL,
    LAST_SEEN            TIMESTAMP      NOT NULL,
    ROW_VERSION          INTEGER        NOT NULL,
    CONSTRAINT DRIVER_PK PRIMARY KEY (SR_TYPE)
);

-- SR records. DEVICE_CONFIG holds the non-secret values only; the secret ones live in SR_SECRET.
CREATE TABLE STORAGE_REPOSITORY (
    UUID          VARCHAR(100)   NOT NULL,
    SR_TYPE       VARCHAR(200)   NOT NULL,
    NAME_LABEL    VARCHAR(4000)  NOT NULL,
    DEVICE_CONFIG VARCHAR(32672) NOT NULL, -- JSON object of non-secret device-config values
    SECRET_KEYS   VARCHAR(32672) NOT NULL, -- JSON array of the device-config keys kept in SR_SECRET
    CREATED_AT    TIMESTAMP      NOT NULL,
    ROW_VERSION   INTEGER        NOT NULL,
    CONSTRAINT STORAGE_REPOSITORY_PK PRIMARY KEY (UUID)
);

CREATE INDEX STORAGE_REPOSITORY_CREATED_IX ON STORAGE_REPOSITORY (CREATED_AT, UUID);

-- Secret device-config values, one row per value, encrypted with AES-256-GCM by the application:
-- CIPHERTEXT = format version (1 byte) || IV (12 bytes) || ciphertext and tag; the SR UUID and the key are
-- authenticated as associated data, so a value cannot be moved to another row unnoticed.
CREATE TABLE SR_SECRET (
    SR_UUID     VARCHAR(100)                 NOT NULL,
    CONFIG_KEY  VARCHAR(255)                 NOT NULL,
    CIPHERTEXT  VARCHAR(32672) FOR BIT DATA  NOT NULL,
    ROW_VERSION INTEGER                      NOT NULL,
    CONSTRAINT SR_SECRET_PK PRIMARY KEY (SR_UUID, CONFIG_KEY),
    CONSTRAINT SR_SECRET_SR_FK FOREIGN KEY (SR_UUID) REFERENCES STORAGE_REPOSITORY (UUID) ON DELETE CASCADE
);

-- A known value encrypted with the secret key, to tell at open time whether the caller passed the key this
-- database was written with.
CREATE TABLE SECRET_KEY_CHECK (
    ID         INTEGER                    NOT NULL,
    CIPHERTEXT VARCHAR(200) FOR BIT DATA  NOT NULL,
    CONSTRAINT SECRET_KEY_CHECK_PK PRIMARY KEY (ID),
    CONSTRAINT SECRET_KEY_CHECK_ONE_ROW CHECK (ID = 1)
);

-- VDI records. No foreign keys to the SR or the parent: the engine decides the order of deletions.
CREATE TABLE VIRTUAL_DISK (
    UUID                 VARCHAR(100)   NOT NULL,
    SR_UUID              VARCHAR(100)   NOT NULL,
    NAME_LABEL           VARCHAR(4000)  NOT NULL,
    VIRTUAL_SIZE         BIGINT         NOT NULL,
    PHYSICAL_UTILISATION BIGINT         NOT NULL,
    READ_ONLY            BOOLEAN        NOT NULL,
    MANAGED              BOOLEAN        NOT NULL,
    HIDDEN               BOOLEAN        NOT NULL,
    PARENT_UUID          VARCHAR(100),
    IS_SNAPSHOT          BOOLEAN        NOT NULL,
    SNAPSHOT_OF          VARCHAR(100),
    SM_CONFIG            VARCHAR(32672) NOT NULL, -- JSON object
    CREATED_AT           TIMESTAMP      NOT NULL,
    ROW_VERSION          INTEGER        NOT NULL,
    CONSTRAINT VIRTUAL_DISK_PK PRIMARY KEY (UUID)
);

CREATE INDEX VIRTUAL_DISK_SR_IX ON VIRTUAL_DISK (SR_UUID, CREATED_AT, UUID);

-- Task records. The idempotency key is unique; the store reports a violation of TASK_IDEMPOTENCY_KEY_UQ
-- (looked up by name) as DuplicateIdempotencyKeyException.
CREATE TABLE TASK (
    UUID                VARCHAR(100)   NOT NULL,
    OPERATION           VARCHAR(200)   NOT NULL,
    IDEMPOTENCY_KEY     VARCHAR(255)   NOT NULL,
    REQUEST_FINGERPRINT VARCHAR(512)   NOT NULL,
    TASK_STATE          VARCHAR(20)    NOT NULL,
    PROGRESS            DOUBLE         NOT NULL,
    CANCEL_REQUESTED    BOOLEAN        NOT NULL,
    SUBJECT_UUID        VARCHAR(100),
    JOURNAL             VARCHAR(32672),
    RESULT_UUID         VARCHAR(100),
    ERROR_CODE          INTEGER,
    ERROR_NAME          VARCHAR(200),
    ERROR_KIND          VARCHAR(50),
    ERROR_MESSAGE       VARCHAR(32672),
    RESOLUTION          VARCHAR(4000),
    CREATED_AT          TIMESTAMP      NOT NULL,
    FINISHED_AT         TIMESTAMP,
    ROW_VERSION         INTEGER        NOT NULL,
    CONSTRAINT TASK_PK PRIMARY KEY (UUID),
    CONSTRAINT TASK_IDEMPOTENCY_KEY_UQ UNIQUE (IDEMPOTENCY_KEY)
);

CREATE INDEX TASK_STATE_IX ON TASK (TASK_STATE, CREATED_AT, UUID);

-- The drivers' key-value stores, one namespace per SR type (spi StateStore: key <= 200, value <= 4000 chars).
CREATE TABLE DRIVER_STATE (
    SR_TYPE     VARCHAR(200)  NOT NULL,
    STATE_KEY   VARCHAR(200)  NOT NULL,
    STATE_VALUE VARCHAR(4000) NOT NULL,
    ROW_VERSION INTEGER       NOT NULL,
    CONSTRAINT DRIVER_STATE_PK PRIMARY KEY (SR_TYPE, STATE_KEY)
);

-- Lock waits. Transactions are short, so a wait of seconds means a deadlock or a stuck transaction: detect
-- deadlocks after 2 s instead of 20 s and give up waiting after 30 s instead of 60 s. These are database properties
-- (stored in this database, not JVM-wide); a JVM system property of the same name would still override them.
CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.locks.deadlockTimeout', '2');
CALL SYSCS_UTIL.SYSCS_SET_DATABASE_PROPERTY('derby.locks.waitTimeout', '30');
