package org.storagegateway.vhd;

/**
 * One 24-byte parent locator entry of the dynamic header.
 *
 * @param platformCode platform code (e.g. {@code MacX}, {@code W2ku}, {@code W2ru}), 0 if unused
 * @param dataSpace    raw "platform data space" field (bytes if a multiple of 512, else sectors)
 * @param dataLength   bytes of locator data actually used
 * @param dataOffset   absolute file offset of the locator data
 */
public record ParentLocator(int platformCode, int dataSpace, int dataLength, long dataOffset) {

    /** {@code MacX}: file URL, UTF-8. */
    public static final int MACX = VhdFormat.PLAT_MACX;
    /** {@code W2ku}: Windows absolute path, UTF-16LE (blktap stores a relative one). */
    public static final int W2KU = VhdFormat.PLAT_W2KU;
    /** {@code W2ru}: Windows relative path, UTF-16LE. */
    public static final int W2RU = VhdFormat.PLAT_W2RU;

    /** An all-zero, unused entry. */
    public static final ParentLocator NONE = new ParentLocator(0, 0, 0, 0);

    /** True if this entry is in use. */
    public boolean isUsed() {
        return platformCode != VhdFormat.PLAT_NONE;
    }

    /**
     * Size in bytes reserved for the locator data. The specification says sectors, Microsoft
     * tools and blktap write bytes; like blktap, values below 512 are read as sectors and
     * multiples of 512 as bytes. Returns -1 for anything else.
     */
    public long spaceBytes() {
        long space = dataSpace & 0xFFFF_FFFFL;
        if (space < VhdFormat.SECTOR) {
            return space * VhdFormat.SECTOR;
        }
        return space % VhdFormat.SECTOR == 0 ? space : -1;
    }

    /** The four-character platform code, e.g. {@code "MacX"}. */
    public String platformName() {
        if (platformCode == 0) {
            return "none";
        }
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            c[i] = (char) ((platformCode >>> (24 - 8 * i)) & 0xFF);
        }
        return new String(c);
    }

    static boolean knownCode(int code) {
        return code == VhdFormat.PLAT_NONE || code == VhdFormat.PLAT_WI2R || code == VhdFormat.PLAT_WI2K
                || code == VhdFormat.PLAT_W2RU || code == VhdFormat.PLAT_W2KU || code == VhdFormat.PLAT_MAC
                || code == VhdFormat.PLAT_MACX;
    }
}
