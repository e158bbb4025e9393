package org.storagegateway.smis.simulator.cim;

import java.math.BigInteger;
import java.util.Locale;

/**
 * The CIM data types of DSP0004 with the text form DSP0201 uses for them on the wire.
 *
 * <p>Java representation of values: {@link Boolean} for boolean, {@link String} for string, char16 and datetime,
 * {@link Long} for every integer type (uint64 values above {@link Long#MAX_VALUE} are kept in the two's-complement bit
 * pattern and printed unsigned), {@link Double} for the reals and {@link ObjectPath} for references.
 */
public enum CimType {
    BOOLEAN("boolean"),
    STRING("string"),
    CHAR16("char16"),
    UINT8("uint8"),
    SINT8("sint8"),
    UINT16("uint16"),
    SINT16("sint16"),
    UINT32("uint32"),
    SINT32("sint32"),
    UINT64("uint64"),
    SINT64("sint64"),
    REAL32("real32"),
    REAL64("real64"),
    DATETIME("datetime"),
    REFERENCE("reference");

    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final String wireName;

    CimType(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in TYPE and PARAMTYPE attributes. */
    public String wireName() {
        return wireName;
    }

    /** Return the type a TYPE/PARAMTYPE attribute names, case-insensitively. */
    public static CimType fromWireName(String name) {
        String lower = name.trim().toLowerCase(Locale.ROOT);
        for (CimType type : values()) {
            if (type.wireName.equals(lower)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown CIM type " + name);
    }

    public boolean isInteger() {
        return switch (this) {
            case UINT8, SINT8, UINT16, SINT16, UINT32, SINT32, UINT64, SINT64 -> true;
            default -> false;
        };
    }

    /** The VALUETYPE of a KEYVALUE carrying this type. */
    public String keyValueType() {
        if (this == BOOLEAN) {
            return "boolean";
        }
        if (isInteger() || this == REAL32 || this == REAL64) {
            return "numeric";
        }
        return "string";
    }

    /**
     * Convert the text of a VALUE element to a Java value of this type.
     *
     * @throws IllegalArgumentException if the text is not a value of this type
     */
    public Object parse(String text) {
        switch (this) {
            case BOOLEAN -> {
                String t = text.trim();
                if (t.equalsIgnoreCase("true")) {
                    return Boolean.TRUE;
                }
                if (t.equalsIgnoreCase("false")) {
                    return Boolean.FALSE;
                }
                throw new IllegalArgumentException("not a boolean: " + text);
            }
            case STRING -> {
                return text;
            }
            case CHAR16 -> {
                if (text.codePointCount(0, text.length()) != 1 || text.length() != 1) {
                    throw new IllegalArgumentException("not a char16: " + text);
                }
                return text;
            }
            case DATETIME -> {
                CimDateTime.check(text.trim());
                return text.trim();
            }
            case REAL32, REAL64 -> {
                try {
                    return Double.valueOf(text.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a " + wireName + ": " + text, e);
                }
            }
            case REFERENCE -> throw new IllegalArgumentException("a reference is not written as text");
            default -> {
                return parseInteger(text.trim());
            }
        }
    }

    private Long parseInteger(String text) {
        BigInteger value;
        try {
            // DSP0201 allows decimal, and hexadecimal with a 0x prefix.
            if (text.startsWith("0x") || text.startsWith("0X")) {
                value = new BigInteger(text.substring(2), 16);
            } else if (text.startsWith("-0x") || text.startsWith("-0X")) {
                value = new BigInteger(text.substring(3), 16).negate();
            } else {
                value = new BigInteger(text.startsWith("+") ? text.substring(1) : text);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a " + wireName + ": " + text, e);
        }
        BigInteger min;
        BigInteger max;
        switch (this) {
            case UINT8 -> { min = BigInteger.ZERO; max = BigInteger.valueOf(0xFF); }
            case SINT8 -> { min = BigInteger.valueOf(Byte.MIN_VALUE); max = BigInteger.valueOf(Byte.MAX_VALUE); }
            case UINT16 -> { min = BigInteger.ZERO; max = BigInteger.valueOf(0xFFFF); }
            case SINT16 -> { min = BigInteger.valueOf(Short.MIN_VALUE); max = BigInteger.valueOf(Short.MAX_VALUE); }
            case UINT32 -> { min = BigInteger.ZERO; max = BigInteger.valueOf(0xFFFF_FFFFL); }
            case SINT32 -> { min = BigInteger.valueOf(Integer.MIN_VALUE); max = BigInteger.valueOf(Integer.MAX_VALUE); }
            case UINT64 -> { min = BigInteger.ZERO; max = UINT64_MAX; }
            default -> { min = BigInteger.valueOf(Long.MIN_VALUE); max = BigInteger.valueOf(Long.MAX_VALUE); }
        }
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new IllegalArgumentException(text + " is out of the range of " + wireName);
        }
        return value.longValue();
    }

    /** Write a Java value of this type in its VALUE text form. */
    public String format(Object value) {
        if (value instanceof ObjectPath) {
            throw new IllegalArgumentException("a reference is not written as text");
        }
        return switch (this) {
            case BOOLEAN -> ((Boolean) value) ? "TRUE" : "FALSE";
            case UINT64 -> Long.toUnsignedString(((Number) value).longValue());
            case REAL32, REAL64 -> Double.toString(((Number) value).doubleValue());
            default -> isInteger() ? Long.toString(((Number) value).longValue()) : value.toString();
        };
    }

    /** Check that a Java value fits this type, and normalise numbers to Long/Double. */
    public Object normalise(Object value) {
        if (value == null) {
            return null;
        }
        if (this == REFERENCE) {
            if (value instanceof ObjectPath) {
                return value;
            }
        } else if (this == BOOLEAN) {
            if (value instanceof Boolean) {
                return value;
            }
        } else if (isInteger()) {
            if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
                long v = ((Number) value).longValue();
                // Round-trip through the parser's range check.
                return this == UINT64 ? v : parseInteger(Long.toString(v));
            }
        } else if (this == REAL32 || this == REAL64) {
            if (value instanceof Number n) {
                return n.doubleValue();
            }
        } else if (value instanceof String s) {
            return this == STRING ? s : parse(s);
        }
        throw new IllegalArgumentException(value + " (" + value.getClass().getSimpleName() + ") is not a " + wireName);
    }
}
