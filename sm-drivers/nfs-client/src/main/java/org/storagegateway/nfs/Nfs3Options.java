package org.storagegateway.nfs;

import java.util.Locale;
import java.util.Map;

/**
 * The options of one mounted export, read from the {@code env} map of
 * {@link java.nio.file.spi.FileSystemProvider#newFileSystem(java.net.URI, Map)} (values may be strings or numbers).
 *
 * @param uid             {@value #UID}: AUTH_SYS uid sent with every call (default 0, so the export must not squash
 *                        root, or the uid must own the SR directory)
 * @param gid             {@value #GID}: AUTH_SYS gid (default 0)
 * @param writes          {@value #WRITES}: how WRITEs are made durable, see {@link Writes} (default {@code auto})
 * @param dirCacheMillis  {@value #DIR_CACHE}: how long a directory's handle is reused for the names in it (default
 *                        3000, like the kernel's {@code acdirmin}; 0 looks every component up on every call)
 * @param attrCacheMillis {@value #ATTR_CACHE}: how long a channel answers {@code size()} from the attributes of its
 *                        own replies (open, writes) before asking GETATTR again (default 1000, below the kernel's
 *                        {@code acregmin} of 3 s; 0 asks every time)
 * @param ioSize          {@value #IO_SIZE}: largest READ/WRITE payload (default 1 MiB, capped by the server's FSINFO)
 */
public record Nfs3Options(int uid, int gid, Writes writes, long dirCacheMillis, long attrCacheMillis, int ioSize) {

    public static final String UID = "uid";
    public static final String GID = "gid";
    public static final String WRITES = "writes";
    public static final String DIR_CACHE = "dirCacheMillis";
    public static final String ATTR_CACHE = "attrCacheMillis";
    public static final String IO_SIZE = "ioSize";

    /** Write durability. Whatever the mode, {@code force()} and {@code close()} leave nothing uncommitted. */
    public enum Writes {
        /**
         * The first WRITE after open or after a {@code force()} is FILE_SYNC, the following ones UNSTABLE with a
         * COMMIT at {@code force()}/{@code close()}. A write-then-force (creating a VHD, a BAT update under strict
         * ordering) costs one call and no COMMIT; a stream of writes costs one COMMIT.
         */
        AUTO,
        /** Every WRITE UNSTABLE, COMMIT at {@code force()}/{@code close()} (what the kernel client does). */
        UNSTABLE,
        /** Every WRITE FILE_SYNC; {@code force()} sends nothing. */
        FILE_SYNC
    }

    public static Nfs3Options defaults() {
        return new Nfs3Options(0, 0, Writes.AUTO, 3000, 1000, 1 << 20);
    }

    static Nfs3Options from(Map<String, ?> env) {
        Nfs3Options d = defaults();
        if (env == null) {
            return d;
        }
        Writes writes;
        String w = string(env, WRITES, d.writes().name());
        try {
            writes = Writes.valueOf(w.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(WRITES + " must be auto, unstable or file_sync: " + w, e);
        }
        int io = (int) number(env, IO_SIZE, d.ioSize());
        if (io < 4096) {
            throw new IllegalArgumentException(IO_SIZE + " must be at least 4096: " + io);
        }
        return new Nfs3Options((int) number(env, UID, d.uid()), (int) number(env, GID, d.gid()), writes,
                Math.max(0, number(env, DIR_CACHE, d.dirCacheMillis())),
                Math.max(0, number(env, ATTR_CACHE, d.attrCacheMillis())), io);
    }

    private static String string(Map<String, ?> env, String key, String dflt) {
        Object v = env.get(key);
        return v == null ? dflt : v.toString().trim();
    }

    private static long number(Map<String, ?> env, String key, long dflt) {
        Object v = env.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Long.parseLong(v.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number: " + v, e);
        }
    }
}
