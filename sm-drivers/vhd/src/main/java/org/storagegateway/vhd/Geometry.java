package org.storagegateway.vhd;

/**
 * CHS disk geometry as stored in the footer (cylinders 16 bits, heads 8 bits, sectors per track
 * 8 bits).
 *
 * @param cylinders       number of cylinders (0..65535)
 * @param heads           heads per cylinder (0..255)
 * @param sectorsPerTrack sectors per track (0..255)
 */
public record Geometry(int cylinders, int heads, int sectorsPerTrack) {

    public Geometry {
        if (cylinders < 0 || cylinders > 0xFFFF || heads < 0 || heads > 0xFF
                || sectorsPerTrack < 0 || sectorsPerTrack > 0xFF) {
            throw new VhdException(VhdException.Reason.INVALID_ARGUMENT, null,
                    "geometry out of range: " + cylinders + "/" + heads + "/" + sectorsPerTrack);
        }
    }

    /**
     * The geometry the VHD specification's appendix algorithm derives from a virtual size (the
     * same computation blktap uses: total sectors rounded up, at least one).
     */
    public static Geometry forSize(long virtualSizeBytes) {
        long total = Math.max(1, VhdFormat.ceilDiv(virtualSizeBytes, VhdFormat.SECTOR));
        total = Math.min(total, 65535L * 16 * 255);
        long spt;
        long heads;
        long cylTimesHeads;
        if (total >= 65535L * 16 * 63) {
            spt = 255;
            heads = 16;
            cylTimesHeads = total / spt;
        } else {
            spt = 17;
            cylTimesHeads = total / spt;
            heads = Math.max(4, (cylTimesHeads + 1023) / 1024);
            if (cylTimesHeads >= heads * 1024 || heads > 16) {
                spt = 31;
                heads = 16;
                cylTimesHeads = total / spt;
            }
            if (cylTimesHeads >= heads * 1024) {
                spt = 63;
                heads = 16;
                cylTimesHeads = total / spt;
            }
        }
        return new Geometry((int) (cylTimesHeads / heads), (int) heads, (int) spt);
    }

    /** Packs the geometry into the footer's 32-bit field. */
    public int encode() {
        return (cylinders << 16) | (heads << 8) | sectorsPerTrack;
    }

    /** Unpacks the footer's 32-bit field. */
    public static Geometry decode(int packed) {
        return new Geometry((packed >>> 16) & 0xFFFF, (packed >>> 8) & 0xFF, packed & 0xFF);
    }

    /** Capacity described by the geometry in bytes (usually below the virtual size). */
    public long chsBytes() {
        return (long) cylinders * heads * sectorsPerTrack * VhdFormat.SECTOR;
    }
}
