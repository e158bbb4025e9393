package org.storagegateway.smis.simulator.cim;

/** CIM status codes of DSP0200 that the simulator reports. */
public final class CimStatus {
    public static final int FAILED = 1;
    public static final int ACCESS_DENIED = 2;
    public static final int INVALID_NAMESPACE = 3;
    public static final int INVALID_PARAMETER = 4;
    public static final int INVALID_CLASS = 5;
    public static final int NOT_FOUND = 6;
    public static final int NOT_SUPPORTED = 7;
    public static final int TYPE_MISMATCH = 13;
    public static final int METHOD_NOT_AVAILABLE = 16;
    public static final int METHOD_NOT_FOUND = 17;

    private CimStatus() {
    }

    /** The symbolic name DSP0200 gives a status code. */
    public static String name(int code) {
        return switch (code) {
            case 0 -> "CIM_ERR_SUCCESS";
            case FAILED -> "CIM_ERR_FAILED";
            case ACCESS_DENIED -> "CIM_ERR_ACCESS_DENIED";
            case INVALID_NAMESPACE -> "CIM_ERR_INVALID_NAMESPACE";
            case INVALID_PARAMETER -> "CIM_ERR_INVALID_PARAMETER";
            case INVALID_CLASS -> "CIM_ERR_INVALID_CLASS";
            case NOT_FOUND -> "CIM_ERR_NOT_FOUND";
            case NOT_SUPPORTED -> "CIM_ERR_NOT_SUPPORTED";
            case TYPE_MISMATCH -> "CIM_ERR_TYPE_MISMATCH";
            case METHOD_NOT_AVAILABLE -> "CIM_ERR_METHOD_NOT_AVAILABLE";
            case METHOD_NOT_FOUND -> "CIM_ERR_METHOD_NOT_FOUND";
            default -> "CIM_ERR_" + code;
        };
    }
}
