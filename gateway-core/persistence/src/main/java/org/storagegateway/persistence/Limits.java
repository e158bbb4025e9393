package org.storagegateway.persistence;

import java.util.Optional;

import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * Column lengths of V1__initial_schema.sql. Values are checked before they reach the database, so an over-long value
 * fails as {@code INVALID_ARGUMENT} naming the field rather than as a database error.
 */
final class Limits {

    static final int UUID = 100;
    static final int SR_TYPE = 200;
    static final int NAME_LABEL = 4000;
    static final int JSON = 32672;
    static final int VENDOR = 1000;
    static final int VERSION = 200;
    static final int SECRET_KEY = 255;
    static final int SECRET_VALUE_STORED = 32672;
    static final int OPERATION = 200;
    static final int IDEMPOTENCY_KEY = 255;
    static final int FINGERPRINT = 512;
    static final int JOURNAL = 32672;
    static final int ERROR_NAME = 200;
    static final int ERROR_KIND = 50;
    static final int ERROR_MESSAGE = 32672;
    static final int RESOLUTION = 4000;
    static final int STATE_KEY = 200;
    static final int STATE_VALUE = 4000;

    private Limits() {
    }

    static String check(String value, int max, String what) {
        if (value.length() > max) {
            throw new StorageException(StandardErrorCode.INVALID_ARGUMENT,
                    what + " is longer than " + max + " characters");
        }
        return value;
    }

    static String check(Optional<String> value, int max, String what) {
        return value.isEmpty() ? null : check(value.get(), max, what);
    }
}
