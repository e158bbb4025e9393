package org.storagegateway.smis.adapter;

import java.util.Optional;

import org.sentrysoftware.wbem.javax.cim.CIMInstance;
import org.sentrysoftware.wbem.javax.cim.CIMObjectPath;
import org.sentrysoftware.wbem.javax.cim.CIMProperty;
import org.storagegateway.spi.StandardErrorCode;
import org.storagegateway.spi.StorageException;

/**
 * Typed reads of CIM values. A CIMOM is not trusted: a property of the wrong type, or a missing one the profile makes
 * mandatory, becomes a {@link StandardErrorCode#UNRECOGNIZED_STATE} failure (kind EXTERNAL) naming the property.
 */
final class CimValues {
    private CimValues() {
    }

    static long number(CIMInstance instance, String property) {
        return optionalNumber(instance, property).orElseThrow(() -> missing(instance, property));
    }

    static Optional<Long> optionalNumber(CIMInstance instance, String property) {
        Object value = value(instance, property);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Number n) {
            return Optional.of(n.longValue());
        }
        throw wrongType(instance, property, value, "a number");
    }

    static long[] numbers(CIMInstance instance, String property) {
        Object value = value(instance, property);
        if (value == null) {
            return new long[0];
        }
        if (value instanceof Number[] array) {
            long[] numbers = new long[array.length];
            for (int i = 0; i < array.length; i++) {
                if (array[i] == null) {
                    throw wrongType(instance, property, value, "an array of numbers");
                }
                numbers[i] = array[i].longValue();
            }
            return numbers;
        }
        throw wrongType(instance, property, value, "an array of numbers");
    }

    static String text(CIMInstance instance, String property) {
        return optionalText(instance, property).orElseThrow(() -> missing(instance, property));
    }

    static Optional<String> optionalText(CIMInstance instance, String property) {
        Object value = value(instance, property);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof String s) {
            return Optional.of(s);
        }
        throw wrongType(instance, property, value, "a string");
    }

    static boolean flag(CIMInstance instance, String property, boolean absent) {
        Object value = value(instance, property);
        if (value == null) {
            return absent;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw wrongType(instance, property, value, "a boolean");
    }

    static CIMObjectPath reference(CIMInstance instance, String property) {
        Object value = value(instance, property);
        if (value instanceof CIMObjectPath path) {
            return path;
        }
        if (value == null) {
            throw missing(instance, property);
        }
        throw wrongType(instance, property, value, "a reference");
    }

    static boolean contains(long[] values, long wanted) {
        for (long v : values) {
            if (v == wanted) {
                return true;
            }
        }
        return false;
    }

    /** Read a method's return value or numeric output parameter, which must be numeric. */
    static long returnCode(String method, Object value) {
        if (value instanceof Number n) {
            return n.longValue();
        }
        throw new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, method + " returned "
                + (value == null ? "no value" : "a " + value.getClass().getSimpleName() + " '" + clip(value) + "'")
                + " where a uint32 return code belongs");
    }

    private static Object value(CIMInstance instance, String property) {
        CIMProperty<?> p = instance.getProperty(property);
        return p == null ? null : p.getValue();
    }

    private static StorageException missing(CIMInstance instance, String property) {
        return new StorageException(StandardErrorCode.UNRECOGNIZED_STATE,
                "The array's " + instance.getClassName() + " has no " + property);
    }

    private static StorageException wrongType(CIMInstance instance, String property, Object value, String expected) {
        return new StorageException(StandardErrorCode.UNRECOGNIZED_STATE, "The array's " + instance.getClassName()
                + "." + property + " is " + value.getClass().getSimpleName() + " '" + clip(value) + "', not "
                + expected);
    }

    private static String clip(Object value) {
        String text = value instanceof Object[] array ? java.util.Arrays.toString(array) : String.valueOf(value);
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }
}
